/**
 * Explanations of the cross-item constraints that no combination meets (protocols/order-v1.md
 * §2.6): distinct providers (a set of items with fewer providers than items, Hall's condition) and
 * shared capacity (items that need more units of an offer than it has). Pure.
 */
import type { OrderDocument } from './document.js'
import { OrderDocError } from './document-errors.js'
import { offerLabel } from './planner-candidates.js'
import type { Candidate } from './planner-candidates.js'
import type { PlanReason } from './planner-types.js'

/** Largest order for which the smallest blocking set of items is searched (2^16 subsets). */
const MAX_HALL_ITEMS = 16

/**
 * ORDER_PLAN_DISTINCT_PROVIDERS: names the smallest set of items whose candidates, within one
 * partition, come from fewer providers than there are items in the set.
 */
export function explainDistinct (doc: OrderDocument, partitions: Candidate[][][]): PlanReason {
  const base = { code: OrderDocError.PLAN_DISTINCT_PROVIDERS, constraint: 'distinctProviders' }
  const n = doc.items.length
  let bestSet: { items: number[], providers: string[] } | undefined
  if (n <= MAX_HALL_ITEMS) {
    for (const lists of partitions) {
      const providers = lists.map(l => new Set(l.map(c => c.offer.provider)))
      for (let mask = 1; mask < 1 << n; mask++) {
        if (bestSet !== undefined && popcount(mask) >= bestSet.items.length) continue
        const items = [...Array(n).keys()].filter(i => (mask & (1 << i)) !== 0)
        const union = new Set(items.flatMap(i => [...(providers[i] ?? [])]))
        if (union.size < items.length) bestSet = { items, providers: [...union].sort() }
      }
    }
  }
  if (bestSet === undefined) {
    return { ...base, message: 'distinctProviders: no currency and jurisdiction lets every item have its own provider' }
  }
  const names = bestSet.items.map(i => doc.items[i]?.name ?? '').join(', ')
  return { ...base, message: `distinctProviders: items ${names} are only offered by ${bestSet.providers.length} provider(s) (${bestSet.providers.map(p => `${p.slice(0, 12)}…`).join(', ')}) between them` }
}

/** ORDER_PLAN_CAPACITY: offers that several items need, with the units they need together. */
export function explainCapacity (doc: OrderDocument, lists: Candidate[][]): PlanReason {
  const byOffer = new Map<string, Candidate[]>()
  for (const list of lists) for (const c of list) byOffer.set(c.key, [...(byOffer.get(c.key) ?? []), c])
  const short = [...byOffer.values()].filter(cs => cs.length > 1 && cs.reduce((s, c) => s + c.quantity, 0) > (cs[0]?.offer.capacity ?? 0))
  const details = short.slice(0, 3).map(cs => `${cs.map(c => doc.items[c.item]?.name ?? '').join(' and ')} need ${cs.reduce((s, c) => s + c.quantity, 0)} unit(s) of ${offerLabel(cs[0]!.offer)}, which has ${cs[0]!.offer.capacity}`)
  return {
    code: OrderDocError.PLAN_CAPACITY,
    constraint: 'capacity',
    message: `capacity: no combination fits the offers' capacities${details.length > 0 ? `: ${details.join('; ')}` : ''}`
  }
}

function popcount (mask: number): number {
  let count = 0
  for (let m = mask; m !== 0; m &= m - 1) count++
  return count
}
