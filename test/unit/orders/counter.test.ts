import { strict as assert } from 'node:assert'
import { encodeRecord, sha256 } from '../../../src/offers/index.js'
import { DEFAULT_COMMIT_WINDOW_MS, acceptable, buildAgreementBody, decideCounters } from '../../../src/orders/index.js'
import type { MessageBodies, OrderMessage, Plan } from '../../../src/orders/index.js'
import { customer, planOf, providers, T0 } from './fixtures.js'
import { ProviderHarness, holdMsg, liveOf, msg } from './provider-harness.js'

const p0 = providers[0]!
const price = { amount: '2.5', currency: 'EUR', unit: 'month' }
/** A quote body from provider `i` for the plan's item `i`: firm `items` and `counter` lines. */
function quoteOf (plan: Plan, i: number, lines: { items?: Array<[number, string]>, counter?: Array<[number, string]> }): MessageBodies['quote'] {
  const r = plan.items[i]!.record
  const offer = { provider: r.body.provider, id: r.body.id, seq: r.body.seq, hash: sha256(encodeRecord(r)) }
  const line = ([quantity, amount]: [number, string]) => ({ offer, quantity, price: { ...price, amount } })
  return {
    order: 'ord-x', from: r.body.provider, to: customer.peerId, validUntil: T0 + 60_000,
    items: (lines.items ?? []).map(line), ...(lines.counter === undefined ? {} : { counter: lines.counter.map(line) })
  }
}

describe('orders: counter-offers (the customer\'s decision over quotes)', () => {
  const plan = planOf(2, 10)
  it('keeps the plan when every quote is firm at the planned quantity and price', () => {
    const d = decideCounters(plan, new Map([[providers[0]!.peerId, quoteOf(plan, 0, { items: [[10, '2.5']] })], [providers[1]!.peerId, quoteOf(plan, 1, { items: [[10, '2.5']] })]]), 10)
    assert.deepEqual([d.accepted, d.declined], [[], []])
    assert.deepEqual(d.plan.items.map(i => [i.quantity, i.price]), [[10, undefined], [10, undefined]])
  })
  it('accepts fewer units within the tolerance, declines them beyond it, and declines every counter without one', () => {
    const quotes = new Map([[providers[0]!.peerId, quoteOf(plan, 0, { counter: [[8, '2.5']] })], [providers[1]!.peerId, quoteOf(plan, 1, { items: [[10, '2.5']] })]])
    const within = decideCounters(plan, quotes, 20)
    assert.deepEqual(within.accepted.map(c => [c.item, c.offered?.quantity]), [['item-0', 8]])
    assert.equal(within.plan.items[0]!.quantity, 8)
    assert.equal(within.plan.total.amount, '45') // (8 + 10) x 2.5
    assert.deepEqual(decideCounters(plan, quotes, 19.99).declined.map(c => c.item), ['item-0'])
    assert.deepEqual(decideCounters(plan, quotes).declined.map(c => c.item), ['item-0'])
  })
  it('accepts a lower price (a bid above the provider\'s floor), and a higher one only within the tolerance', () => {
    assert.ok(acceptable({ quantity: 10, price }, { quantity: 10, price: { ...price, amount: '2.4' } }, 0))
    assert.ok(acceptable({ quantity: 10, price }, { quantity: 10, price: { ...price, amount: '2.75' } }, 10))
    assert.ok(!acceptable({ quantity: 10, price }, { quantity: 10, price: { ...price, amount: '2.75' } }, 9.9))
    assert.ok(!acceptable({ quantity: 10, price }, { quantity: 10, price: { ...price, currency: 'USD', amount: '1' } }, 50))
    assert.ok(!acceptable({ quantity: 10, price }, { quantity: 0, price }, 100))
  })
  it('declines an item the quote has no line for', () => {
    const d = decideCounters(plan, new Map([[providers[0]!.peerId, quoteOf(plan, 0, { items: [[10, '2.5']] })]]), 50)
    assert.deepEqual(d.declined.map(c => [c.item, c.offered]), [['item-1', undefined]])
  })
  it('end to end with the provider machine: a counter for the units left is accepted, and the provider holds the countered terms at the quoted price', () => {
    const h = new ProviderHarness({ maxHoldsPerCustomer: 4, priceFloor: { 'vm-0': '2' } }, [liveOf(0, { capacity: 8 })])
    const one = planOf(1, 10)
    const r = one.items[0]!.record
    const offer = { provider: r.body.provider, id: r.body.id, seq: r.body.seq, hash: sha256(encodeRecord(r)) }
    h.send(msg('quote-request', customer, 'ord-c1', { items: [{ offer, quantity: 10, bid: { ...price, amount: '2.2' } }] }), T0)
    const quote = h.reply() as OrderMessage<'quote'>
    assert.equal(quote.kind, 'quote')
    assert.deepEqual(quote.body.counter?.map(l => [l.quantity, l.price.amount]), [[8, '2.2']])
    const d = decideCounters(one, new Map([[p0.peerId, quote.body]]), 25)
    assert.deepEqual(d.declined, [])
    const body = buildAgreementBody({ plan: d.plan, customer: customer.peerId, orderId: 'ord-c1', createdAt: T0, commitBy: T0 + DEFAULT_COMMIT_WINDOW_MS })
    h.send(holdMsg(body), T0 + 10)
    assert.equal(h.code(), 'held')
    // the same countered price without the quote (e.g. after it lapsed) is refused
    const late = new ProviderHarness({ maxHoldsPerCustomer: 4 }, [liveOf(0, { capacity: 8 })])
    late.send(holdMsg(body), T0 + 10)
    assert.equal(late.code(), 'ORDER_PRICE_MISMATCH')
  })
})
