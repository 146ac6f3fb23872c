import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { Catalog } from '../../../src/catalog/index.js'
import type { CatalogLimits } from '../../../src/catalog/index.js'
import { T0, testIdentity, verified } from '../../helpers/offers.js'
import { tempDir } from '../../helpers/tmp.js'

const own = testIdentity(10)
const honest = testIdentity(11)
const sybils = Array.from({ length: 6 }, (_, i) => testIdentity(20 + i))
const offer = (who: typeof own, n: number, issuedAt = T0 + n): ReturnType<typeof verified> => verified(who, { id: `o-${n}`, seq: issuedAt, issuedAt })

describe('catalog: limits (per provider, in total, eviction)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let catalog: Catalog
  const path = (): string => join(dir.path, 'catalog')
  const open = async (limits: CatalogLimits): Promise<void> => {
    catalog = await Catalog.open(path())
    catalog.configure(limits, own.peerId)
  }
  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => { await catalog.close(); await dir.cleanup() })

  it('refuses a provider\'s records beyond its cap, but still takes its replacements', async () => {
    await open({ maxRecords: 100, maxRecordsPerProvider: 3 })
    for (let n = 0; n < 3; n++) assert.equal((await catalog.insert(offer(honest, n))).decision, 'store')
    assert.equal((await catalog.insert(offer(honest, 3))).decision, 'refused')
    assert.equal((await catalog.insert(verified(honest, { id: 'o-0', seq: T0 + 100, issuedAt: T0 + 100 }))).decision, 'store')
    assert.equal(catalog.providerCount(honest.peerId), 3)
    assert.equal(catalog.wouldAdmit(`${honest.peerId}/o-9`), false)
    assert.equal(catalog.wouldAdmit(`${honest.peerId}/o-0`), true)
  })

  it('when full, evicts the oldest record of the largest provider, never own records, and refuses when no provider holds two more', async () => {
    await open({ maxRecords: 10, maxRecordsPerProvider: 8 })
    for (let n = 0; n < 8; n++) await catalog.insert(offer(sybils[0] as typeof own, n))
    for (let n = 0; n < 2; n++) await catalog.insert(offer(sybils[1] as typeof own, n))
    for (let n = 0; n < 5; n++) assert.equal((await catalog.insert(offer(own, n))).decision, 'store', 'own records are always taken')
    // Full (10 counted). The honest provider's first record takes the oldest record of the largest (sybil 0).
    const r = await catalog.insert(offer(honest, 0))
    assert.equal(r.decision, 'store')
    assert.equal(r.evicted, `${(sybils[0] as typeof own).peerId}/o-0`)
    assert.equal(catalog.providerCount((sybils[0] as typeof own).peerId), 7)
    // The largest provider cannot take room from others by publishing more.
    assert.equal((await catalog.insert(offer(sybils[0] as typeof own, 50))).decision, 'refused')
    // Fill until every provider holds about the same share: then a new provider is refused.
    for (let n = 1; n < 4; n++) assert.equal((await catalog.insert(offer(honest, n))).decision, 'store')
    assert.deepEqual([catalog.providerCount((sybils[0] as typeof own).peerId), catalog.providerCount(honest.peerId)], [4, 4])
    assert.equal((await catalog.insert(offer(sybils[1] as typeof own, 2))).decision, 'store', '2 -> 3 takes from a provider of 4')
    assert.equal((await catalog.insert(offer(sybils[1] as typeof own, 3))).decision, 'refused', '3 -> 4 would not be fairer')
    assert.equal((await catalog.insert(offer(sybils[2] as typeof own, 0))).decision, 'store', 'a first record takes from a provider of 4')
    assert.equal(catalog.providerCount(own.peerId), 5)
    assert.equal(catalog.size, 15)
  })

  it('never evicts protected providers', async () => {
    await open({ maxRecords: 4, maxRecordsPerProvider: 10, protectedProviders: [honest.peerId] })
    for (let n = 0; n < 4; n++) await catalog.insert(offer(honest, n))
    assert.equal((await catalog.insert(offer(sybils[0] as typeof own, 0))).decision, 'refused')
  })

  it('keeps an eviction after a restart (the record is deleted from the store)', async () => {
    await open({ maxRecords: 3, maxRecordsPerProvider: 3 })
    for (let n = 0; n < 3; n++) await catalog.insert(offer(sybils[0] as typeof own, n))
    assert.equal((await catalog.insert(offer(honest, 0))).evicted, `${(sybils[0] as typeof own).peerId}/o-0`)
    await catalog.close()
    await open({ maxRecords: 3, maxRecordsPerProvider: 3 })
    assert.equal((await catalog.get((sybils[0] as typeof own).peerId, 'o-0')), undefined)
    assert.equal(catalog.size, 3)
    assert.equal((await catalog.query({}, { now: T0 + 10, limit: 100 })).entries.length, 3)
  })
})
