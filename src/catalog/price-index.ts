/**
 * The in-memory price index of the catalog: live offers sorted by (normalised price, key), so
 * that a query walks offers cheapest first and stops as soon as a page is full. Insert and
 * remove are a binary search and one splice.
 */
import type { Offer } from '../offers/index.js'

/** An indexed offer. */
export interface Indexed {
  readonly key: string
  readonly price: bigint
  readonly offer: Offer
}

/** Compares by price, then key: a total order, so cursors are stable. */
export function compareIndexed (a: { price: bigint, key: string }, b: { price: bigint, key: string }): number {
  if (a.price !== b.price) return a.price < b.price ? -1 : 1
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/** A sorted array of offers. */
export class PriceIndex {
  private items: Indexed[] = []

  get size (): number { return this.items.length }

  /** The position of the first item ordered after `pos` (or at it, if `inclusive`). */
  seek (pos: { price: bigint, key: string }, inclusive = true): number {
    let lo = 0
    let hi = this.items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = compareIndexed(this.items[mid] as Indexed, pos)
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  add (item: Indexed): void {
    this.items.splice(this.seek(item), 0, item)
  }

  /**
   * Adds many items at once: sorts them and merges in one pass, O(n + m log m) instead of m
   * splices of O(n) each (a bulk load or a sync batch).
   */
  addMany (added: Indexed[]): void {
    if (added.length < 16) { added.forEach(a => { this.add(a) }); return }
    const sorted = [...added].sort(compareIndexed)
    const merged: Indexed[] = new Array(this.items.length + sorted.length)
    let i = 0; let j = 0; let k = 0
    while (i < this.items.length && j < sorted.length) {
      merged[k++] = compareIndexed(this.items[i] as Indexed, sorted[j] as Indexed) <= 0 ? this.items[i++] as Indexed : sorted[j++] as Indexed
    }
    while (i < this.items.length) merged[k++] = this.items[i++] as Indexed
    while (j < sorted.length) merged[k++] = sorted[j++] as Indexed
    this.items = merged
  }

  /** The item at exactly `pos`, if held. */
  find (pos: { price: bigint, key: string }): Indexed | undefined {
    const i = this.seek(pos)
    const item = this.items[i]
    return item !== undefined && compareIndexed(item, pos) === 0 ? item : undefined
  }

  remove (item: { price: bigint, key: string }): void {
    const i = this.seek(item)
    if (i < this.items.length && compareIndexed(this.items[i] as Indexed, item) === 0) this.items.splice(i, 1)
  }

  /** Items from position `start` on. */
  * from (start: number): Generator<Indexed> {
    for (let i = start; i < this.items.length; i++) yield this.items[i] as Indexed
  }
}
