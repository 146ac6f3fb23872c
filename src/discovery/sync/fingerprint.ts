/**
 * The reconciled set and its range fingerprints (protocols/discovery-v1.md §Sync).
 *
 * An item is a record key with its seq. Its hash is the first 16 bytes of
 * SHA-256(utf8(key) || 0x00 || uint64be(seq)); the fingerprint of a key range is the XOR of the
 * hashes of the items in it (all zero for an empty range). Ranges are half-open by key in
 * UTF-8 byte order (JavaScript string order for the ASCII keys used): `[lo, hi)`, where
 * `lo = ''` is the start and `hi = null` is the end.
 */
import { sha256Parts } from '#platform/crypto'
import { FINGERPRINT_BYTES } from '../constants.js'
import type { SyncEntry } from '../components.js'
import { PackedKeys, compareBytes, utf8Scratch } from '../../catalog/packed-keys.js'

/** A key range `[lo, hi)`; `hi = null` means "to the end". */
export interface KeyRange {
  lo: string
  hi: string | null
}

/** True if `key` lies in the range `r` (`lo <= key < hi`, no upper bound when `hi` is null). */
export const inRange = (key: string, r: KeyRange): boolean => key >= r.lo && (r.hi === null || key < r.hi)

/** What one side holds in a range. */
export interface RangeSummary extends KeyRange {
  fingerprint: Uint8Array
  count: number
}

const ZERO = new Uint8Array(FINGERPRINT_BYTES)

/** The hash of one item (see module doc). */
export function itemHash (key: string, seq: number): Uint8Array {
  const bytes = new TextEncoder().encode(key)
  const out = new Uint8Array(FINGERPRINT_BYTES)
  hashInto(bytes, 0, bytes.length, seq, out, 0)
  return out
}

/** Keys (UTF-8 bytes in `arena` at `offsets`/`lengths`) and seqs, sorted by key. */
interface SortedItems {
  readonly arena: Uint8Array
  readonly offsets: Uint32Array
  readonly lengths: Uint16Array
  readonly seqs: Float64Array
  /** The items' hashes, FINGERPRINT_BYTES each, in the same order (SyncIndex keeps them). */
  readonly hashes?: Uint8Array
}

const decoder = new TextDecoder()

/**
 * A sorted, immutable view of the live items with prefix XORs for O(log n) range fingerprints.
 * Keys stay packed bytes (see catalog/packed-keys.ts): about 30 bytes per item besides the bytes
 * of its key, which it shares with the index it was taken from.
 */
export class SyncSnapshot {
  private readonly s: SortedItems
  private readonly prefix: Uint8Array
  /** Number of items. */
  readonly size: number

  /** A snapshot of `items` (any order), or of items already packed and sorted (SyncIndex). */
  constructor (items: ReadonlyArray<{ key: string, seq: number }> | SortedItems) {
    this.s = 'arena' in items ? items : pack(items)
    this.size = this.s.seqs.length
    this.prefix = new Uint8Array((this.size + 1) * FINGERPRINT_BYTES)
    const hashes = this.s.hashes ?? hashAll(this.s)
    for (let i = 0; i < this.size; i++) {
      const prev = i * FINGERPRINT_BYTES
      for (let b = 0; b < FINGERPRINT_BYTES; b++) {
        this.prefix[prev + FINGERPRINT_BYTES + b] = (this.prefix[prev + b] as number) ^ (hashes[prev + b] as number)
      }
    }
  }

  /** The items' keys in order (allocates every key: for tests and small snapshots). */
  get keys (): string[] {
    return Array.from({ length: this.size }, (_, i) => this.keyAt(i))
  }

  /** The key of item `i`. */
  keyAt (i: number): string {
    const start = this.s.offsets[i] as number
    return decoder.decode(this.s.arena.subarray(start, start + (this.s.lengths[i] as number)))
  }

  private compareAt (i: number, key: Uint8Array, length: number): number {
    return compareBytes(this.s.arena, this.s.offsets[i] as number, this.s.lengths[i] as number, key, 0, length)
  }

  /** Index of the first key >= `key` (UTF-8 byte order). */
  lowerBound (key: string): number {
    const [k, length] = utf8Scratch(key)
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.compareAt(mid, k, length) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Item indexes `[start, end)` of a range. */
  bounds (range: KeyRange): [number, number] {
    const start = this.lowerBound(range.lo)
    const end = range.hi === null ? this.size : this.lowerBound(range.hi)
    return [start, Math.max(start, end)]
  }

  /** The fingerprint and count of a range. */
  summarize (range: KeyRange): RangeSummary {
    const [start, end] = this.bounds(range)
    if (start === end) return { ...range, fingerprint: ZERO, count: 0 }
    const fp = new Uint8Array(FINGERPRINT_BYTES)
    const a = start * FINGERPRINT_BYTES
    const b = end * FINGERPRINT_BYTES
    for (let i = 0; i < FINGERPRINT_BYTES; i++) fp[i] = (this.prefix[a + i] as number) ^ (this.prefix[b + i] as number)
    return { ...range, fingerprint: fp, count: end - start }
  }

  /** The seq held for `key`, if any. */
  seqOf (key: string): number | undefined {
    const i = this.lowerBound(key)
    if (i >= this.size) return undefined
    const [k, length] = utf8Scratch(key)
    return this.compareAt(i, k, length) === 0 ? this.s.seqs[i] : undefined
  }

  /** The items of a range. */
  items (range: KeyRange): Array<[string, number]> {
    const [start, end] = this.bounds(range)
    const out: Array<[string, number]> = []
    for (let i = start; i < end; i++) out.push([this.keyAt(i), this.s.seqs[i] as number])
    return out
  }

  /**
   * Splits a range into at most `fanout` sub-ranges that cover it exactly, with boundaries at this
   * side's keys so that each holds about the same number of items.
   */
  split (range: KeyRange, fanout: number): KeyRange[] {
    const [start, end] = this.bounds(range)
    const n = end - start
    const parts = Math.max(1, Math.min(fanout, n))
    const out: KeyRange[] = []
    let lo = range.lo
    for (let p = 1; p < parts; p++) {
      const boundary = this.keyAt(start + Math.floor((p * n) / parts))
      if (boundary <= lo) continue
      out.push({ lo, hi: boundary })
      lo = boundary
    }
    out.push({ lo, hi: range.hi })
    return out
  }
}

/** `0x00 || uint64be(seq)`: what follows the key in an item's hash (reused). */
const tail = Buffer.alloc(9)

/**
 * Writes the {@link itemHash} of the key at `arena[start, start + length)` and `seq` to `out` at `at`.
 * `sha256Parts` hashes one-shot from a reused buffer: a `Hash` object and three updates per item
 * cost twice as much, and a snapshot of a fresh catalog hashes every item (10,000 for a late joiner).
 */
function hashInto (arena: Uint8Array, start: number, length: number, seq: number, out: Uint8Array, at: number): void {
  tail.writeBigUInt64BE(BigInt(seq), 1)
  const h = sha256Parts([arena.subarray(start, start + length), tail])
  out.set(h.subarray(0, FINGERPRINT_BYTES), at)
}

/** The hashes of sorted items that came without them. */
function hashAll (s: SortedItems): Uint8Array {
  const out = new Uint8Array(s.seqs.length * FINGERPRINT_BYTES)
  for (let i = 0; i < s.seqs.length; i++) hashInto(s.arena, s.offsets[i] as number, s.lengths[i] as number, s.seqs[i] as number, out, i * FINGERPRINT_BYTES)
  return out
}

/** Packs and sorts loose items (a key given twice is kept once, with its last seq). */
function pack (items: ReadonlyArray<{ key: string, seq: number }>): SortedItems {
  const keys = new PackedKeys()
  const seqs = new Map<number, number>()
  for (const item of items) seqs.set(keys.add(item.key), item.seq)
  const order = Int32Array.from(seqs.keys()).sort((a, b) => keys.compare(a, b))
  return sortedItems(keys, order, e => seqs.get(e) as number)
}

/** The entries `order` of `keys` as sorted items (offsets copied: later changes to `keys` do not show). */
function sortedItems (keys: PackedKeys, order: Int32Array, seqOf: (entry: number) => number, entryHashes?: Uint8Array): SortedItems {
  const offsets = new Uint32Array(order.length)
  const lengths = new Uint16Array(order.length)
  const seqs = new Float64Array(order.length)
  const hashes = entryHashes === undefined ? undefined : new Uint8Array(order.length * FINGERPRINT_BYTES)
  order.forEach((e, i) => {
    offsets[i] = keys.offsets[e] as number
    lengths[i] = keys.lengths[e] as number
    seqs[i] = seqOf(e)
    hashes?.set(entryHashes!.subarray(e * FINGERPRINT_BYTES, (e + 1) * FINGERPRINT_BYTES), i * FINGERPRINT_BYTES)
  })
  return { arena: keys.arena, offsets, lengths, seqs, ...(hashes === undefined ? {} : { hashes }) }
}

/** True if two fingerprints are equal. */
export function sameFingerprint (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

/**
 * The live key set of a catalog, kept in memory and updated on every stored record, so that a sync
 * never scans the store. Snapshots are rebuilt lazily after a change or when an entry expires.
 * Keys are packed bytes (catalog/packed-keys.ts), seqs and expiries typed arrays by entry: about
 * 110 bytes per record with a 70-character key, against about 230 as a Map of strings to objects.
 * Each entry's item hash is kept too (17 bytes: the hash and whether it is current), so that a
 * snapshot rebuilt after a change hashes only the entries that changed (a full rehash was about
 * 60% of a rebuild, and a rebuild follows every change a sync request sees).
 */
export class SyncIndex {
  private readonly keys = new PackedKeys()
  private seqs: Float64Array = new Float64Array(16)
  private expiries: Float64Array = new Float64Array(16)
  private hashes: Uint8Array = new Uint8Array(16 * FINGERPRINT_BYTES)
  /** 1 where `hashes` holds the hash of the entry's current seq. */
  private hashed: Uint8Array = new Uint8Array(16)
  private snapshotCache: SyncSnapshot | undefined
  private validUntil = 0

  /** Records that the catalog now holds `entry` (a higher seq replaces a lower one). */
  update (entry: SyncEntry): void {
    const before = this.keys.size
    const e = this.keys.add(entry.key)
    if (this.keys.size === before && (this.seqs[e] as number) >= entry.seq) return
    if (this.keys.capacity > this.seqs.length) {
      const grow = (a: Float64Array): Float64Array => { const b = new Float64Array(this.keys.capacity); b.set(a); return b }
      this.seqs = grow(this.seqs)
      this.expiries = grow(this.expiries)
      const hashes = new Uint8Array(this.keys.capacity * FINGERPRINT_BYTES)
      hashes.set(this.hashes)
      this.hashes = hashes
      const hashed = new Uint8Array(this.keys.capacity)
      hashed.set(this.hashed)
      this.hashed = hashed
    }
    this.seqs[e] = entry.seq
    this.expiries[e] = entry.expiresAt
    this.hashed[e] = 0
    this.snapshotCache = undefined
  }

  /** Records that the catalog no longer holds `key` (evicted by its limits). */
  remove (key: string): void {
    const e = this.keys.get(key)
    if (e < 0) return
    this.keys.delete(e)
    this.snapshotCache = undefined
  }

  /** Number of entries held, live or expired. */
  get size (): number {
    return this.keys.size
  }

  /** The live items at `now`, sorted; expired entries are dropped from the index. */
  snapshot (now: number): SyncSnapshot {
    if (this.snapshotCache !== undefined && now < this.validUntil) return this.snapshotCache
    const live = new Int32Array(this.keys.size)
    let n = 0
    let next = Infinity
    this.keys.forEach(e => {
      const expiresAt = this.expiries[e] as number
      if (expiresAt <= now) { this.keys.delete(e); return }
      live[n++] = e
      next = Math.min(next, expiresAt)
      if (this.hashed[e] === 0) {
        hashInto(this.keys.arena, this.keys.offsets[e] as number, this.keys.lengths[e] as number, this.seqs[e] as number, this.hashes, e * FINGERPRINT_BYTES)
        this.hashed[e] = 1
      }
    })
    const order = live.subarray(0, n).sort((a, b) => this.keys.compare(a, b))
    this.snapshotCache = new SyncSnapshot(sortedItems(this.keys, order, e => this.seqs[e] as number, this.hashes))
    this.validUntil = next
    return this.snapshotCache
  }
}
