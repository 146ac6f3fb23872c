import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import {
  OfferError, completeOffer, compileFilter, decodeRecord, encodeRecord, recordFromJson, recordToJson, signOffer,
  verifyRecord, verifyRecordBytes, normalisedPrice, fromNanos, toNanos, offerSigningBytes, MAX_OFFER_LIFETIME_MS, MAX_RECORD_BYTES
} from '../../../src/offers/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { T0, makeOffer, signed, testIdentity } from '../../helpers/offers.js'

const alice = testIdentity(1)
const bob = testIdentity(2)
const code = (c: string) => (e: unknown) => isFulcrumError(e, c)

describe('offers', () => {
  it('round-trips any valid offer through the canonical encoding', () => {
    fc.assert(fc.property(
      fc.record({ seq: fc.nat(), capacity: fc.nat(), vcpu: fc.integer({ min: 1, max: 512 }), cents: fc.nat({ max: 1_000_000 }) }),
      ({ seq, capacity, vcpu, cents }) => {
        const record = signed(alice, { seq, capacity, service: { type: 'compute.vm', specs: { vcpu, memoryGiB: 8 } }, price: { amount: fromNanos(BigInt(cents) * 10_000_000n), currency: 'EUR', unit: 'month' } })
        const bytes = encodeRecord(record)
        assert.deepEqual(encodeRecord(decodeRecord(bytes)), bytes)
        verifyRecordBytes(bytes, T0)
      }), { numRuns: 100 })
  })

  it('any change to any byte of a signed record makes it fail verification', () => {
    const bytes = encodeRecord(signed(alice))
    fc.assert(fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const bad = bytes.slice()
      bad[i] = (bad[i] as number) ^ x
      assert.throws(() => verifyRecordBytes(bad, T0), (e: unknown) => isFulcrumError(e))
    }), { numRuns: 400 })
  })

  it('refuses to sign an offer for another provider', () => {
    assert.throws(() => signOffer(makeOffer(bob), alice), code(OfferError.BAD_PROVIDER))
  })

  it('round-trips the JSON form and rejects a malformed signature field', () => {
    const record = signed(alice)
    const json = JSON.parse(JSON.stringify(recordToJson(record)))
    assert.deepEqual(encodeRecord(recordFromJson(json)), encodeRecord(record))
    assert.throws(() => recordFromJson({ ...json, signature: 'AAAA' }), code(OfferError.BAD_SIGNATURE))
    assert.throws(() => recordFromJson({ ...json, body: { ...json.body, extra: 1 } }), (e: unknown) => isFulcrumError(e, OfferError.UNKNOWN_FIELD) && e.path === 'body.extra')
  })

  it('completes a draft: provider, issuedAt, seq = issuedAt, default lifetime, sorted certifications', () => {
    const { provider, seq, issuedAt, expiresAt, ...draft } = makeOffer(alice, { certifications: ['iso-27001', 'c5-type2'] })
    void provider; void seq; void issuedAt; void expiresAt
    const offer = completeOffer(draft, { provider: alice.peerId, now: T0 })
    assert.equal(offer.provider, alice.peerId)
    assert.equal(offer.seq, T0)
    assert.equal(offer.expiresAt, T0 + 7 * 86_400_000)
    assert.deepEqual(offer.certifications, ['c5-type2', 'iso-27001'])
    assert.throws(() => completeOffer({ ...draft, provider: bob.peerId }, { provider: alice.peerId, now: T0 }), code(OfferError.BAD_PROVIDER))
    assert.throws(() => completeOffer({ ...draft, expiresAt: T0 + MAX_OFFER_LIFETIME_MS + 1 }, { provider: alice.peerId, now: T0 }), code(OfferError.BAD_LIFETIME))
  })

  it('names the failing field in validation errors', () => {
    assert.throws(() => verifyRecord({ ...signed(alice), body: { ...makeOffer(alice), capacity: -1 } } as never, T0),
      (e: unknown) => isFulcrumError(e, OfferError.BAD_SIGNATURE))
    const draft = makeOffer(alice, { service: { type: 'compute.gpu', specs: { vcpu: 8, memoryGiB: 64, gpuCount: 1 } } })
    assert.throws(() => completeOffer(draft, { provider: alice.peerId, now: T0 }), (e: unknown) => isFulcrumError(e, OfferError.INVALID_FIELD) && e.path === 'service.specs.gpuModel')
  })

  it('accepts namespaced custom types with free-form specs and rejects bad keys', () => {
    const ok = makeOffer(alice, { service: { type: 'x-acme.quantum-annealer', specs: { qubits: 5000, topology: 'pegasus' } } })
    signOffer(ok, alice)
    assert.throws(() => signOffer(makeOffer(alice, { service: { type: 'x-acme.q', specs: { 'Bad Key': 1 } } }), alice), code(OfferError.INVALID_FIELD))
  })

  it('parses decimals exactly', () => {
    assert.equal(toNanos('0.045'), 45_000_000n)
    assert.equal(fromNanos(toNanos('12.5')), '12.5')
    for (const bad of ['', '.5', '01', '1.', '1.0000000001', '1e3', ' 1', '1,5', '-0']) {
      assert.throws(() => toNanos(bad), code(OfferError.BAD_DECIMAL), bad)
    }
  })
})

describe('offers: the size limit holds for records built from values, not only from bytes', () => {
  const id = testIdentity(3)
  /** A structurally valid offer whose record encodes to more than MAX_RECORD_BYTES. */
  const oversized = (): ReturnType<typeof makeOffer> => makeOffer(id, {
    addresses: Array.from({ length: 8 }, (_, i) => `/dns4/${'a'.repeat(63)}.${'b'.repeat(63)}.example${i}/tcp/4001`),
    certifications: Array.from({ length: 24 }, (_, i) => `x-pad.c${String(i).padStart(2, '0')}${'p'.repeat(55)}`),
    service: { type: 'x-example.padded', specs: Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`pad${i}`, 'p'.repeat(64)])) }
  })

  it('refuses to sign a record over MAX_RECORD_BYTES with OFFER_TOO_LARGE', () => {
    assert.throws(() => signOffer(oversized(), id), (e: unknown) => isFulcrumError(e, OfferError.TOO_LARGE))
  })

  it('refuses to verify such a record given as a value (JSON, API) with OFFER_TOO_LARGE', () => {
    const body = oversized()
    const record = { kind: 'offer' as const, body, signature: id.sign(offerSigningBytes(body)) }
    assert.ok(encodeRecord(record).length > MAX_RECORD_BYTES)
    assert.throws(() => verifyRecord(record, T0), (e: unknown) => isFulcrumError(e, OfferError.TOO_LARGE))
  })
})

describe('offer filters', () => {
  const vm = (over: Parameters<typeof makeOffer>[1]) => makeOffer(alice, over)

  it('normalises monthly prices to hourly for comparison', () => {
    assert.equal(normalisedPrice(vm({ price: { amount: '73', currency: 'EUR', unit: 'month' } })), normalisedPrice(vm({ price: { amount: '0.1', currency: 'EUR', unit: 'hour' } })))
    const f = compileFilter({ currency: 'EUR', maxPrice: { amount: '50', unit: 'month' } })
    assert.equal(f.matches(vm({ price: { amount: '0.06', currency: 'EUR', unit: 'hour' } })), true) // 43.8/month
    assert.equal(f.matches(vm({ price: { amount: '0.07', currency: 'EUR', unit: 'hour' } })), false) // 51.1/month
    assert.equal(f.matches(vm({ price: { amount: '0.01', currency: 'EUR', unit: 'gib-hour' } })), false, 'another dimension never matches')
  })

  it('expands EU, and checks certifications, capacity, SLA and spec minima', () => {
    const offer = vm({})
    assert.equal(compileFilter({ countries: ['EU'] }).matches(offer), true)
    assert.equal(compileFilter({ countries: ['CH'] }).matches(offer), false)
    assert.equal(compileFilter({ certifications: ['iso-27001'] }).matches(offer), true)
    assert.equal(compileFilter({ certifications: ['iso-27001', 'secnumcloud'] }).matches(offer), false)
    assert.equal(compileFilter({ minCapacity: 41 }).matches(offer), false)
    assert.equal(compileFilter({ minAvailability: '99.9' }).matches(offer), true)
    assert.equal(compileFilter({ minAvailability: '99.99' }).matches(offer), false)
    assert.equal(compileFilter({ minSpecs: { vcpu: 4 } }).matches(offer), true)
    assert.equal(compileFilter({ minSpecs: { vcpu: 8 } }).matches(offer), false)
    assert.equal(compileFilter({ minSpecs: { gpuCount: 1 } }).matches(offer), false)
  })

  it('rejects malformed filters with OFFER_BAD_FILTER and the path', () => {
    for (const [filter, path] of [
      [{ countries: ['ZZ'] }, 'filter.countries[0]'],
      [{ type: 'vm' }, 'filter.type'],
      [{ currency: 'EUR', maxPrice: { amount: 'cheap', unit: 'hour' } }, 'filter.maxPrice.amount'],
      [{ maxPrice: { amount: '1', unit: 'hour' } }, 'filter.currency'],
      [{ certifications: ['ISO-27001'] }, 'filter.certifications[0]'],
      [{ currency: 'EUR', maxPrice: { amount: '1', unit: 'week' } }, 'filter.maxPrice.unit'],
      [{ currency: 'eur' }, 'filter.currency'],
      [{ minSpecs: { vcpu: -1 } }, 'filter.minSpecs.vcpu']
    ] as const) {
      assert.throws(() => compileFilter(filter as never), (e: unknown) => isFulcrumError(e, OfferError.BAD_FILTER) && e.path === path, path)
    }
  })
})
