/**
 * A list of slots kept sorted by (normalised price, key) (see `compareSlots`): 4 bytes per entry
 * in one Int32Array, so that the catalog can afford one list per attribute value (service type,
 * country, provider, currency...) and a query walks the smallest list that holds every match,
 * cheapest first. Insert and remove are a binary search and one `copyWithin`.
 */
import { compareSlots } from './columns.js'
import type { Columns } from './columns.js'

/** A position in the catalog's order: a cursor (price halves as in Columns, and the key). */
export interface Position { hi: number, lo: number, key: string }

/** Compares the record in `slot` with a position. */
export function compareToPosition (c: Columns, slot: number, p: Position): number {
  const h = c.priceHi[slot] as number
  if (h !== p.hi) return h < p.hi ? -1 : 1
  const l = c.priceLo[slot] as number
  if (l !== p.lo) return l < p.lo ? -1 : 1
  const key = c.keyOf(slot)
  return key < p.key ? -1 : key > p.key ? 1 : 0
}

/** Slots sorted by the catalog's order. */
export class SortedSlots {
  private items = new Int32Array(4)
  size = 0

  constructor (private readonly c: Columns) {}

  /** The slot at position `i`. */
  at (i: number): number { return this.items[i] as number }

  /** The position of the first slot ordered after `p` (ordered at or after `p` if `inclusive`). */
  seek (p: Position, inclusive = false): number {
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const cmp = compareToPosition(this.c, this.items[mid] as number, p)
      if (cmp < 0 || (cmp === 0 && !inclusive)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The position of `slot` or where it would go (the columns must hold its current values). */
  private find (slot: number): number {
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareSlots(this.c, this.items[mid] as number, slot) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  add (slot: number): void {
    if (this.size === this.items.length) this.resize(this.items.length * 2)
    const i = this.find(slot)
    this.items.copyWithin(i + 1, i, this.size)
    this.items[i] = slot
    this.size++
  }

  /** Removes `slot` (a no-op if absent); call before its columns change. */
  remove (slot: number): void {
    const i = this.find(slot)
    if (i >= this.size || this.items[i] !== slot) return
    this.items.copyWithin(i, i + 1, this.size)
    this.size--
    if (this.size > 64 && this.size * 4 < this.items.length) this.resize(this.items.length >>> 1)
  }

  /**
   * Adds many slots: one sort and one merge instead of many inserts (a load or a sync batch). Each
   * added slot finds its place by binary search, and the runs of the list between those places
   * are copied whole: a 200-record page costs about 200 * log(size) comparisons, not size.
   * `sorted`: the caller has already put `slots` in the catalog's order (one sort for all lists).
   */
  addMany (slots: readonly number[], sorted = false): void {
    if (slots.length < 16) { for (const s of slots) this.add(s); return }
    const added = sorted ? slots : Int32Array.from(slots).sort((a, b) => compareSlots(this.c, a, b))
    const merged = new Int32Array(Math.max(4, Math.ceil((this.size + added.length) * 1.25)))
    let i = 0
    let k = 0
    for (const slot of added) {
      // The first listed slot ordered after `slot` (listed slots go first on a tie).
      let lo = i
      let hi = this.size
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (compareSlots(this.c, this.items[mid] as number, slot) <= 0) lo = mid + 1
        else hi = mid
      }
      merged.set(this.items.subarray(i, lo), k)
      k += lo - i
      i = lo
      merged[k++] = slot
    }
    merged.set(this.items.subarray(i, this.size), k)
    this.items = merged
    this.size = k + this.size - i
  }

  private resize (n: number): void {
    const next = new Int32Array(Math.max(4, n))
    next.set(this.items.subarray(0, this.size))
    this.items = next
  }
}
