/**
 * Quotes (protocols/order-v1.md §5.2.1): a provider answers a quote request with a firm quote (list
 * price for every line that fits its free capacity, valid for QUOTE_VALIDITY_MS) and, optionally, a
 * counter-offer: fewer units where capacity is short, or the customer's bid where the policy's price
 * floor allows it. A quote reserves no capacity; a hold within its validity may use its prices.
 */
import { FulcrumError } from '../errors/index.js'
import { QUOTE_VALIDITY_MS } from './constants.js'
import { OrderError } from './errors.js'
import type { OrderMessage, QuoteLine } from './messages.js'
import { checkCustomer, floorAllows, liveOffer } from './provider-checks.js'
import { availableUnits } from './provider-state.js'
import type { Quote } from './provider-state.js'
import type { Tx } from './provider.js'

/** (none) -> quoted (volatile): answers `quote` or refuses when nothing can be offered. */
export function handleQuoteRequest (tx: Tx, m: OrderMessage<'quote-request'>): void {
  if (tx.orders.has(m.body.order)) throw new FulcrumError(OrderError.CONFLICT, 'this order id is already held')
  const repeat = tx.quotes.get(m.body.order)
  if (repeat === undefined) checkCustomer(tx.state, tx.ctx.policy, m.body.from)
  else if (repeat.customer !== m.body.from) throw new FulcrumError(OrderError.CONFLICT, 'this order id is quoted to another customer')
  const items: QuoteLine[] = []
  const counter: QuoteLine[] = []
  m.body.items.forEach((ask, i) => {
    const offer = liveOffer(tx.state, ask.offer, `body.items[${i}].offer`)
    const available = availableUnits(tx.state, offer)
    const quantity = Math.min(ask.quantity, available)
    if (quantity === 0) return
    if (ask.bid !== undefined && floorAllows(tx.ctx.policy, offer, ask.bid)) counter.push({ offer: ask.offer, quantity, price: ask.bid })
    else if (quantity < ask.quantity) counter.push({ offer: ask.offer, quantity, price: offer.price })
    if (quantity === ask.quantity) items.push({ offer: ask.offer, quantity, price: offer.price })
  })
  if (items.length === 0 && counter.length === 0) throw new FulcrumError(OrderError.QUANTITY_ABOVE_CAPACITY, 'no capacity left for any line')
  const validUntil = tx.now + QUOTE_VALIDITY_MS
  const quote: Quote = {
    order: m.body.order, customer: m.body.from, validUntil, prices: [...items, ...counter].map(l => ({ offer: l.offer.id, price: l.price }))
  }
  tx.quotes = new Map(tx.quotes).set(quote.order, quote)
  const rest: { items: QuoteLine[], validUntil: number, counter?: QuoteLine[] } = { items, validUntil }
  if (counter.length > 0) rest.counter = counter
  tx.reply(tx.msg('quote', m.body.from, m.body.order, rest))
}
