/**
 * What the planner answers (protocols/order-v1.md §2): a plan with its costs, or the reasons
 * why no combination of live offers satisfies the order.
 */
import type { Amount, Plan } from './plan.js'
import type { OrderDocErrorCode } from './document-errors.js'

/** Why an order cannot be planned: one per item without offers, or per cross-item constraint. */
export interface PlanReason {
  /** `ORDER_PLAN_*`. */
  code: OrderDocErrorCode
  /** The item concerned, for per-item reasons. */
  item?: string
  /** The cross-item constraint concerned: `currency`, `jurisdiction`, `distinctProviders`, `capacity`, `budget`, `search`. */
  constraint?: string
  /** One line for people, starting with the item's name or the constraint. */
  message: string
  /** For ORDER_PLAN_NO_CANDIDATE: the offer closest to the item's criteria, and what it lacks. */
  nearest?: { provider: string, id: string, price: Amount, lacks: string[] }
  /** For ORDER_PLAN_OVER_BUDGET and ORDER_PLAN_CURRENCY_AMBIGUOUS: the cheapest totals found, per month. */
  cheapest?: Amount[]
}

/** How the search went. */
export interface SearchStats {
  /** Search nodes visited, over every partition (currency x jurisdiction). */
  nodes: number
  /** Search steps spent (nodes plus the work of matching bounds; see MAX_SEARCH_STEPS). */
  steps: number
  /** False if the step limit stopped the search: then the plan is the cheapest found, not proven cheapest. */
  exhaustive: boolean
  /** Candidates per item (by name) before the exact reduction. */
  candidates: Record<string, number>
}

/** Costs of a plan, exact decimals in the plan's currency. */
export interface PlanCosts {
  currency: string
  /** Per item, in document order: quantity x price, per month. */
  items: Array<{ name: string, perMonth: string }>
  perMonth: string
  /** perMonth x term months. */
  term: string
}

/** The planner's answer. */
export type PlanOutcome =
  | { ok: true, plan: Plan, costs: PlanCosts, search: SearchStats }
  | { ok: false, reasons: PlanReason[], search: SearchStats }
