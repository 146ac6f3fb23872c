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
