/**
 * Query planning for the catalog. The price index answers a query by walking offers cheapest
 * first until a page is full: fast when matches are common, a scan of the whole index when they
 * are rare (one provider's offers, a country with few offers, a filter matching nothing). So the
 * catalog also keeps live offers by provider and by country, and a query:
 *
 * 1. takes the smallest candidate set the filter allows (its provider, the union of its countries
 *    for its service type, or the price index it walks anyway);
 * 2. if that set is smaller than the index, walks the index with a budget of that many items, and
 *    if the page is not full by then, selects the page from the candidate set instead (each
 *    candidate checked once, the cheapest kept). Either way at most twice the smallest set is read;
 * 3. stops a walk at the filter's price ceiling (`maxPrice`): the index is ordered by price.
 *
 * Both ways return exactly what the walk alone would (same entries, order and cursor).
 */
import type { CompiledFilter, Offer } from '../offers/index.js'
import { EU_COUNTRIES } from '../offers/index.js'
import { compareIndexed } from './price-index.js'
import type { Indexed, PriceIndex } from './price-index.js'

/** A position in price order (the cursor of a page). */
export interface Position { price: bigint, key: string }

/** A page as planned: the chosen items, and whether another match follows the last one. */
export interface PlannedPage { items: Indexed[], more: boolean }

/** Live offers by provider and by country (sets of the price index's items). */
export class CandidateIndex {
  private readonly byProvider = new Map<string, Set<Indexed>>()
  private readonly byCountry = new Map<string, Set<Indexed>>()
  /** By `type country`: most queries name a type and countries. */
  private readonly byTypeCountry = new Map<string, Set<Indexed>>()

  add (item: Indexed): void {
    addTo(this.byProvider, item.offer.provider, item)
    addTo(this.byCountry, item.offer.location.country, item)
    addTo(this.byTypeCountry, `${item.offer.service.type} ${item.offer.location.country}`, item)
  }

  remove (item: Indexed): void {
    removeFrom(this.byProvider, item.offer.provider, item)
    removeFrom(this.byCountry, item.offer.location.country, item)
    removeFrom(this.byTypeCountry, `${item.offer.service.type} ${item.offer.location.country}`, item)
  }

  /** The smallest candidate sets (a union, disjoint: an offer has one country) that hold every match of the filter, with their total size; undefined: no such index. */
  candidates (filter: CompiledFilter['filter']): { sets: Array<Set<Indexed>>, size: number } | undefined {
    let best: { sets: Array<Set<Indexed>>, size: number } | undefined
    if (filter.provider !== undefined) {
      const set = this.byProvider.get(filter.provider)
      best = { sets: set === undefined ? [] : [set], size: set?.size ?? 0 }
    }
    if (filter.countries !== undefined) {
      const codes = new Set(filter.countries.flatMap(c => (c === 'EU' ? EU_COUNTRIES : [c])))
      const type = filter.type
      const sets = [...codes].map(c => (type === undefined ? this.byCountry.get(c) : this.byTypeCountry.get(`${type} ${c}`)))
        .filter((s): s is Set<Indexed> => s !== undefined)
      const size = sets.reduce((n, s) => n + s.size, 0)
      if (best === undefined || size < best.size) best = { sets, size }
    }
    return best
  }
}

function addTo (map: Map<string, Set<Indexed>>, k: string, item: Indexed): void {
  let set = map.get(k)
  if (set === undefined) map.set(k, set = new Set())
  set.add(item)
}

function removeFrom (map: Map<string, Set<Indexed>>, k: string, item: Indexed): void {
  const set = map.get(k)
  if (set === undefined) return
  set.delete(item)
  if (set.size === 0) map.delete(k)
}

/** What a query asks of the plan. */
export interface PlanInput {
  index: PriceIndex
  candidates: CandidateIndex
  compiled: CompiledFilter
  /** Highest normalised price a match can have (from `maxPrice`), if any. */
  ceiling: bigint | undefined
  now: number
  limit: number
  after: Position | undefined
  /** Forces one way (tests check that both give what `auto` gives); default `auto`. */
  strategy?: 'auto' | 'walk' | 'select'
}

/** Chooses the page's items (see module doc). */
export function planPage (input: PlanInput): PlannedPage {
  const source = input.candidates.candidates(input.compiled.filter)
  if (input.strategy === 'walk') return walk(input, Infinity) as PlannedPage
  if (input.strategy === 'select' && source !== undefined) return select(input, source.sets)
  if (source === undefined || source.size >= input.index.size) return walk(input, Infinity) as PlannedPage
  return walk(input, source.size) ?? select(input, source.sets)
}

const live = (input: PlanInput, offer: Offer): boolean => offer.expiresAt > input.now && input.compiled.matches(offer)

/** Walks the index in price order; undefined if `budget` items were read before the page was decided. */
function walk (input: PlanInput, budget: number): PlannedPage | undefined {
  const { index, limit, ceiling } = input
  const items: Indexed[] = []
  let read = 0
  for (const item of index.from(input.after === undefined ? 0 : index.seek(input.after, false))) {
    if (ceiling !== undefined && item.price > ceiling) break
    if (read++ >= budget) return undefined
    if (!live(input, item.offer)) continue
    if (items.length === limit) return { items, more: true }
    items.push(item)
  }
  return { items, more: false }
}

/** Reads every candidate once and keeps the `limit + 1` first matches in price order. */
function select (input: PlanInput, sets: Array<Set<Indexed>>): PlannedPage {
  const { limit, ceiling, after } = input
  const best: Indexed[] = []
  for (const set of sets) {
    for (const item of set) {
      if (ceiling !== undefined && item.price > ceiling) continue
      if (after !== undefined && compareIndexed(item, after) <= 0) continue
      if (best.length > limit && compareIndexed(item, best[limit] as Indexed) >= 0) continue
      if (!live(input, item.offer)) continue
      insertSorted(best, item, limit + 1)
    }
  }
  return best.length > limit ? { items: best.slice(0, limit), more: true } : { items: best, more: false }
}

/** Inserts into a sorted array, keeping at most `max` items. */
function insertSorted (arr: Indexed[], item: Indexed, max: number): void {
  let i = arr.length
  while (i > 0 && compareIndexed(arr[i - 1] as Indexed, item) > 0) i--
  arr.splice(i, 0, item)
  if (arr.length > max) arr.pop()
}
