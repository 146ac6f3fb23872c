import { strict as assert } from 'node:assert'
import { createIdentity } from '../../../src/identity/index.js'
import { signOffer, verifyRecord } from '../../../src/offers/index.js'
import { mergeOffers } from '../../../src/client/index.js'
import { makeOffer } from '../../helpers/offers.js'

const NOW = Date.UTC(2026, 5, 1)
const p = createIdentity()
const v = (id: string, seq: number, amount = '0.05') =>
  verifyRecord(signOffer(makeOffer(p, { id, seq, issuedAt: NOW, expiresAt: NOW + 60_000, price: { amount, currency: 'EUR', unit: 'hour' } }), p), NOW)

describe('client: merging answers of several nodes', () => {
  it('keeps the highest seq of each offer, cheapest first', () => {
    const { offers, conflicts } = mergeOffers([[v('a', 1), v('b', 1, '0.01')], [v('a', 2, '0.09'), v('b', 1, '0.01')]])
    assert.deepEqual(offers.map(o => [o.record.body.id, o.record.body.seq]), [['b', 1], ['a', 2]])
    assert.deepEqual(conflicts, [])
  })

  it('leaves out an offer for which nodes served two different records with one seq (equivocation)', () => {
    const { offers, conflicts } = mergeOffers([[v('a', 1, '0.05')], [v('a', 1, '0.06')], [v('c', 1)]])
    assert.deepEqual(offers.map(o => o.record.body.id), ['c'])
    assert.deepEqual(conflicts, [`${p.peerId}/a`])
  })

  it('a higher seq settles an earlier conflict', () => {
    const { offers, conflicts } = mergeOffers([[v('a', 1, '0.05')], [v('a', 1, '0.06')], [v('a', 2)]])
    assert.deepEqual(offers.map(o => o.record.body.seq), [2])
    assert.deepEqual(conflicts, [])
  })
})

describe('client: fulcrum search flags', () => {
  it('turn into an offer filter', async () => {
    const { filterFromArgs } = await import('../../../src/cli/commands/search.js')
    const filter = filterFromArgs({
      values: { type: 'compute.vm', country: ['IT', 'FR'], currency: 'EUR', 'max-price': '0.05', cert: ['iso-27001'], 'min-vcpu': '8', 'min-spec': ['diskGiB=100'] },
      positionals: []
    })
    assert.deepEqual(filter, {
      type: 'compute.vm', countries: ['IT', 'FR'], currency: 'EUR', maxPrice: { amount: '0.05', unit: 'hour' }, certifications: ['iso-27001'], minSpecs: { vcpu: 8, diskGiB: 100 }
    })
  })

  it('reject a malformed spec minimum with CLI_USAGE', async () => {
    const { filterFromArgs } = await import('../../../src/cli/commands/search.js')
    const { isFulcrumError } = await import('../../../src/errors/index.js')
    assert.throws(() => filterFromArgs({ values: { 'min-spec': ['vcpu'] }, positionals: [] }), (e: unknown) => isFulcrumError(e, 'CLI_USAGE'))
    assert.throws(() => filterFromArgs({ values: { 'min-vcpu': '-1' }, positionals: [] }), (e: unknown) => isFulcrumError(e, 'CLI_USAGE'))
  })

  it('render a table with provider, offer, location, price, key specs and expiry', async () => {
    const { renderTable } = await import('../../../src/cli/commands/search.js')
    const text = renderTable({ offers: [v('a', 1, '0.05')], sources: [{ peer: 'n1', offers: 1, rejected: 2 }], conflicts: [] })
    const lines = text.split('\n')
    assert.match(lines[0] ?? '', /^PROVIDER\s+OFFER\s+TYPE\s+LOCATION\s+PRICE\s+SPECS\s+EXPIRES/)
    assert.match(lines[1] ?? '', /a\s+compute\.vm\s+IT IT-MI\S* \S+\s+0\.05 EUR\/hour\s+vcpu=4 \S+…\s+2026-06-01T00:01:\d\dZ$/)
    assert.ok(text.split('\n').every(l => l.length <= 100))
    assert.match(renderTable({ offers: [v('a', 1, '0.05')], sources: [], conflicts: [] }, true), /vcpu=4 memoryGiB=16 diskGiB=100\s+2026-06-01T00:01:\d\dZ/)
    assert.match(text, /n1 sent 2 record\(s\) that failed verification/)
  })
})
