/**
 * Planning on the light client, shared by the CLI (`order plan`, `order place`) and the page: an
 * order document resolved against offers fetched and verified through a search function, or an
 * order composed from offers the customer picked (pinned items through the same planner, so the
 * plan and its total are computed once, by one piece of code); and where to reach each provider.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { OfferFilter, VerifiedRecord } from '../offers/index.js'
import { checkOrderDocument, isPinned, itemFilter, planOrder } from '../orders/index.js'
import type { OrderDocument, Plan, PlanOutcome } from '../orders/index.js'
import type { SearchResult, SourceReport } from './search.js'

/** Offers fetched per node for an explanation (an item with no candidate): enough to find the nearest. */
export const EXPLAIN_RESULTS_PER_NODE = 500

/** One search with a filter (and a cap on results per node): `searchOffers` or a page's `searchVia`. */
export type SearchFn = (filter: OfferFilter, maxResultsPerNode?: number) => Promise<SearchResult>

/** What planning fetched: every verified offer, and what each node contributed. */
interface Fetched { records: VerifiedRecord[], sources: SourceReport[] }

async function fetchOffers (search: SearchFn, filters: OfferFilter[], maxResultsPerNode?: number): Promise<Fetched> {
  const results = await Promise.all(filters.map(async filter => await search(filter, maxResultsPerNode)))
  return { records: results.flatMap(r => r.offers), sources: results.flatMap(r => r.sources) }
}

/**
 * Fetches each item's candidates (one query per item, with its filter), plans, and when items
 * have none, fetches offers of their type (or pinned provider) once more to name the nearest.
 */
export async function planWith (search: SearchFn, doc: OrderDocument, now: () => number = Date.now): Promise<{ outcome: PlanOutcome, sources: SourceReport[] }> {
  const first = await fetchOffers(search, doc.items.map(item => itemFilter(doc, item)))
  let outcome = planOrder(doc, first.records, now())
  if (outcome.ok) return { outcome, sources: first.sources }
  const lacking = new Set(outcome.reasons.flatMap(r => r.item === undefined ? [] : [r.item]))
  const loose = doc.items.filter(i => lacking.has(i.name)).map((item): OfferFilter => isPinned(item) ? { provider: item.offer.provider } : { type: item.type })
  if (loose.length === 0) return { outcome, sources: first.sources }
  let more: Fetched
  try {
    more = await fetchOffers(search, loose, EXPLAIN_RESULTS_PER_NODE)
  } catch {
    return { outcome, sources: first.sources } // the explanation without the nearest offers is still true
  }
  outcome = planOrder(doc, [...first.records, ...more.records], now())
  return { outcome, sources: first.sources }
}

/** An offer the customer picked, and how many units of it. */
export interface Pick { offer: VerifiedRecord, quantity: number }

/**
 * Plans an order of exactly the picked offers (each a pinned item named `item-N`) for `months`,
 * with the one planner: the outcome has the plan, its costs and total, or why it cannot be
 * ordered (expired, too little capacity, no common currency). Picks must be verified records.
 */
export function planPicks (picks: readonly Pick[], months: number, now: number): PlanOutcome {
  const doc = checkOrderDocument({
    version: 1,
    items: picks.map((p, i) => ({ name: `item-${i + 1}`, offer: { provider: p.offer.record.body.provider, id: p.offer.record.body.id }, quantity: p.quantity })),
    term: { months }
  })
  if (!doc.ok) {
    return { ok: false, reasons: doc.issues.map(i => ({ code: i.code, message: `${i.path}: ${i.message}` })), search: { nodes: 0, steps: 0, exhaustive: true, candidates: {} } }
  }
  return planOrder(doc.document, picks.map(p => p.offer), now)
}

/** Provider peer id -> addresses: those in its offers, and any of `peers` that is that provider's. */
export function providerAddresses (plan: Plan, peers: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const item of plan.items) {
    const p = item.record.body.provider
    const known = new Set(out[p] ?? [])
    for (const a of item.record.body.addresses) known.add(`${a}/p2p/${p}`)
    for (const a of peers) if (multiaddr(a).getComponents().some(c => c.name === 'p2p' && c.value === p)) known.add(a)
    out[p] = [...known]
  }
  return out
}
