/**
 * What a provider checks before it holds or quotes (protocols/order-v1.md §5.2): the deadline, its
 * policy, and each of its items against its live offers and free capacity. Each check throws a
 * {@link FulcrumError} with the stable code that goes back to the customer in a `refused` message.
 */
import { FulcrumError } from '../errors/index.js'
import { bytesEqual } from '../ledger/index.js'
import type { EntryBody } from '../ledger/index.js'
import { isDecimal, toNanos } from '../offers/index.js'
import { parseTerms } from './agreement.js'
import type { AgreementTerms } from './agreement.js'
import { MAX_HOLD_WINDOW_MS, MIN_HOLD_WINDOW_MS } from './constants.js'
import { OrderError } from './errors.js'
import type { OfferRef } from './messages.js'
import type { Amount } from './plan.js'
import { activeHolds, availableUnits } from './provider-state.js'
import type { Line, LiveOffer, ProviderState, Quote } from './provider-state.js'

/**
 * A provider's acceptance policy (from its config; the operator may change it at any time).
 * Limits what one customer can make it reserve: `maxHoldsPerCustomer` concurrent holds, each for
 * at most MAX_HOLD_WINDOW_MS.
 */
export interface ProviderPolicy {
  /** If given, only these customers (peer ids) are served. */
  allow?: readonly string[]
  /** These customers are never served. */
  deny?: readonly string[]
  /** Most pending or held orders (and live quotes) one customer may have at once. */
  maxHoldsPerCustomer: number
  /** Per offer id, the lowest price (decimal, the offer's currency and unit) a counter-offer may go down to. */
  priceFloor?: Readonly<Record<string, string>>
  /** Every hold waits for the operator's approve/deny (status `pending` meanwhile). */
  manualApproval?: boolean
}

/** A policy that accepts any customer within capacity, with a cap of 16 concurrent holds each. */
export const DEFAULT_POLICY: ProviderPolicy = { maxHoldsPerCustomer: 16 }

const refuse = (code: string, why: string, path?: string): never => {
  throw new FulcrumError(code, why, path === undefined ? {} : { path })
}

/** Refuses a customer the policy does not serve, or one at its cap of concurrent holds. */
export function checkCustomer (state: ProviderState, policy: ProviderPolicy, customer: string): void {
  if (policy.deny?.includes(customer) === true) refuse(OrderError.POLICY_REFUSED, 'customer is on the deny list')
  if (policy.allow !== undefined && !policy.allow.includes(customer)) refuse(OrderError.POLICY_REFUSED, 'customer is not on the allow list')
  const live = activeHolds(state, customer) + [...state.quotes.values()].filter(q => q.customer === customer).length
  if (live >= policy.maxHoldsPerCustomer) refuse(OrderError.TOO_MANY_HOLDS, `customer has ${live} live holds or quotes, the cap is ${policy.maxHoldsPerCustomer}`)
}

/** Refuses a `commitBy` that is past, too close to allow a decision, or beyond the longest hold. */
export function checkDeadline (commitBy: number, now: number): void {
  if (commitBy - now < MIN_HOLD_WINDOW_MS) refuse(OrderError.BAD_DEADLINE, `commitBy is ${commitBy - now} ms away, the minimum is ${MIN_HOLD_WINDOW_MS}`, 'terms.commitBy')
  if (commitBy - now > MAX_HOLD_WINDOW_MS) refuse(OrderError.BAD_DEADLINE, `commitBy is ${commitBy - now} ms away, the maximum is ${MAX_HOLD_WINDOW_MS}`, 'terms.commitBy')
}

/** The live offer a reference names, refusing unknown, withdrawn and changed (seq or record hash) offers. */
export function liveOffer (state: ProviderState, ref: OfferRef, path: string): LiveOffer {
  const offer = ref.provider === state.self ? state.offers.get(ref.id) : undefined
  if (offer === undefined) return refuse(OrderError.UNKNOWN_OFFER, `no live offer ${ref.id}`, path)
  if (offer.withdrawn === true) return refuse(OrderError.OFFER_WITHDRAWN, `offer ${ref.id} was withdrawn`, path)
  if (offer.seq !== ref.seq || !bytesEqual(offer.hash, ref.hash)) return refuse(OrderError.OFFER_CHANGED, `offer ${ref.id} is at seq ${offer.seq}, not ${ref.seq} with this record hash`, path)
  return offer
}

/** Same currency and unit, and the same decimal value. */
export function samePrice (a: Amount, b: Amount): boolean {
  return a.currency === b.currency && a.unit === b.unit && toNanos(a.amount) === toNanos(b.amount)
}

/**
 * Checks a hold's body for this provider: terms, deadline, customer policy, then every item of
 * this provider (offer live and unchanged, price = list price or a valid quote's, quantity within
 * available capacity, summed per offer). Returns the parsed terms and this provider's lines.
 */
export function checkHold (state: ProviderState, policy: ProviderPolicy, body: EntryBody, sender: string, now: number): { terms: AgreementTerms, lines: Line[] } {
  const terms = parseTerms(body)
  if (terms.customer !== sender) refuse(OrderError.NOT_A_PARTY, 'only the order\'s customer may ask for a hold')
  const mine = terms.items.map((item, i) => ({ item, i })).filter(x => x.item.provider === state.self)
  if (mine.length === 0) refuse(OrderError.NOT_A_PARTY, 'no item of this order is for this provider')
  checkDeadline(terms.commitBy, now)
  checkCustomer(state, policy, terms.customer)
  const quote = state.quotes.get(terms.order)
  const byOffer = new Map<string, Line>()
  for (const { item, i } of mine) {
    const path = `terms.items[${i}]`
    const offer = liveOffer(state, item.offer, `${path}.offer`)
    if (!samePrice(item.price, offer.price) && !quotedPrice(quote, terms.customer, offer.id, item.price, now)) {
      refuse(OrderError.PRICE_MISMATCH, `price ${item.price.amount} is neither the offer's ${offer.price.amount} nor a valid quote's`, `${path}.price`)
    }
    const line = byOffer.get(offer.id) ?? { offer: offer.id, seq: offer.seq, quantity: 0 }
    line.quantity += item.quantity
    byOffer.set(offer.id, line)
    const available = availableUnits(state, offer)
    if (line.quantity > available) refuse(OrderError.QUANTITY_ABOVE_CAPACITY, `${line.quantity} units of ${offer.id} asked, ${available} available`, `${path}.quantity`)
  }
  return { terms, lines: [...byOffer.values()] }
}

function quotedPrice (quote: Quote | undefined, customer: string, offer: string, price: Amount, now: number): boolean {
  if (quote === undefined || quote.customer !== customer || now >= quote.validUntil) return false
  return quote.prices.some(p => p.offer === offer && samePrice(p.price, price))
}

/** True if the floor allows a counter-offer at `bid` for `offer` (no floor: no discounts). */
export function floorAllows (policy: ProviderPolicy, offer: LiveOffer, bid: Amount): boolean {
  const floor = policy.priceFloor?.[offer.id]
  if (floor === undefined || !isDecimal(bid.amount) || bid.currency !== offer.price.currency || bid.unit !== offer.price.unit) return false
  return toNanos(bid.amount) >= toNanos(floor) && toNanos(bid.amount) < toNanos(offer.price.amount)
}
