import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { Catalog, CatalogError, verifyEvidence } from '../../../src/catalog/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { WITHDRAWAL_RETENTION_MS } from '../../../src/offers/index.js'
import { T0, testIdentity, verified, withdrawal } from '../../helpers/offers.js'
import { tempDir } from '../../helpers/tmp.js'

const alice = testIdentity(1)
const bob = testIdentity(2)

describe('catalog', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let catalog: Catalog
  beforeEach(async () => { dir = await tempDir(); catalog = await Catalog.open(join(dir.path, 'catalog')) })
  afterEach(async () => { await catalog.close(); await dir.cleanup() })

  it('refuses a second opener of the same store with CATALOG_LOCKED', async () => {
    await assert.rejects(Catalog.open(join(dir.path, 'catalog')), (e: unknown) => isFulcrumError(e, CatalogError.LOCKED))
  })

  it('stores a new offer and reports a duplicate', async () => {
    assert.equal((await catalog.insert(verified(alice))).decision, 'store')
    assert.equal((await catalog.insert(verified(alice))).decision, 'duplicate')
    assert.equal(catalog.size, 1)
  })

  it('replaces an offer by a higher seq and ignores a lower one', async () => {
    await catalog.insert(verified(alice, { seq: 2, capacity: 10 }))
    assert.equal((await catalog.insert(verified(alice, { seq: 1, capacity: 99 }))).decision, 'stale')
    assert.equal((await catalog.insert(verified(alice, { seq: 3, capacity: 5 }))).decision, 'store')
    const e = await catalog.get(alice.peerId, 'vm-small')
    assert.equal(e?.record.kind === 'offer' && e.record.body.capacity, 5)
  })

  it('ends an offer with a withdrawal, and a replayed older offer stays out', async () => {
    await catalog.insert(verified(alice, { seq: 1 }))
    assert.equal((await catalog.insert(withdrawal(alice, 'vm-small', 2))).decision, 'store')
    assert.equal((await catalog.query({}, { now: T0 })).entries.length, 0)
    assert.equal((await catalog.insert(verified(alice, { seq: 1 }))).decision, 'stale')
    assert.equal((await catalog.query({}, { now: T0 })).entries.length, 0)
  })

  it('keeps evidence when a provider signs two offers with the same id and seq, and serves neither', async () => {
    await catalog.insert(verified(alice, { seq: 4, capacity: 1 }))
    assert.equal((await catalog.insert(verified(alice, { seq: 4, capacity: 2 }))).decision, 'equivocation')
    assert.equal((await catalog.query({}, { now: T0 })).entries.length, 0)
    const [evidence] = await catalog.evidence()
    assert.ok(evidence)
    assert.deepEqual(verifyEvidence(evidence), { provider: alice.peerId, id: 'vm-small', seq: 4 })
    const tampered = evidence.slice(); tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 1
    assert.throws(() => verifyEvidence(tampered), (e: unknown) => isFulcrumError(e, CatalogError.BAD_EVIDENCE))
    // A higher seq resolves it.
    await catalog.insert(verified(alice, { seq: 5 }))
    assert.equal((await catalog.query({}, { now: T0 })).entries.length, 1)
  })

  it('indexes only the surviving record when one batch holds several seqs of a key', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => verified(bob, { id: `b${i}` }))
    batch.push(verified(alice, { seq: 1, capacity: 1 }), verified(alice, { seq: 2, capacity: 2 }), verified(alice, { seq: 3, capacity: 3 }))
    await catalog.insertMany(batch)
    const mine = (await catalog.query({ provider: alice.peerId }, { now: T0 })).entries
    assert.deepEqual(mine.map(e => e.record.body.seq), [3])
    assert.equal((await catalog.query({}, { now: T0, limit: 100 })).entries.length, 21)
  })

  it('keeps everything, conflicts included, across a restart', async () => {
    await catalog.insert(verified(alice, { id: 'a', seq: 1 }))
    await catalog.insert(verified(alice, { id: 'b', seq: 1, capacity: 1 }))
    await catalog.insert(verified(alice, { id: 'b', seq: 1, capacity: 2 }))
    await catalog.insert(withdrawal(bob, 'c', 3))
    await catalog.close()
    catalog = await Catalog.open(join(dir.path, 'catalog'))
    assert.equal(catalog.size, 3)
    assert.deepEqual((await catalog.query({}, { now: T0 })).entries.map(e => e.key), [`${alice.peerId}/a`])
    assert.equal((await catalog.get(bob.peerId, 'c'))?.record.kind, 'withdrawal')
  })

  it('hides expired offers at query time and sweeps them and old withdrawals', async () => {
    await catalog.insert(verified(alice, { id: 'short', expiresAt: T0 + 1000 }))
    await catalog.insert(verified(alice, { id: 'long' }))
    await catalog.insert(withdrawal(bob, 'gone', 1))
    assert.equal((await catalog.query({}, { now: T0 + 1000 })).entries.length, 1)
    assert.equal(await catalog.sweep(T0 + 1000), 1)
    assert.equal(await catalog.sweep(T0 + WITHDRAWAL_RETENTION_MS), 2)
    assert.equal(catalog.size, 0)
  })

  it('answers filtered queries cheapest first, page by page with a cursor', async () => {
    const records = []
    for (let i = 0; i < 25; i++) {
      records.push(verified(i % 2 === 0 ? alice : bob, {
        id: `o${i}`,
        price: { amount: `0.${String(100 - i).padStart(3, '0')}`, currency: 'EUR', unit: 'hour' },
        location: i % 3 === 0 ? { country: 'FR', subdivision: 'FR-75' } : { country: 'DE', subdivision: 'DE-BE' },
        service: { type: 'compute.vm', specs: { vcpu: i, memoryGiB: 4 } }
      }))
    }
    await catalog.insertMany(records)
    const filter = { countries: ['DE'], minSpecs: { vcpu: 3 } }
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await catalog.query(filter, { now: T0, limit: 4, ...(cursor === undefined ? {} : { cursor }) })
      assert.ok(page.entries.length <= 4)
      seen.push(...page.entries.map(e => e.record.body.id))
      cursor = page.nextCursor
    } while (cursor !== undefined)
    const expected = records.map(r => r.record.body as unknown as { id: string, location: { country: string }, service: { specs: { vcpu: number } } })
      .filter(o => o.location.country === 'DE' && o.service.specs.vcpu >= 3).map(o => o.id).reverse()
    assert.deepEqual(seen, expected)
    await assert.rejects(catalog.query({}, { now: T0, cursor: 'garbage' }), (e: unknown) => isFulcrumError(e, CatalogError.BAD_CURSOR))
  })
})
