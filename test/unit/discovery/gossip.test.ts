import { strict as assert } from 'node:assert'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { Catalog } from '../../../src/catalog/index.js'
import { createIdentity } from '../../../src/identity/index.js'
import { encodeRecord, signOffer, MAX_RECORD_BYTES } from '../../../src/offers/index.js'
import { OfferGossip, Ingestor, SyncIndex, BURST, RATE_PER_SECOND } from '../../../src/discovery/index.js'
import { PeerPenalties, PENALTY_HALF_LIFE_MS } from '../../../src/gossip/index.js'
import type { GossipSub } from '@libp2p/gossipsub'
import { catalogView } from '../../../src/node/index.js'
import { silentLogger } from '../../../src/logging/index.js'
import { makeOffer } from '../../helpers/offers.js'
import { tempDir } from '../../helpers/tmp.js'

const NOW = Date.UTC(2026, 5, 1)
const provider = createIdentity()
const sender = peerIdFromString(createIdentity().peerId)
const offer = (id: string, seq = NOW, overrides = {}): Uint8Array =>
  encodeRecord(signOffer(makeOffer(provider, { id, seq, issuedAt: NOW - 1000, expiresAt: NOW + 3_600_000, ...overrides }), provider))

describe('discovery: gossip validator', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let catalog: Catalog
  let gossip: OfferGossip
  let penalties: PeerPenalties
  let clock = NOW
  beforeEach(async () => {
    dir = await tempDir()
    catalog = await Catalog.open(dir.path)
    clock = NOW
    penalties = new PeerPenalties(() => clock)
    gossip = new OfferGossip({} as GossipSub, new Ingestor(catalogView(catalog), new SyncIndex(), () => clock), penalties, silentLogger)
  })
  afterEach(async () => { await catalog.close(); await dir.cleanup() })

  const validate = async (data: Uint8Array): Promise<TopicValidatorResult> => await gossip.validate(sender, { data })

  it('accepts a new valid offer and stores it before relaying', async () => {
    assert.equal(await validate(offer('a')), TopicValidatorResult.Accept)
    assert.ok(catalog.seqOf(provider.peerId, 'a') !== undefined)
  })

  it('ignores a duplicate and a replayed older seq without penalty', async () => {
    await validate(offer('a', NOW))
    assert.equal(await validate(offer('a', NOW)), TopicValidatorResult.Ignore)
    assert.equal(await validate(offer('a', NOW - 5)), TopicValidatorResult.Ignore)
    assert.equal(penalties.score(sender.toString()), 0)
  })

  it('rejects a forged offer (tampered after signing) and penalises the sender', async () => {
    const body = makeOffer(provider, { id: 'f', seq: NOW, issuedAt: NOW, expiresAt: NOW + 60_000 })
    const forged = encodeRecord({ kind: 'offer', body: { ...body, capacity: 9999 }, signature: signOffer(body, provider).signature })
    assert.equal(await validate(forged), TopicValidatorResult.Reject)
    assert.ok(penalties.score(sender.toString()) < 0)
    assert.equal(catalog.size, 0)
    assert.equal(gossip.stats.rejected, 1)
  })

  it('rejects malformed and oversized messages', async () => {
    assert.equal(await validate(Uint8Array.from([1, 2, 3])), TopicValidatorResult.Reject)
    assert.equal(await validate(new Uint8Array(MAX_RECORD_BYTES + 1)), TopicValidatorResult.Reject)
  })

  it('ignores an expired offer without penalty (it may have expired in flight)', async () => {
    const bytes = offer('e')
    clock = NOW + 3_600_001
    assert.equal(await validate(bytes), TopicValidatorResult.Ignore)
    assert.equal(penalties.score(sender.toString()), 0)
  })

  it('admits fresh providers within the new-provider budget only; known providers and malformed records do not use it', async () => {
    gossip = new OfferGossip({} as GossipSub, new Ingestor(catalogView(catalog), new SyncIndex(), () => clock), penalties, silentLogger, { perSecond: 1, burst: 2 })
    const fresh = (): Uint8Array => {
      const p = createIdentity()
      return encodeRecord(signOffer(makeOffer(p, { id: 'n', seq: NOW, issuedAt: NOW - 1000, expiresAt: NOW + 3_600_000 }), p))
    }
    assert.equal(await validate(Uint8Array.from([0xa1, 0x61])), TopicValidatorResult.Reject)
    assert.equal(await validate(offer('k1')), TopicValidatorResult.Accept, 'the first record of a provider takes a token')
    assert.equal(await validate(offer('k2')), TopicValidatorResult.Accept, 'a known provider does not use the budget')
    assert.equal(await validate(fresh()), TopicValidatorResult.Accept, 'the second token (the malformed record took none)')
    assert.equal(await validate(fresh()), TopicValidatorResult.Ignore, 'the burst of 2 is spent')
    assert.equal(gossip.stats.unadmitted, 1)
    clock += 1000
    assert.equal(await validate(fresh()), TopicValidatorResult.Accept, 'one token refilled')
    assert.equal(await validate(fresh()), TopicValidatorResult.Ignore)
    assert.equal(await validate(offer('k3')), TopicValidatorResult.Accept, 'known providers still pass with the budget spent')
    assert.equal(penalties.score(sender.toString()) < 0, true, 'the malformed record was penalised')
  })

  it('throttles a peer beyond its burst, and lets it through again as tokens refill', async () => {
    for (let i = 0; i < BURST; i++) await validate(offer('x'))
    assert.equal(await validate(offer('y')), TopicValidatorResult.Ignore)
    assert.equal(gossip.stats.throttled, 1)
    assert.ok(catalog.seqOf(provider.peerId, 'y') === undefined)
    clock += 1000 / RATE_PER_SECOND
    assert.equal(await validate(offer('y')), TopicValidatorResult.Accept)
  })
})

describe('discovery: peer penalties', () => {
  it('decay by half every half-life', () => {
    let t = 0
    const p = new PeerPenalties(() => t)
    p.penalise('peer', 4)
    assert.equal(p.score('peer'), -4)
    t += PENALTY_HALF_LIFE_MS
    assert.ok(Math.abs(p.score('peer') + 2) < 1e-9)
    assert.equal(p.score('unknown'), 0)
  })
})
