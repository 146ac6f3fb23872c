/**
 * A plan: the contract between the planner (which turns an order document into a choice of live,
 * verified offers) and the negotiation (which turns a plan into one agreement signed by every party,
 * or into nothing). Pure data; see protocols/order-v1.md.
 */
import type { Offer, OfferRecord } from '../offers/index.js'

/** One item of an order resolved to an offer. */
export interface PlannedItem {
  /** The item's name in the order document (unique within the order). */
  name: string
  /** The signed offer record chosen for it (`kind: 'offer'`, verified by the planner). */
  record: OfferRecord & { kind: 'offer', body: Offer }
  /** How many billing units of the offer are ordered (1 ≤ quantity ≤ the offer's capacity). */
  quantity: number
  /** A price the provider quoted for this order (an accepted counter-offer), if not the offer's. */
  price?: Amount
}

/** A priced, decimal amount per billing unit (`unit` from the offer-v1 vocabulary, e.g. `hour`, `month`). */
export interface Amount {
  amount: string
  currency: string
  unit: string
}

/** An order resolved against live offers: every item, and the total normalised to one unit of time. */
export interface Plan {
  items: PlannedItem[]
  /** How long the agreement runs, and the shortest notice (days) a termination may give, if the order sets one. */
  term: { months: number, noticeDays?: number }
  /** Sum over items of quantity x price, normalised to `total.unit` in one currency. */
  total: Amount
}
