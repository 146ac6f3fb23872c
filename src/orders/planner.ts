/**
 * The planner (protocols/order-v1.md §2): resolves a validated order document against live,
 * verified offers into the cheapest combination that meets every constraint, or explains, per
 * item and per constraint, why none does. Pure and deterministic: the same document, offers and
 * `now` give the same answer.
 *
 * Steps: candidates per item (planner-candidates.ts); partitions by currency (prices are never
 * converted) and, with one jurisdiction for all, by jurisdiction; per partition an exact
 * branch and bound (planner-search.ts); the cheapest over partitions; then the budget.
 */
import { fromNanos, mergeOffers, toNanos } from '../offers/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import { orderCurrency } from './document.js'
import type { OrderDocument } from './document.js'
import { OrderDocError } from './document-errors.js'
import type { Plan } from './plan.js'
import { candidatesOf, explainNoCandidate, liveOffers, offerLabel, unitsPerMonth } from './planner-candidates.js'
import type { Candidate } from './planner-candidates.js'
import { MAX_SEARCH_STEPS, byCost, reduceCandidates, searchCheapest } from './planner-search.js'
import type { Assignment, SearchBudget } from './planner-search.js'
import type { PlanOutcome, PlanReason, SearchStats } from './planner-types.js'
import { explainCapacity, explainDistinct } from './planner-explain.js'

/** Options of {@link planOrder}. */
export interface PlanOptions {
  /** Search steps allowed (default {@link MAX_SEARCH_STEPS}). */
  maxSteps?: number
}

/** A partition of the search: one currency, and one jurisdiction when the order wants one for all. */
interface Partition { currency: string, jurisdiction?: string, lists: Candidate[][] }

/**
 * Plans `doc` (validated) over `records` (verified offer records; withdrawals and duplicates are
 * allowed: the highest seq of each offer counts, equivocating ones are ignored) at time `now`
 * (unix ms). Never throws for any such input.
 */
export function planOrder (doc: OrderDocument, records: readonly VerifiedRecord[], now: number, options: PlanOptions = {}): PlanOutcome {
  const merged = mergeOffers([[...records]]).offers
  const live = liveOffers(merged, now)
  const lists = doc.items.map((_, i) => candidatesOf(doc, i, live).sort(byCost))
  const budget: SearchBudget = { nodes: 0, steps: 0, limit: options.maxSteps ?? MAX_SEARCH_STEPS, exhausted: false }
  const stats = (): SearchStats => ({
    nodes: budget.nodes, steps: budget.steps, exhaustive: !budget.exhausted, candidates: Object.fromEntries(doc.items.map((item, i) => [item.name, lists[i]?.length ?? 0]))
  })
  const fail = (reasons: PlanReason[]): PlanOutcome => ({ ok: false, reasons, search: stats() })

  const empty = lists.flatMap((l, i) => l.length === 0 ? [i] : [])
  if (empty.length > 0) return fail(empty.map(i => explainNoCandidate(doc, i, merged, now)))

  const currencies = commonValues(lists, c => c.offer.price.currency)
  if (currencies.length === 0) {
    return fail([{ code: OrderDocError.PLAN_NO_COMMON_CURRENCY, constraint: 'currency', message: `currency: no currency is offered for every item (${perItem(doc, lists, c => c.offer.price.currency)}); prices are never converted` }])
  }
  const partitions = partitionsOf(doc, lists, currencies)
  if (partitions.length === 0) {
    return fail([{ code: OrderDocError.PLAN_NO_COMMON_JURISDICTION, constraint: 'jurisdiction', message: `jurisdiction: no jurisdiction is offered for every item in one currency (${perItem(doc, lists, c => `${c.offer.jurisdiction} ${c.offer.price.currency}`)})` }])
  }
  const distinct = doc.constraints?.distinctProviders === true
  const best = cheapestPerCurrency(partitions, distinct, budget)
  if (best.size === 0) {
    if (budget.exhausted) return fail([{ code: OrderDocError.PLAN_SEARCH_LIMIT, constraint: 'search', message: `search: no combination found within ${budget.limit} search steps (order-v1 §2.5)` }])
    const relaxed = distinct ? cheapestPerCurrency(partitions, false, budget) : new Map()
    if (relaxed.size === 0 && budget.exhausted) return fail([{ code: OrderDocError.PLAN_SEARCH_LIMIT, constraint: 'search', message: `search: no combination found within ${budget.limit} search steps (order-v1 §2.5)` }])
    return fail([relaxed.size > 0 ? explainDistinct(doc, partitions.map(p => p.lists)) : explainCapacity(doc, lists)])
  }
  if (best.size > 1) {
    const cheapest = [...best.entries()].map(([currency, a]) => ({ amount: fromNanos(a.cost), currency, unit: 'month' }))
    return fail([{
      code: OrderDocError.PLAN_CURRENCY_AMBIGUOUS, constraint: 'currency', cheapest,
      message: `currency: plans exist in ${[...best.keys()].join(', ')} (${cheapest.map(c => `${c.amount} ${c.currency}/month`).join(', ')}); prices are never converted: set constraints.currency or a budget`
    }])
  }
  const [currency, found] = [...best.entries()][0] as [string, Assignment]
  const limit = doc.constraints?.budget
  if (limit !== undefined) {
    const perMonth = toNanos(limit.amount) * (unitsPerMonth(limit.unit) ?? 1n)
    if (found.cost > perMonth) {
      return fail([{
        code: OrderDocError.PLAN_OVER_BUDGET, constraint: 'budget', cheapest: [{ amount: fromNanos(found.cost), currency, unit: 'month' }],
        message: `budget: the cheapest combination meeting every other constraint costs ${fromNanos(found.cost)} ${currency}/month ` +
          `(${found.picks.map((c, i) => `${doc.items[i]?.name ?? ''}: ${offerLabel(c.offer)}`).join(', ')}), over the budget of ` +
          `${limit.amount} ${currency}/${limit.unit}${limit.unit === 'month' ? '' : ` (${fromNanos(perMonth)} ${currency}/month)`}`
      }])
    }
  }
  return { ok: true, ...planOf(doc, found, currency), search: stats() }
}

/** Values every item has among its candidates, sorted. */
function commonValues (lists: Candidate[][], value: (c: Candidate) => string): string[] {
  let common: Set<string> | undefined
  for (const list of lists) {
    const mine = new Set(list.map(value))
    common = common === undefined ? mine : new Set([...common].filter(v => mine.has(v)))
  }
  return [...(common ?? [])].sort()
}

/** `app: CHF, EUR; db: EUR`: the distinct values among each item's candidates. */
function perItem (doc: OrderDocument, lists: Candidate[][], value: (c: Candidate) => string): string {
  return lists.map((l, i) => `${doc.items[i]?.name ?? ''}: ${[...new Set(l.map(value))].sort().join(', ')}`).join('; ')
}

function partitionsOf (doc: OrderDocument, lists: Candidate[][], currencies: string[]): Partition[] {
  const fixed = orderCurrency(doc)
  const out: Partition[] = []
  for (const currency of fixed === undefined ? currencies : [fixed]) {
    const inCurrency = lists.map(l => l.filter(c => c.offer.price.currency === currency))
    if (doc.constraints?.sameJurisdiction !== true) {
      out.push({ currency, lists: inCurrency })
      continue
    }
    for (const jurisdiction of commonValues(inCurrency, c => c.offer.jurisdiction)) {
      out.push({ currency, jurisdiction, lists: inCurrency.map(l => l.filter(c => c.offer.jurisdiction === jurisdiction)) })
    }
  }
  return out
}

/** The cheapest assignment of each currency over its partitions (each partition's search starts from the best so far). */
function cheapestPerCurrency (partitions: Partition[], distinct: boolean, budget: SearchBudget): Map<string, Assignment> {
  const best = new Map<string, Assignment>()
  for (const p of partitions) {
    const found = searchCheapest(reduceCandidates(p.lists, distinct), distinct, budget, best.get(p.currency))
    if (found !== undefined) best.set(p.currency, found)
  }
  return best
}

function planOf (doc: OrderDocument, found: Assignment, currency: string): { plan: Plan, costs: Extract<PlanOutcome, { ok: true }>['costs'] } {
  const items = found.picks.map((c, i) => ({ name: doc.items[i]?.name ?? '', record: c.record.record, quantity: c.quantity }))
  const perMonth = fromNanos(found.cost)
  return {
    plan: { items, term: doc.term.noticeDays === undefined ? { months: doc.term.months } : { months: doc.term.months, noticeDays: doc.term.noticeDays }, total: { amount: perMonth, currency, unit: 'month' } },
    costs: {
      currency,
      items: found.picks.map((c, i) => ({ name: doc.items[i]?.name ?? '', perMonth: fromNanos(c.cost) })),
      perMonth,
      term: fromNanos(found.cost * BigInt(doc.term.months))
    }
  }
}
