import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import fc from 'fast-check'
import { Catalog } from '../../../src/catalog/index.js'
import type { CatalogEntry } from '../../../src/catalog/index.js'
import { Columns } from '../../../src/catalog/columns.js'
import { compileMatcher } from '../../../src/catalog/match.js'
import { QueryIndex, planPage } from '../../../src/catalog/plan.js'
import type { Position } from '../../../src/catalog/sorted-slots.js'
import { compileFilter, normalisedPrice, signOffer, verifyRecord } from '../../../src/offers/index.js'
import type { Offer, OfferFilter, VerifiedRecord } from '../../../src/offers/index.js'
import { T0, makeOffer, testIdentity, verified, withdrawal } from '../../helpers/offers.js'
import { tempDir } from '../../helpers/tmp.js'

const PROVIDERS = [1, 2, 3, 4, 5].map(testIdentity)
const TYPES = ['compute.vm', 'db.postgresql', 'compute.gpu']
const COUNTRIES = ['FR', 'DE', 'IT', 'CH', 'ES']
const DAY = 86_400_000
const SPECS: Record<string, Record<string, number | string>> = {
  'compute.vm': { memoryGiB: 16, diskGiB: 100 },
  'db.postgresql': { memoryGiB: 32, storageGiB: 500 },
  'compute.gpu': { memoryGiB: 200, gpuModel: 'NVIDIA H100 80GB', gpuCount: 1, gpuMemoryGiB: 80 }
}

const offerArb = fc.record({
  p: fc.nat(PROVIDERS.length - 1),
  id: fc.integer({ min: 0, max: 40 }),
  type: fc.constantFrom(...TYPES),
  country: fc.constantFrom(...COUNTRIES),
  cents: fc.integer({ min: 1, max: 400 }),
  unit: fc.constantFrom('hour', 'month', 'gib-month'),
  currency: fc.constantFrom('EUR', 'CHF'),
  // Also values beyond the spec column (2^32 - 1 and up) and beyond 32 bits of capacity.
  vcpu: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 4294967290, max: 4294967300 })),
  capacity: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(2 ** 40)),
  life: fc.integer({ min: 1, max: 48 }),
  seq: fc.integer({ min: 1, max: 3 })
})

const filterArb: fc.Arbitrary<OfferFilter> = fc.record({
  type: fc.option(fc.constantFrom(...TYPES), { nil: undefined, freq: 2 }),
  countries: fc.option(fc.subarray([...COUNTRIES, 'EU'], { minLength: 1 }), { nil: undefined, freq: 2 }),
  provider: fc.option(fc.constantFrom(...PROVIDERS.map(p => p.peerId)), { nil: undefined, freq: 2 }),
  currency: fc.option(fc.constantFrom('EUR', 'CHF'), { nil: undefined, freq: 2 }),
  maxPrice: fc.option(fc.record({ amount: fc.constantFrom('0.5', '1', '2.5', '100'), unit: fc.constantFrom('hour', 'month') }), { nil: undefined, freq: 2 }),
  minSpecs: fc.option(fc.record({ vcpu: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 4294967290, max: 4294967300 })) }), { nil: undefined, freq: 2 }),
  minCapacity: fc.option(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(2 ** 40)), { nil: undefined, freq: 2 })
}).map(f => {
  const out: OfferFilter = {}
  for (const [k, v] of Object.entries(f)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  if (out.maxPrice !== undefined) out.currency ??= 'EUR'
  return out
})

function record (o: typeof offerArb extends fc.Arbitrary<infer T> ? T : never): VerifiedRecord {
  const who = PROVIDERS[o.p] as (typeof PROVIDERS)[number]
  const offer: Offer = {
    ...makeOffer(who),
    id: `o-${o.id}`,
    seq: o.seq,
    expiresAt: T0 + o.life * 3_600_000,
    service: { type: o.type, specs: { ...SPECS[o.type], vcpu: o.vcpu } },
    location: { country: o.country },
    jurisdiction: o.country,
    price: { amount: (o.cents / 100).toFixed(2), currency: o.currency, unit: o.unit },
    capacity: o.capacity
  }
  return verifyRecord(signOffer(offer, who), T0)
}

/** The catalog's order: normalised price, then key. */
function compareIndexed (a: { price: bigint, key: string }, b: { price: bigint, key: string }): number {
  if (a.price !== b.price) return a.price < b.price ? -1 : 1
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/** What a full scan returns: every live, unconflicted offer that matches, cheapest first. */
async function scan (catalog: Catalog, filter: OfferFilter, now: number): Promise<string[]> {
  const c = compileFilter(filter)
  return (await catalog.sorted())
    .filter((e: CatalogEntry) => e.record.kind === 'offer' && !e.conflicted && e.record.body.expiresAt > now && c.matches(e.record.body))
    .map(e => ({ key: e.key, price: normalisedPrice(e.record.body as Offer) }))
    .sort(compareIndexed)
    .map(x => x.key)
}

describe('catalog: query plan (indexes and walks)', function () {
  this.timeout(120_000)

  it('returns exactly what a full scan returns, page by page, for any catalog, filter, page size and time', async () => {
    const dir = await tempDir()
    let run = 0
    try {
      await fc.assert(fc.asyncProperty(
        fc.array(offerArb, { minLength: 0, maxLength: 120, size: 'large' }),
        fc.array(fc.record({ p: fc.nat(PROVIDERS.length - 1), id: fc.integer({ min: 0, max: 40 }) }), { maxLength: 10 }),
        fc.array(fc.tuple(filterArb, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 8 }),
        async (offers, withdrawals, queries) => {
          const catalog = await Catalog.open(join(dir.path, `c${run++}`))
          try {
            // Inserted in two batches and one by one: replacements (higher seq) and withdrawals unindex.
            const recs = offers.map(record)
            await catalog.insertMany(recs.slice(0, recs.length >> 1))
            for (const r of recs.slice(recs.length >> 1)) await catalog.insert(r)
            for (const w of withdrawals) await catalog.insert(withdrawal(PROVIDERS[w.p] as (typeof PROVIDERS)[number], `o-${w.id}`, 4, T0))
            for (const [filter, limit, hours] of queries) {
              const now = T0 + hours * 3_600_000
              const got: string[] = []
              let cursor: string | undefined
              for (let page = 0; page < 200; page++) {
                const p = await catalog.query(filter, { now, limit, ...(cursor === undefined ? {} : { cursor }) })
                got.push(...p.entries.map(e => e.key))
                if (p.nextCursor === undefined) break
                assert.equal(p.entries.length, limit, 'a page with a cursor is full')
                cursor = p.nextCursor
              }
              assert.deepEqual(got, await scan(catalog, filter, now), JSON.stringify(filter))
            }
          } finally {
            await catalog.close()
          }
        }), { numRuns: 40 })
    } finally {
      await dir.cleanup()
    }
  })

  it('walking the smallest source and walking all offers give the same pages, cursors included, after removals', () => {
    fc.assert(fc.property(
      fc.array(offerArb, { maxLength: 150, size: 'large' }),
      fc.array(fc.nat(200), { maxLength: 30 }),
      fc.array(fc.tuple(filterArb, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 10 }),
      (offers, removals, queries) => {
        const columns = new Columns()
        const index = new QueryIndex(columns)
        const byKey = new Map<string, number>()
        for (const o of offers) {
          const v = record(o)
          const key = `${v.record.body.provider}/${v.record.body.id}`
          const held = byKey.get(key)
          if (held !== undefined) { index.remove(held); columns.fill(held, v.record, v.bytes) } else {
            const slot = columns.allocate()
            columns.fill(slot, v.record, v.bytes)
            byKey.set(key, slot)
          }
        }
        index.add([...byKey.values()])
        const keys = [...byKey.keys()]
        for (const r of removals) {
          const key = keys[r % Math.max(1, keys.length)]
          const slot = key === undefined ? undefined : byKey.get(key)
          if (key === undefined || slot === undefined) continue
          index.remove(slot)
          columns.release(slot)
          byKey.delete(key)
        }
        for (const [filter, limit, hours] of queries) {
          const compiled = compileFilter(filter)
          const now = T0 + hours * 3_600_000
          const pages = (strategy: 'auto' | 'all'): string[][] => {
            const out: string[][] = []
            let after: Position | undefined
            for (let i = 0; i < 200; i++) {
              const p = planPage({ index, columns, filter, matches: compileMatcher(columns, compiled), ceiling: compiled.priceCeiling, now, limit, after, strategy })
              out.push(p.slots.map(s => columns.keyOf(s)))
              const last = p.slots[p.slots.length - 1]
              if (!p.more || last === undefined) break
              after = { hi: columns.priceHi[last] as number, lo: columns.priceLo[last] as number, key: columns.keyOf(last) }
            }
            return out
          }
          assert.deepEqual(pages('auto'), pages('all'), JSON.stringify(filter))
        }
      }), { numRuns: 150 })
  })

  it('returns an offer priced exactly at the ceiling, from every source', async () => {
    const dir = await tempDir()
    const catalog = await Catalog.open(join(dir.path, 'c'))
    try {
      const who = PROVIDERS[0] as (typeof PROVIDERS)[number]
      const price = (amount: string, unit: string): Offer['price'] => ({ amount, currency: 'EUR', unit })
      await catalog.insertMany([
        verified(who, { id: 'at', price: price('36.5', 'month') }),
        verified(who, { id: 'below', price: price('0.049999999', 'hour') }),
        verified(who, { id: 'above', price: price('0.050000001', 'hour') })
      ])
      for (const extra of [{}, { provider: who.peerId }, { countries: ['IT'] }, { type: 'compute.vm' }]) {
        const page = await catalog.query({ ...extra, currency: 'EUR', maxPrice: { amount: '0.05', unit: 'hour' } }, { now: T0 })
        assert.deepEqual(page.entries.map(e => e.record.body.id), ['below', 'at'], JSON.stringify(extra))
      }
    } finally {
      await catalog.close()
      await dir.cleanup()
    }
  })

  it('answers a filter on values no held offer has (type, provider, currency, country) with an empty page', async () => {
    const dir = await tempDir()
    const catalog = await Catalog.open(join(dir.path, 'c'))
    try {
      await catalog.insert(verified(PROVIDERS[0] as (typeof PROVIDERS)[number], { id: 'x' }))
      for (const filter of [{ type: 'db.redis' }, { provider: (PROVIDERS[1] as (typeof PROVIDERS)[number]).peerId }, { currency: 'JPY' }, { countries: ['JP'] }, { type: 'db.redis', minSpecs: { vcpu: 1 } }]) {
        assert.deepEqual((await catalog.query(filter, { now: T0 })).entries, [], JSON.stringify(filter))
      }
    } finally {
      await catalog.close()
      await dir.cleanup()
    }
  })

  it('still answers after a day has passed (expired offers are skipped on every path)', async () => {
    const dir = await tempDir()
    const catalog = await Catalog.open(join(dir.path, 'c'))
    try {
      await catalog.insert(verified(PROVIDERS[0] as (typeof PROVIDERS)[number], { id: 'x', expiresAt: T0 + DAY }))
      assert.equal((await catalog.query({ provider: (PROVIDERS[0] as (typeof PROVIDERS)[number]).peerId }, { now: T0 + 2 * DAY })).entries.length, 0)
      assert.equal((await catalog.query({ provider: (PROVIDERS[0] as (typeof PROVIDERS)[number]).peerId }, { now: T0 })).entries.length, 1)
    } finally {
      await catalog.close()
      await dir.cleanup()
    }
  })
})
