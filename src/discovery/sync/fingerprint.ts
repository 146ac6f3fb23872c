/**
 * The reconciled set and its range fingerprints (protocols/discovery-v1.md §Sync).
 *
 * An item is a record key with its seq. Its hash is the first 16 bytes of
 * SHA-256(utf8(key) || 0x00 || uint64be(seq)); the fingerprint of a key range is the XOR of the
 * hashes of the items in it (all zero for an empty range). Ranges are half-open by key in
 * UTF-8 byte order (JavaScript string order for the ASCII keys used): `[lo, hi)`, where
 * `lo = ''` is the start and `hi = null` is the end.
 */
import { createHash } from 'node:crypto'
import { FINGERPRINT_BYTES } from '../constants.js'
import type { SyncEntry } from '../components.js'

/** A key range `[lo, hi)`; `hi = null` means "to the end". */
export interface KeyRange {
  lo: string
  hi: string | null
}

/** What one side holds in a range. */
export interface RangeSummary extends KeyRange {
  fingerprint: Uint8Array
  count: number
}

const ZERO = new Uint8Array(FINGERPRINT_BYTES)

/** The hash of one item (see module doc). */
export function itemHash (key: string, seq: number): Uint8Array {
  const seqBytes = Buffer.alloc(8)
  seqBytes.writeBigUInt64BE(BigInt(seq))
  return new Uint8Array(createHash('sha256').update(key, 'utf8').update(Uint8Array.of(0)).update(seqBytes).digest().subarray(0, FINGERPRINT_BYTES))
}

/**
 * {@link itemHash} as a 16-character one-byte string: how the index keeps it per entry (about 32
 * bytes, against about 100 for a Uint8Array), so that a snapshot is rebuilt without hashing again.
 */
export function itemHashText (key: string, seq: number): string {
  return Buffer.from(itemHash(key, seq)).toString('latin1')
}

/** One item of a snapshot; `hash` is its {@link itemHashText} when the caller has it already. */
export interface SnapshotItem { key: string, seq: number, hash?: string }

/** A sorted, immutable view of the live items with prefix XORs for O(log n) range fingerprints. */
export class SyncSnapshot {
  readonly keys: readonly string[]
  readonly seqs: readonly number[]
  private readonly prefix: Uint8Array

  constructor (items: readonly SnapshotItem[]) {
    const sorted = [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    this.keys = sorted.map(i => i.key)
    this.seqs = sorted.map(i => i.seq)
    this.prefix = new Uint8Array((sorted.length + 1) * FINGERPRINT_BYTES)
    sorted.forEach((item, i) => {
      const h = item.hash ?? itemHashText(item.key, item.seq)
      const prev = i * FINGERPRINT_BYTES
      for (let b = 0; b < FINGERPRINT_BYTES; b++) {
        this.prefix[prev + FINGERPRINT_BYTES + b] = (this.prefix[prev + b] as number) ^ h.charCodeAt(b)
      }
    })
  }

  /** Index of the first key >= `key`. */
  lowerBound (key: string): number {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.keys[mid] as string) < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Item indexes `[start, end)` of a range. */
  bounds (range: KeyRange): [number, number] {
    const start = this.lowerBound(range.lo)
    const end = range.hi === null ? this.keys.length : this.lowerBound(range.hi)
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
    return this.keys[i] === key ? this.seqs[i] : undefined
  }

  /** The items of a range. */
  items (range: KeyRange): Array<[string, number]> {
    const [start, end] = this.bounds(range)
    const out: Array<[string, number]> = []
    for (let i = start; i < end; i++) out.push([this.keys[i] as string, this.seqs[i] as number])
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
      const boundary = this.keys[start + Math.floor((p * n) / parts)] as string
      if (boundary <= lo) continue
      out.push({ lo, hi: boundary })
      lo = boundary
    }
    out.push({ lo, hi: range.hi })
    return out
  }
}

/** True if two fingerprints are equal. */
export function sameFingerprint (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

/**
 * The live key set of a catalog, kept in memory and updated on every stored record, so that a sync
 * never scans the store. Snapshots are rebuilt lazily after a change or when an entry expires.
 */
export class SyncIndex {
  /** Per key: seq, expiry and the item's hash, computed once when the snapshot is first rebuilt. */
  private readonly entries = new Map<string, { seq: number, expiresAt: number, hash?: string }>()
  private snapshotCache: SyncSnapshot | undefined
  private validUntil = 0

  /** Records that the catalog now holds `entry` (a higher seq replaces a lower one). */
  update (entry: SyncEntry): void {
    const old = this.entries.get(entry.key)
    if (old !== undefined && old.seq >= entry.seq) return
    this.entries.set(entry.key, { seq: entry.seq, expiresAt: entry.expiresAt })
    this.snapshotCache = undefined
  }

  /** Records that the catalog no longer holds `key` (evicted by its limits). */
  remove (key: string): void {
    if (this.entries.delete(key)) this.snapshotCache = undefined
  }

  /** Number of entries held, live or expired. */
  get size (): number {
    return this.entries.size
  }

  /** The live items at `now`, sorted; expired entries are dropped from the index. */
  snapshot (now: number): SyncSnapshot {
    if (this.snapshotCache !== undefined && now < this.validUntil) return this.snapshotCache
    const live: SnapshotItem[] = []
    let next = Infinity
    for (const [key, e] of this.entries) {
      if (e.expiresAt <= now) { this.entries.delete(key); continue }
      e.hash ??= itemHashText(key, e.seq)
      live.push({ key, seq: e.seq, hash: e.hash })
      next = Math.min(next, e.expiresAt)
    }
    this.snapshotCache = new SyncSnapshot(live)
    this.validUntil = next
    return this.snapshotCache
  }
}
