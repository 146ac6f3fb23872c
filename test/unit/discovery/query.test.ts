import { strict as assert } from 'node:assert'
import { encodeQueryRequest, decodeQueryRequest, queryHandler, DiscoveryError } from '../../../src/discovery/index.js'
import type { CatalogView } from '../../../src/discovery/index.js'
import { decodeMessage } from '../../../src/discovery/codec.js'
import { encodeCanonical } from '../../../src/encoding/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { OfferError } from '../../../src/offers/index.js'

const badMessage = (e: unknown): boolean => isFulcrumError(e, DiscoveryError.BAD_MESSAGE)

describe('discovery: query protocol messages', () => {
  it('round-trips a request with every filter field', () => {
    const req = {
      filter: {
        type: 'compute.vm', countries: ['IT', 'EU'], jurisdictions: ['IT'], provider: 'p', currency: 'EUR',
        maxPrice: { amount: '0.05', unit: 'hour' }, certifications: ['iso-27001'], minCapacity: 2, minAvailability: '99.9', minSpecs: { vcpu: 8 }
      },
      limit: 20,
      cursor: 'abc'
    }
    assert.deepEqual(decodeQueryRequest(encodeQueryRequest(req)), req)
  })

  const corrupt: Array<[string, unknown]> = [
    ['an unknown filter field', { v: 1, filter: { colour: 'red' }, limit: 1 }],
    ['a numeric type', { v: 1, filter: { type: 7 }, limit: 1 }],
    ['a maxPrice with an extra field', { v: 1, filter: { maxPrice: { amount: '1', unit: 'hour', x: 1 } }, limit: 1 }],
    ['too many countries', { v: 1, filter: { countries: Array.from({ length: 65 }, () => 'IT') }, limit: 1 }],
    ['a negative spec minimum', { v: 1, filter: { minSpecs: { vcpu: -1 } }, limit: 1 }],
    ['a missing limit', { v: 1, filter: {} }],
    ['an over-long cursor', { v: 1, filter: {}, limit: 1, cursor: 'c'.repeat(513) }]
  ]
  for (const [what, value] of corrupt) {
    it(`rejects a request with ${what} with DISCOVERY_BAD_MESSAGE`, () => {
      assert.throws(() => decodeQueryRequest(encodeCanonical(value as never)), badMessage)
    })
  }

  it('answers a bad filter value and a bad message with an error response carrying the code', async () => {
    const catalog = { query: async () => ({ records: [] }) } as unknown as CatalogView
    const handler = queryHandler(catalog, () => 0)
    const badFilter = decodeMessage(await handler(encodeQueryRequest({ filter: { type: 'no.such.type' }, limit: 1 })), ['error'])
    assert.equal((badFilter.error as { code: string }).code, OfferError.BAD_FILTER)
    const garbage = decodeMessage(await handler(Uint8Array.from([1])), ['error'])
    assert.equal((garbage.error as { code: string }).code, DiscoveryError.BAD_MESSAGE)
  })

  it('caps the page size at the catalog maximum and passes the cursor through', async () => {
    const seen: Array<{ limit: number, cursor?: string }> = []
    const catalog = { query: async (_f: unknown, o: { limit: number, cursor?: string }) => { seen.push(o); return { records: [Uint8Array.of(1)], nextCursor: 'n' } } } as unknown as CatalogView
    const res = decodeMessage(await queryHandler(catalog, () => 0)(encodeQueryRequest({ filter: {}, limit: 5000, cursor: 'c' })), ['records', 'next'])
    assert.equal(seen[0]?.limit, 100)
    assert.equal(seen[0]?.cursor, 'c')
    assert.equal(res.next, 'n')
  })
})
