import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { Columns } from '../../../src/catalog/columns.js'
import { compileMatcher } from '../../../src/catalog/match.js'
import { BILLING_UNITS, compileFilter, fromNanos, toNanos } from '../../../src/offers/index.js'
import type { Offer, OfferFilter, OfferRecord } from '../../../src/offers/index.js'

const PROVIDERS = ['P1', 'P2', 'P3']
const TYPES = ['compute.vm', 'compute.gpu', 'db.redis', 'x-acme.quantum']
const COUNTRIES = ['FR', 'DE', 'IT', 'US', 'CH']
const CURRENCIES = ['EUR', 'CHF', 'USD']
const UNITS = Object.keys(BILLING_UNITS)
/** Known ones (bits 0-27), one in the bitset's second word, two custom ones beyond the bitset (side map). */
const CERTS = ['iso-27001', 'secnumcloud', 'hds', 'x-pad.c5', 'x-acme.gold', 'x-acme.silver']
const SPEC_KEYS = ['vcpu', 'memoryGiB', 'gpuCount', 'qubits']
/** Around the column's sentinel (2^32 - 1), small ones, large safe integers, and strings. */
const specValue = fc.oneof(fc.nat(100), fc.integer({ min: 4294967290, max: 4294967300 }), fc.constant(Number.MAX_SAFE_INTEGER), fc.constantFrom('x86_64', '8'))
const decimal = (max: bigint): fc.Arbitrary<string> => fc.oneof(fc.bigInt(0n, max), fc.bigInt(0n, 1000n * 10n ** 9n)).map(fromNanos)

const offerArb: fc.Arbitrary<Offer> = fc.record({
  provider: fc.constantFrom(...PROVIDERS),
  id: fc.string({ minLength: 1, maxLength: 8 }),
  type: fc.constantFrom(...TYPES),
  specs: fc.dictionary(fc.constantFrom(...SPEC_KEYS), specValue),
  country: fc.constantFrom(...COUNTRIES),
  jurisdiction: fc.constantFrom(...COUNTRIES),
  certifications: fc.subarray(CERTS),
  amount: decimal(10n ** 21n - 1n),
  currency: fc.constantFrom(...CURRENCIES),
  unit: fc.constantFrom(...UNITS),
  capacity: fc.oneof(fc.nat(1000), fc.constant(Number.MAX_SAFE_INTEGER)),
  availability: fc.bigInt(0n, 100n * 10n ** 9n).map(fromNanos)
}).map(o => ({
  provider: o.provider, id: o.id, seq: 1, issuedAt: 0, expiresAt: 1,
  service: { type: o.type, specs: o.specs },
  location: { country: o.country },
  jurisdiction: o.jurisdiction,
  certifications: [...o.certifications].sort(),
  price: { amount: o.amount, currency: o.currency, unit: o.unit },
  capacity: o.capacity,
  sla: { availability: o.availability },
  terms: { url: 'https://x.example/t', sha256: 'a'.repeat(64) },
  addresses: []
}))

const filterArb: fc.Arbitrary<OfferFilter> = fc.record({
  type: fc.constantFrom(...TYPES, 'db.mysql'),
  countries: fc.subarray([...COUNTRIES, 'EU', 'JP'], { minLength: 1 }),
  jurisdictions: fc.subarray([...COUNTRIES, 'EU'], { minLength: 1 }),
  provider: fc.constantFrom(...PROVIDERS, 'P9'),
  currency: fc.constantFrom(...CURRENCIES, 'JPY'),
  maxPrice: fc.record({ amount: decimal(10n ** 21n - 1n), unit: fc.constantFrom(...UNITS) }),
  certifications: fc.subarray([...CERTS, 'x-acme.never', 'tisax']),
  minCapacity: fc.oneof(fc.nat(1000), fc.constant(Number.MAX_SAFE_INTEGER)),
  minAvailability: decimal(10n ** 21n - 1n),
  minSpecs: fc.dictionary(fc.constantFrom(...SPEC_KEYS, 'absent'), fc.oneof(fc.nat(100), fc.integer({ min: 4294967290, max: 4294967300 }), fc.constant(Number.MAX_SAFE_INTEGER)))
}).chain(full => fc.subarray(Object.keys(full), { maxLength: 3 }).map(keys => {
  // A few criteria at a time, so that matches are common enough to compare both answers.
  const f = Object.fromEntries(keys.map(k => [k, full[k as keyof typeof full]])) as OfferFilter
  return f.maxPrice !== undefined && f.currency === undefined ? { ...f, currency: full.currency } : f
}))

describe('catalog: filters compiled over the columns', () => {
  it('match exactly the offers that compileFilter(...).matches accepts, for random offers and filters', () => {
    fc.assert(fc.property(fc.array(offerArb, { minLength: 1, maxLength: 40 }), fc.array(filterArb, { minLength: 1, maxLength: 10 }), (offers, filters) => {
      const columns = new Columns()
      for (let i = 0; i < 10; i++) columns.certCodes.code(`x-pad.c${i}`)
      for (let i = 0; i < 30; i++) columns.certCodes.code(`x-pad.d${i}`)
      const slots = offers.map(offer => {
        const slot = columns.allocate()
        const record: OfferRecord = { kind: 'offer', body: offer, signature: new Uint8Array(64) }
        columns.fill(slot, record, Uint8Array.of(slot))
        return slot
      })
      for (const filter of filters) {
        const compiled = compileFilter(filter)
        const matches = compileMatcher(columns, compiled)
        offers.forEach((offer, i) => {
          assert.equal(matches(slots[i] as number), compiled.matches(offer), `${JSON.stringify(filter)} on ${JSON.stringify(offer)}`)
        })
      }
    }), { numRuns: 400 })
  })

  it('reads a slot refilled with another offer as that offer (no side values left behind)', () => {
    fc.assert(fc.property(offerArb, offerArb, fc.array(filterArb, { minLength: 1, maxLength: 10 }), (a, b, filters) => {
      const columns = new Columns()
      const slot = columns.allocate()
      columns.fill(slot, { kind: 'offer', body: a, signature: new Uint8Array(64) }, Uint8Array.of(1))
      columns.fill(slot, { kind: 'offer', body: b, signature: new Uint8Array(64) }, Uint8Array.of(2))
      for (const filter of filters) {
        const compiled = compileFilter(filter)
        assert.equal(compileMatcher(columns, compiled)(slot), compiled.matches(b), JSON.stringify(filter))
      }
    }), { numRuns: 300 })
  })

  it('agree at the boundaries: minima and ceilings equal to the offer values, and one unit off', () => {
    fc.assert(fc.property(offerArb, fc.constantFrom(-1n, 0n, 1n), fc.constantFrom(...UNITS), (offer, delta, unit) => {
      const columns = new Columns()
      const slot = columns.allocate()
      columns.fill(slot, { kind: 'offer', body: offer, signature: new Uint8Array(64) }, Uint8Array.of(1))
      const shift = (d: string): string => { const n = toNanos(d) + delta; return fromNanos(n < 0n ? 0n : n >= 10n ** 21n ? n - 1n : n) }
      const num = (n: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, n + Number(delta)))
      const filters: OfferFilter[] = [
        { currency: offer.price.currency, maxPrice: { amount: shift(offer.price.amount), unit: offer.price.unit } },
        { currency: offer.price.currency, maxPrice: { amount: shift(offer.price.amount), unit } },
        { minAvailability: shift(offer.sla.availability) },
        { minCapacity: num(offer.capacity) },
        ...Object.entries(offer.service.specs).map(([k, v]) => ({ minSpecs: { [k]: typeof v === 'number' ? num(v) : 1 } }))
      ]
      for (const filter of filters) {
        const compiled = compileFilter(filter)
        assert.equal(compileMatcher(columns, compiled)(slot), compiled.matches(offer), `${JSON.stringify(filter)} on ${JSON.stringify(offer)}`)
      }
    }), { numRuns: 1000 })
  })
})
