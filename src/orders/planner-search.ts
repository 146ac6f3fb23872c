/**
 * The exact search of the planner (protocols/order-v1.md §2.4-2.5): the cheapest assignment of one
 * candidate per item such that, optionally, every item has its own provider, and items sharing an
 * offer never need more than its capacity. Branch and bound over candidates sorted by cost, with
 * ties broken by (provider, offer id) of the items in document order. Pure and deterministic.
 */
import type { Candidate } from './planner-candidates.js'
import { cmp, cmpStr } from './planner-candidates.js'
import { minCostMatching } from './planner-matching.js'

/**
 * Search steps allowed per planning, over all partitions: a node of the search is one step, a
 * matching bound over r items and c providers r*r*c steps (its inner loop). A step costs about
 * 50-100 ns on one idle core, so the limit bounds a planning to about a second whatever the
 * input; the hardest order measured (16 items, each from its own provider under one jurisdiction,
 * 20 providers with many equal prices) needed 5.5 million steps, the others under 0.6 million.
 */
export const MAX_SEARCH_STEPS = 10_000_000

/** A solved assignment: one candidate per item, in document order. */
export interface Assignment {
  picks: Candidate[]
  cost: bigint
}

/** A search budget shared by the searches of one planning. */
export interface SearchBudget {
  /** Nodes visited. */
  nodes: number
  /** Steps spent (see MAX_SEARCH_STEPS). */
  steps: number
  limit: number
  /** Set once the limit stopped a search. */
  exhausted: boolean
}

/** Orders candidates by cost, then provider, then offer id. */
export function byCost (a: Candidate, b: Candidate): number {
  return cmp(a.cost, b.cost) || cmpStr(a.offer.provider, b.offer.provider) || cmpStr(a.offer.id, b.offer.id)
}

/** Compares two candidates of the same item for tie-breaking: provider, then offer id. */
function byKey (a: Candidate, b: Candidate): number {
  return cmpStr(a.offer.provider, b.offer.provider) || cmpStr(a.offer.id, b.offer.id)
}

/** Compares two assignments: cost, then (provider, id) of each item in document order. */
export function compareAssignments (a: Assignment, b: Assignment): number {
  const c = cmp(a.cost, b.cost)
  if (c !== 0) return c
  for (let i = 0; i < a.picks.length; i++) {
    const k = byKey(a.picks[i] as Candidate, b.picks[i] as Candidate)
    if (k !== 0) return k
  }
  return 0
}

/**
 * Keeps, per item, only the candidates that some cheapest assignment may need: with distinct
 * providers, the first candidate of each provider, for the first `n` providers; otherwise the
 * first `n` candidates (n = number of items). Exact: the other n-1 items use at most n-1
 * providers (offers), so one kept candidate at least as cheap, and no later in tie order, is
 * always free to replace a dropped one (order-v1 §2.4). Input lists must be sorted by {@link byCost}.
 */
export function reduceCandidates (lists: Candidate[][], distinctProviders: boolean): Candidate[][] {
  const n = lists.length
  return lists.map(list => {
    if (!distinctProviders) return list.slice(0, n)
    const seen = new Set<string>()
    const kept: Candidate[] = []
    for (const c of list) {
      if (seen.has(c.offer.provider)) continue
      seen.add(c.offer.provider)
      kept.push(c)
      if (kept.length === n) break
    }
    return kept
  })
}

/**
 * The cheapest assignment over `lists` (one sorted list per item, document order) that beats
 * `incumbent` (the best of partitions already searched, used as the initial bound), else
 * `incumbent`; undefined if there is neither (none exists or the budget ran out: `budget.exhausted`).
 */
export function searchCheapest (lists: Candidate[][], distinctProviders: boolean, budget: SearchBudget, incumbent?: Assignment): Assignment | undefined {
  const n = lists.length
  const suffixMin: bigint[] = Array.from({ length: n + 1 }, () => 0n)
  for (let i = n - 1; i >= 0; i--) {
    const first = lists[i]?.[0]
    if (first === undefined) return incumbent
    suffixMin[i] = (suffixMin[i + 1] as bigint) + first.cost
  }
  const picks: Candidate[] = []
  const providers = new Map<string, number>()
  const used = new Map<string, number>()
  let best: Assignment | undefined = incumbent

  /** True if the partial assignment `picks` can no longer beat `best` whatever the rest. */
  const dominated = (bound: bigint): boolean => {
    if (best === undefined) return false
    if (bound !== best.cost) return bound > best.cost
    for (let i = 0; i < picks.length; i++) {
      const k = byKey(picks[i] as Candidate, best.picks[i] as Candidate)
      if (k !== 0) return k > 0
    }
    return false
  }

  /**
   * With distinct providers: the least cost of items `i..n-1` on providers not used yet (exact,
   * by minimum-cost matching), or undefined if they cannot all get one. Otherwise: the sum of
   * each remaining item's cheapest candidate.
   */
  const restBound = (i: number): bigint | undefined => {
    if (!distinctProviders) return suffixMin[i]
    const rows = lists.slice(i).map(list => {
      const row = new Map<string, bigint>()
      for (const c of list) if ((providers.get(c.offer.provider) ?? 0) === 0 && !row.has(c.offer.provider)) row.set(c.offer.provider, c.cost)
      return row
    })
    budget.steps += rows.length * rows.length * new Set(rows.flatMap(r => [...r.keys()])).size
    return minCostMatching(rows)
  }

  const visit = (i: number, cost: bigint): void => {
    if (budget.steps >= budget.limit) { budget.exhausted = true; return }
    budget.nodes++
    budget.steps++
    if (i === n) {
      const found = { picks: [...picks], cost }
      if (best === undefined || compareAssignments(found, best) < 0) best = found
      return
    }
    for (const c of lists[i] as Candidate[]) {
      if (best !== undefined && cost + c.cost + (suffixMin[i + 1] as bigint) > best.cost) break // sorted by cost: the rest are no better
      if (distinctProviders && (providers.get(c.offer.provider) ?? 0) > 0) continue
      const taken = used.get(c.key) ?? 0
      if (taken + c.quantity > c.offer.capacity) continue
      picks.push(c)
      providers.set(c.offer.provider, (providers.get(c.offer.provider) ?? 0) + 1)
      const rest = restBound(i + 1)
      if (rest !== undefined && !dominated(cost + c.cost + rest)) {
        used.set(c.key, taken + c.quantity)
        visit(i + 1, cost + c.cost)
        used.set(c.key, taken)
      }
      providers.set(c.offer.provider, (providers.get(c.offer.provider) ?? 1) - 1)
      picks.pop()
      if (budget.exhausted) return
    }
  }
  visit(0, 0n)
  return best
}

