import { strict as assert } from 'node:assert'
import { createIdentity } from '../../../src/identity/index.js'
import { signOffer, verifyRecord } from '../../../src/offers/index.js'
import { planPicks, providerAddresses } from '../../../src/client/plan.js'
import { makeOffer } from '../../helpers/offers.js'

const NOW = Date.UTC(2026, 5, 1)
const providers = [createIdentity(), createIdentity(), createIdentity()]
const offer = (i: number, amount: string, overrides: Parameters<typeof makeOffer>[1] = {}) =>
  verifyRecord(signOffer(makeOffer(providers[i] as ReturnType<typeof createIdentity>, { id: `o-${i}`, seq: 1, issuedAt: NOW, expiresAt: NOW + 3_600_000, capacity: 4, price: { amount, currency: 'EUR', unit: 'hour' }, ...overrides }), providers[i] as ReturnType<typeof createIdentity>), NOW)

describe('client: an order composed from picked offers', () => {
  it('plans exactly the picks through the planner, with the per-month costs and the total for the term', () => {
    const outcome = planPicks([{ offer: offer(0, '0.01'), quantity: 2 }, { offer: offer(1, '0.02'), quantity: 1 }, { offer: offer(2, '0.03'), quantity: 1 }], 3, NOW)
    assert.ok(outcome.ok, JSON.stringify(outcome))
    assert.deepEqual(outcome.plan.items.map(i => [i.name, i.record.body.provider, i.quantity]), [
      ['item-1', providers[0]?.peerId, 2], ['item-2', providers[1]?.peerId, 1], ['item-3', providers[2]?.peerId, 1]])
    // 730 hours a month: 2 x 0.01 x 730 + 0.02 x 730 + 0.03 x 730 = 14.6 + 14.6 + 21.9
    assert.deepEqual(outcome.costs.items.map(c => c.perMonth), ['14.6', '14.6', '21.9'])
    assert.equal(outcome.costs.perMonth, '51.1')
    assert.equal(outcome.costs.term, '153.3')
    assert.deepEqual(outcome.plan.term, { months: 3 })
  })

  it('explains a pick that cannot be ordered (more units than its capacity) instead of planning it', () => {
    const outcome = planPicks([{ offer: offer(0, '0.01'), quantity: 9 }], 1, NOW)
    assert.equal(outcome.ok, false)
    assert.ok(!outcome.ok && outcome.reasons.length > 0 && outcome.reasons.every(r => r.code.startsWith('ORDER_')), JSON.stringify(outcome))
  })

  it('refuses a term the order documents refuse (0 months) with the document\'s code', () => {
    const outcome = planPicks([{ offer: offer(0, '0.01'), quantity: 1 }], 0, NOW)
    assert.ok(!outcome.ok && outcome.reasons[0]?.code.startsWith('ORDER_DOC_'), JSON.stringify(outcome))
  })

  it('reaches each provider at the addresses of its offers and at the given peers of that id', () => {
    const outcome = planPicks([{ offer: offer(0, '0.01', { addresses: ['/ip4/127.0.0.1/tcp/4001'] }), quantity: 1 }], 1, NOW)
    assert.ok(outcome.ok)
    const p = providers[0]?.peerId as string
    const ws = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${p}`
    assert.deepEqual(providerAddresses(outcome.plan, [ws, `/ip4/127.0.0.1/tcp/9/p2p/${providers[1]?.peerId as string}`]), { [p]: [`/ip4/127.0.0.1/tcp/4001/p2p/${p}`, ws] })
  })
})
