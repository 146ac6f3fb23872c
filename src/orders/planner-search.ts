/**
 * The exact search of the planner (protocols/order-v1.md §2.4-2.5): the cheapest assignment of one
 * candidate per item such that, optionally, every item has its own provider, and items sharing an
 * offer never need more than its capacity. Branch and bound over candidates sorted by cost, with
 * ties broken by (provider, offer id) of the items in document order. Pure and deterministic.
 */
import type { Candidate } from './planner-candidates.js'
import { cmp, cmpStr } from './planner-candidates.js'

/**
 * Search nodes visited at most per planning, over all partitions. An order of 16 items with 16
 * candidates each is searched in far fewer after the reduction and bounds (see the property
 * tests); the limit keeps a hostile or huge input from taking more than a fraction of a second.
 */
export const MAX_SEARCH_NODES = 200_000

/** A solved assignment: one candidate per item, in document order. */
export interface Assignment {
  picks: Candidate[]
  cost: bigint
}

/** A search budget shared by the searches of one planning. */
export interface SearchBudget {
  nodes: number
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
 * The cheapest assignment over `lists` (one sorted list per item, document order), or undefined
 * if none exists or the budget ran out first (`budget.exhausted`).
 */
export function searchCheapest (lists: Candidate[][], distinctProviders: boolean, budget: SearchBudget): Assignment | undefined {
  const n = lists.length
  const suffixMin: bigint[] = Array.from({ length: n + 1 }, () => 0n)
  for (let i = n - 1; i >= 0; i--) {
    const first = lists[i]?.[0]
    if (first === undefined) return undefined
    suffixMin[i] = (suffixMin[i + 1] as bigint) + first.cost
  }
  const picks: Candidate[] = []
  const providers = new Map<string, number>()
  const used = new Map<string, number>()
  let best: Assignment | undefined

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

  const visit = (i: number, cost: bigint): void => {
    if (budget.nodes >= budget.limit) { budget.exhausted = true; return }
    budget.nodes++
    if (i === n) {
      const found = { picks: [...picks], cost }
      if (best === undefined || compareAssignments(found, best) < 0) best = found
      return
    }
    for (const c of lists[i] as Candidate[]) {
      const bound = cost + c.cost + (suffixMin[i + 1] as bigint)
      if (best !== undefined && bound > best.cost) break // sorted by cost: the rest are no better
      if (distinctProviders && (providers.get(c.offer.provider) ?? 0) > 0) continue
      const taken = used.get(c.key) ?? 0
      if (taken + c.quantity > c.offer.capacity) continue
      picks.push(c)
      if (dominated(bound)) { picks.pop(); continue }
      providers.set(c.offer.provider, (providers.get(c.offer.provider) ?? 0) + 1)
      used.set(c.key, taken + c.quantity)
      visit(i + 1, cost + c.cost)
      used.set(c.key, taken)
      providers.set(c.offer.provider, (providers.get(c.offer.provider) ?? 1) - 1)
      picks.pop()
      if (budget.exhausted) return
    }
  }
  visit(0, 0n)
  return best
}

