/**
 * The customer's side of the optional quote round (protocols/order-v1.md §5.2.1): given the plan
 * and each provider's signed quote for this order, decide per item whether the provider's answer
 * is the plan as is (a firm line at the planned quantity and price), a counter-offer the customer
 * accepts (within its tolerance), or one it declines; and rebuild the plan on the accepted terms
 * (the hold then carries the quoted price, which the provider honours until `validUntil`). Pure.
 */
import { fromNanos, toNanos } from '../offers/index.js'
import type { MessageBodies, QuoteLine } from './messages.js'
import type { Amount, Plan } from './plan.js'
import { unitsPerMonth } from './planner-candidates.js'

/** One item's answer: what was asked and what the provider offers. */
export interface CounterChange {
  item: string
  provider: string
  offer: string
  asked: { quantity: number, price: Amount }
  /** Absent: the provider offers nothing for this item (no line at all). */
  offered?: { quantity: number, price: Amount }
}

/** The decision over every item's quote. */
export interface CounterDecision {
  /** The plan on the accepted terms (quantities and quoted prices); meaningful only when `declined` is empty. */
  plan: Plan
  /** Counter-offers taken (the hold carries their quantity and price). */
  accepted: CounterChange[]
  /** Counter-offers refused (outside the tolerance, or no line for the item): the order aborts and shows them. */
  declined: CounterChange[]
}

/**
 * A counter-offer is accepted when `withinPct` is given, the quantity differs from the asked one by
 * at most `withinPct` percent of it (and is at least 1), and the price is at most the asked price
 * plus `withinPct` percent, in the same currency and unit. Without `withinPct` every counter is declined.
 */
export function acceptable (asked: { quantity: number, price: Amount }, offered: { quantity: number, price: Amount }, withinPct: number | undefined): boolean {
  if (withinPct === undefined || offered.quantity < 1) return false
  if (offered.price.currency !== asked.price.currency || offered.price.unit !== asked.price.unit) return false
  const scale = 1_000_000n
  const pct = BigInt(Math.round(withinPct * 1_000_000)) // percent x scale
  const quantityOk = BigInt(Math.abs(offered.quantity - asked.quantity)) * scale * 100n <= BigInt(asked.quantity) * pct
  const priceOk = toNanos(offered.price.amount) * scale * 100n <= toNanos(asked.price.amount) * (scale * 100n + pct)
  return quantityOk && priceOk
}

/** Decides every item of `plan` against the providers' quotes (by provider peer id). */
export function decideCounters (plan: Plan, quotes: ReadonlyMap<string, MessageBodies['quote']>, withinPct?: number): CounterDecision {
  const accepted: CounterChange[] = []
  const declined: CounterChange[] = []
  const items = plan.items.map(item => {
    const o = item.record.body
    const asked = { quantity: item.quantity, price: o.price }
    const quote = quotes.get(o.provider)
    const matches = (l: QuoteLine): boolean => l.offer.id === o.id && l.offer.seq === o.seq
    const firm = quote?.items.find(l => matches(l) && l.quantity === item.quantity && sameAmount(l.price, o.price))
    if (firm !== undefined) return item
    const line = quote?.counter?.find(matches) ?? quote?.items.find(matches)
    const change: CounterChange = { item: item.name, provider: o.provider, offer: o.id, asked, ...(line === undefined ? {} : { offered: { quantity: line.quantity, price: line.price } }) }
    if (line === undefined || !acceptable(asked, line, withinPct)) {
      declined.push(change)
      return item
    }
    accepted.push(change)
    return { ...item, quantity: line.quantity, ...(sameAmount(line.price, o.price) ? {} : { price: { ...line.price } }) }
  })
  return { plan: { ...plan, items, total: totalOf(plan, items) }, accepted, declined }
}

function sameAmount (a: Amount, b: Amount): boolean {
  return a.currency === b.currency && a.unit === b.unit && toNanos(a.amount) === toNanos(b.amount)
}

/** The plan's total per month again, after quantities or prices changed (unchanged if a unit is not billed by time). */
function totalOf (plan: Plan, items: Plan['items']): Amount {
  let sum = 0n
  for (const i of items) {
    const price = i.price ?? i.record.body.price
    const perMonth = unitsPerMonth(price.unit)
    if (perMonth === undefined || plan.total.unit !== 'month') return plan.total
    sum += toNanos(price.amount) * BigInt(i.quantity) * perMonth
  }
  return { ...plan.total, amount: fromNanos(sum) }
}
