import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { Catalog } from '../../../src/catalog/index.js'
import { createIdentity } from '../../../src/identity/index.js'
import { encodeRecord, signOffer } from '../../../src/offers/index.js'
import { OfferGossip, Ingestor, SyncIndex, syncHandler, queryHandler } from '../../../src/discovery/index.js'
import { PeerPenalties } from '../../../src/gossip/index.js'
import { FulcrumError } from '../../../src/errors/index.js'
import { catalogView } from '../../../src/node/index.js'
import { silentLogger } from '../../../src/logging/index.js'
import { makeOffer } from '../../helpers/offers.js'
import { tempDir } from '../../helpers/tmp.js'

const NOW = Date.UTC(2026, 5, 1)

describe('discovery: hostile input never crashes a handler', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let catalog: Catalog
  before(async () => { dir = await tempDir(); catalog = await Catalog.open(dir.path) })
  after(async () => { await catalog.close(); await dir.cleanup() })

  const provider = createIdentity()
  const valid = encodeRecord(signOffer(makeOffer(provider, { id: 'v', seq: NOW, issuedAt: NOW, expiresAt: NOW + 60_000 }), provider))
  /** Random bytes, or a valid record with a few bytes flipped, cut or extended. */
  const hostile = fc.oneof(
    fc.uint8Array({ maxLength: 600 }),
    fc.uniqueArray(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4, selector: ([i]) => i })
      .map(flips => { const b = valid.slice(); for (const [i, x] of flips) b[i] = (b[i] as number) ^ x; return b }),
    fc.nat(valid.length - 1).map(n => valid.slice(0, n)),
    fc.uint8Array({ minLength: 1, maxLength: 20 }).map(tail => Uint8Array.from([...valid, ...tail]))
  )

  it('the gossip validator answers reject or ignore, and stores nothing', async () => {
    const gossip = new OfferGossip({} as GossipSub, new Ingestor(catalogView(catalog), new SyncIndex(), () => NOW), new PeerPenalties(() => NOW), silentLogger)
    const from = peerIdFromString(createIdentity().peerId)
    await fc.assert(fc.asyncProperty(hostile, async (bytes) => {
      const result = await gossip.validate(from, { data: bytes })
      assert.ok(result === TopicValidatorResult.Reject || result === TopicValidatorResult.Ignore)
    }), { numRuns: 300 })
    assert.equal(catalog.size, 0)
  })

  it('the sync handler throws only coded errors, and the query handler always answers', async () => {
    const sync = syncHandler(new SyncIndex(), catalogView(catalog), () => NOW)
    const query = queryHandler(catalogView(catalog), () => NOW)
    await fc.assert(fc.asyncProperty(hostile, async (bytes) => {
      try { await sync(bytes) } catch (err) { assert.ok(err instanceof FulcrumError, String(err)) }
      assert.ok((await query(bytes)) instanceof Uint8Array)
    }), { numRuns: 300 })
  })
})
