/**
 * Query planning for the catalog. Every servable offer (an offer, not conflicted) is in sorted
 * lists (sorted-slots.ts, 4 bytes per entry): all offers, and per service type, country, type
 * and country, provider, currency and billing dimension, and type, spec (or capacity) and
 * magnitude class of the value (see `magnitude`). A query:
 *
 * 1. takes every source that holds every match of its filter: its provider's list, the union of
 *    its countries' lists (for its type, if it names one), its currency's lists (for the billing
 *    dimension of its price ceiling, if any), for each spec minimum or minimum capacity of its
 *    type the lists of the magnitude classes that can reach the minimum; else its type's list or
 *    all offers;
 * 2. walks the sources in turns, cheapest first (a union is merged with a small heap), checking
 *    each offer with the filter compiled over the columns (match.ts), until one walk has found
 *    the page and one more match. Every walk would give the same page, so the first one wins:
 *    a query costs at most (number of sources) × its shortest walk. The shortest is often not
 *    the smallest source: criteria tied to price (spec minima: cheap offers are small) make a
 *    walk that checks them skip ever more offers as the catalog grows, while a source that
 *    already satisfies them only skips offers that fail criteria unrelated to price;
 * 3. stops at the filter's price ceiling (`maxPrice`): every list is ordered by price.
 *
 * Expired offers stay listed until the sweep and are skipped by the walk.
 */
import { BILLING_UNITS, EU_COUNTRIES } from '../offers/index.js'
import type { OfferFilter } from '../offers/index.js'
import { NO_SPEC, PRICE_SPLIT, compareSlots } from './columns.js'
import type { Columns } from './columns.js'
import type { SlotMatcher } from './match.js'
import { SortedSlots } from './sorted-slots.js'
import type { Position } from './sorted-slots.js'

/** A page as planned: the chosen slots, and whether another match follows the last one. */
export interface PlannedPage { slots: number[], more: boolean }

type Lists = Map<number, SortedSlots>

/** The sorted lists of servable offers. */
export class QueryIndex {
  readonly all: SortedSlots
  private readonly byType: Lists = new Map()
  private readonly byCountry: Lists = new Map()
  private readonly byTypeCountry: Lists = new Map()
  private readonly byProvider: Lists = new Map()
  /** By currency and billing dimension: a price ceiling names both. */
  private readonly byCurrency: Lists = new Map()
  /** By type, spec (or capacity) and magnitude class of its value: spec minima skip the small offers. */
  private readonly bySpec: Lists = new Map()

  constructor (private readonly c: Columns) { this.all = new SortedSlots(c) }

  /** The lists `slot` belongs in (the columns hold its values). */
  private keys (slot: number): Array<[Lists, number]> {
    const c = this.c
    const type = c.type[slot] as number
    const country = c.country[slot] as number
    const out: Array<[Lists, number]> = [[this.byType, type], [this.byCountry, country], [this.byTypeCountry, type * 65536 + country],
      [this.byProvider, c.provider[slot] as number], [this.byCurrency, (c.currency[slot] as number) * 256 + (c.dimension[slot] as number)],
      [this.bySpec, specKey(type, CAPACITY, magnitude(c.capacityOf[slot] as number))]]
    c.specs.forEach((col, i) => { if (col[slot] !== NO_SPEC) out.push([this.bySpec, specKey(type, i, magnitude(col[slot] as number))]) })
    for (const [k, v] of c.extraSpecs.get(slot) ?? []) {
      const i = c.specIndex.get(k)
      if (i !== undefined) out.push([this.bySpec, specKey(type, i, magnitude(v))])
    }
    return out
  }

  /**
   * Adds servable offers. The slots are sorted once, in the catalog's order, and each list's share
   * keeps that order: a sort per list cost a sync page about ten sorts (one per list a record is in).
   */
  add (slots: number[]): void {
    if (slots.length === 0) return
    slots = Array.from(Int32Array.from(slots).sort((a, b) => compareSlots(this.c, a, b)))
    this.all.addMany(slots, true)
    const groups = new Map<Lists, Map<number, number[]>>()
    for (const slot of slots) {
      for (const [lists, k] of this.keys(slot)) {
        let byKey = groups.get(lists)
        if (byKey === undefined) groups.set(lists, byKey = new Map())
        const group = byKey.get(k)
        if (group === undefined) byKey.set(k, [slot])
        else group.push(slot)
      }
    }
    for (const [lists, byKey] of groups) {
      for (const [k, group] of byKey) {
        let list = lists.get(k)
        if (list === undefined) lists.set(k, list = new SortedSlots(this.c))
        list.addMany(group, true)
      }
    }
  }

  /** Removes a listed offer; call before its columns change. */
  remove (slot: number): void {
    this.all.remove(slot)
    for (const [lists, k] of this.keys(slot)) {
      const list = lists.get(k)
      if (list === undefined) continue
      list.remove(slot)
      if (list.size === 0) lists.delete(k)
    }
  }

  /**
   * The sources that hold every match of `filter`, each a union of lists (see module doc); a
   * source that is a subset of another makes the other useless (its walk reads no more), so all
   * offers and the type's list are given only when the filter narrows nothing else.
   */
  sources (filter: OfferFilter): SortedSlots[][] {
    const c = this.c
    const type = filter.type === undefined ? undefined : c.types.get(filter.type)
    if (filter.type !== undefined && type === undefined) return [[]]
    const options: SortedSlots[][] = []
    const one = (lists: Lists, code: number | undefined): SortedSlots[] => {
      const list = code === undefined ? undefined : lists.get(code)
      return list === undefined ? [] : [list]
    }
    if (filter.provider !== undefined) options.push(one(this.byProvider, c.providers.get(filter.provider)))
    if (filter.currency !== undefined) {
      const currency = c.currencies.get(filter.currency) ?? -1
      const unit = filter.maxPrice === undefined ? undefined : BILLING_UNITS[filter.maxPrice.unit]
      const dims = unit === undefined ? range(256) : [c.dimensions.get(unit.dimension) as number]
      options.push(dims.flatMap(d => one(this.byCurrency, currency * 256 + d)))
    }
    if (type !== undefined) {
      const minima: Array<[number | undefined, number]> = Object.entries(filter.minSpecs ?? {}).map(([k, min]) => [c.specIndex.get(k), min])
      if (filter.minCapacity !== undefined) minima.push([CAPACITY, filter.minCapacity])
      for (const [i, min] of minima) {
        if (i !== undefined) options.push(range(64).filter(b => b >= magnitude(min)).flatMap(b => one(this.bySpec, specKey(type, i, b))))
      }
    }
    if (filter.countries !== undefined) {
      const codes = new Set(filter.countries.flatMap(x => (x === 'EU' ? EU_COUNTRIES : [x])).map(x => c.countries.get(x)))
      options.push([...codes].flatMap(code => (code === undefined ? [] : type === undefined ? one(this.byCountry, code) : one(this.byTypeCountry, type * 65536 + code))))
    }
    if (options.length > 0) return options
    return type === undefined ? [[this.all]] : [one(this.byType, type)]
  }
}

/** The spec index that stands for the capacity in `bySpec`. */
const CAPACITY = 63

function specKey (type: number, spec: number, magnitude: number): number {
  return (type * 64 + spec) * 64 + magnitude
}

/**
 * The magnitude class of a spec value or capacity: 0 below 1, else the bit length of its integer
 * part (1-54). Never decreases as the value grows, so every value ≥ m is in a class ≥ magnitude(m).
 */
export function magnitude (v: number): number {
  if (!(v > 0)) return 0
  if (v < 2 ** 32) return 32 - Math.clz32(v)
  return Math.min(62, 32 + magnitude(Math.floor(v / 2 ** 32)))
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** What a query asks of the plan. */
export interface PlanInput {
  index: QueryIndex
  columns: Columns
  filter: OfferFilter
  matches: SlotMatcher
  /** Highest normalised price a match can have (from `maxPrice`), if any. */
  ceiling: bigint | undefined
  now: number
  limit: number
  after: Position | undefined
  /** Forces the walk of all offers (tests check that it gives what `auto` gives); default `auto`. */
  strategy?: 'auto' | 'all'
}

/** Items each walk reads in turn before the next walk's turn. */
const TURN = 16

/** One walk of one source. */
interface Walk { next: () => number, slots: number[] }

/** Chooses the page's slots (see module doc). */
export function planPage (input: PlanInput): PlannedPage {
  const sources = input.strategy === 'all' ? [[input.index.all]] : input.index.sources(input.filter)
  const walks: Walk[] = sources.map(lists => ({ next: merge(input.columns, lists, input.after), slots: [] }))
  if (walks.length === 0) return { slots: [], more: false }
  const ceilHi = input.ceiling === undefined ? Infinity : Number(input.ceiling / PRICE_SPLIT)
  const ceilLo = input.ceiling === undefined ? Infinity : Number(input.ceiling % PRICE_SPLIT)
  // Every source gives the same page; the first walk to decide it wins.
  for (;;) {
    for (const walk of walks) {
      for (let k = 0; k < TURN; k++) {
        const page = advance(input, walk, ceilHi, ceilLo)
        if (page !== undefined) return page
      }
    }
  }
}

/** Reads one more item of a walk; the page once it is decided. */
function advance (input: PlanInput, walk: Walk, ceilHi: number, ceilLo: number): PlannedPage | undefined {
  const c = input.columns
  const slot = walk.next()
  if (slot < 0) return { slots: walk.slots, more: false }
  const hi = c.priceHi[slot] as number
  if (hi > ceilHi || (hi === ceilHi && (c.priceLo[slot] as number) > ceilLo)) return { slots: walk.slots, more: false }
  if ((c.expiresAt[slot] as number) <= input.now || !input.matches(slot)) return undefined
  if (walk.slots.length === input.limit) return { slots: walk.slots, more: true }
  walk.slots.push(slot)
  return undefined
}

/** Yields the slots of `lists` after `after` in order (-1 at the end): a heap of list heads. */
function merge (c: Columns, lists: SortedSlots[], after: Position | undefined): () => number {
  const pos = lists.map(l => (after === undefined ? 0 : l.seek(after)))
  if (lists.length === 1) {
    const list = lists[0] as SortedSlots
    let i = pos[0] as number
    return () => (i < list.size ? list.at(i++) : -1)
  }
  const heap = lists.map((_, i) => i).filter(i => (pos[i] as number) < (lists[i] as SortedSlots).size)
  const head = (i: number): number => (lists[i] as SortedSlots).at(pos[i] as number)
  const less = (a: number, b: number): boolean => compareSlots(c, head(a), head(b)) < 0
  const down = (k: number): void => {
    for (;;) {
      const l = 2 * k + 1; const r = l + 1
      let m = k
      if (l < heap.length && less(heap[l] as number, heap[m] as number)) m = l
      if (r < heap.length && less(heap[r] as number, heap[m] as number)) m = r
      if (m === k) return
      const t = heap[k] as number; heap[k] = heap[m] as number; heap[m] = t
      k = m
    }
  }
  for (let k = (heap.length >> 1) - 1; k >= 0; k--) down(k)
  return () => {
    if (heap.length === 0) return -1
    const i = heap[0] as number
    const slot = head(i)
    pos[i] = (pos[i] as number) + 1
    if ((pos[i] as number) >= (lists[i] as SortedSlots).size) {
      heap[0] = heap[heap.length - 1] as number
      heap.pop()
    }
    down(0)
    return slot
  }
}
