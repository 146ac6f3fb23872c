/**
 * A set of string keys stored as UTF-8 bytes, each with a small entry number: what the sync index
 * (discovery/sync/fingerprint.ts) holds per record instead of a JavaScript string and a Map entry.
 * A record key (`provider/id`, about 70 ASCII characters) costs about 88 bytes as a V8 string plus
 * about 40 in a Map; here it costs its bytes plus about 20 (offset, length, hash, table slot).
 *
 * Bytes live in one append-only arena: a key's bytes never change while the arena holds them, so
 * a snapshot that kept (arena, offset, length) of some entries stays valid after later changes.
 * Deleting leaves garbage; when the arena is full and half of it is garbage, the live keys are
 * copied into a new arena (old snapshots keep the old one). Lookups go through an open-addressing
 * hash table of entry numbers (FNV-1a of the bytes).
 */

/** Hash table value of a slot never used. */
const EMPTY = -1
/** Hash table value of a slot whose entry was deleted (probing continues past it). */
const TOMBSTONE = -2
/** Longest key in bytes (lengths are kept in 16 bits; record keys are at most about 120). */
export const MAX_PACKED_KEY_BYTES = 0xFFFF

const encoder = new TextEncoder()
const decoder = new TextDecoder()
/** Reused for the bytes of the key being looked up (no allocation per lookup). */
let scratch = new Uint8Array(512)

/**
 * The UTF-8 bytes of `key` in a shared buffer, valid until the next call: `[buffer, length]`.
 * Callers copy what they keep.
 */
export function utf8Scratch (key: string): [Uint8Array, number] {
  if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3)
  return [scratch, encoder.encodeInto(key, scratch).written]
}

/** FNV-1a over `bytes[start, end)`. */
function fnv (bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193)
  return h >>> 0
}

/** Compares two byte strings (UTF-8 byte order: a prefix sorts first). */
export function compareBytes (a: Uint8Array, aStart: number, aLen: number, b: Uint8Array, bStart: number, bLen: number): number {
  const n = Math.min(aLen, bLen)
  for (let i = 0; i < n; i++) {
    const x = a[aStart + i] as number
    const y = b[bStart + i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return aLen === bLen ? 0 : aLen < bLen ? -1 : 1
}

/** See module doc. */
export class PackedKeys {
  /** The current arena; entries' bytes are at [offset, offset + length). */
  arena = new Uint8Array(1024)
  private top = 0
  private garbage = 0
  offsets = new Uint32Array(16)
  lengths = new Uint16Array(16)
  private hashes = new Uint32Array(16)
  private live = new Uint8Array(16)
  private table = new Int32Array(32).fill(EMPTY)
  /** Table slots not EMPTY (live entries and tombstones). */
  private filled = 0
  private free: number[] = []
  private next = 0
  /** Live entries. */
  size = 0

  /** Entry numbers are below this (for arrays indexed by entry). */
  get capacity (): number { return this.offsets.length }

  /** The entry of `key`, or -1. */
  get (key: string): number {
    const [bytes, length] = utf8Scratch(key)
    return this.find(bytes, length, fnv(bytes, 0, length))
  }

  /** The entry of `key`, added if new (`size` tells whether it was). */
  add (key: string): number {
    const [bytes, length] = utf8Scratch(key)
    if (length > MAX_PACKED_KEY_BYTES) throw new RangeError(`key longer than ${MAX_PACKED_KEY_BYTES} bytes`)
    const hash = fnv(bytes, 0, length)
    const found = this.find(bytes, length, hash)
    if (found >= 0) return found
    const entry = this.free.pop() ?? this.next++
    if (entry >= this.offsets.length) this.growEntries(Math.max(16, Math.ceil(this.offsets.length * 1.5)))
    if (this.top + length > this.arena.length) this.repack(length)
    this.arena.set(bytes.subarray(0, length), this.top)
    this.offsets[entry] = this.top
    this.lengths[entry] = length
    this.hashes[entry] = hash
    this.live[entry] = 1
    this.top += length
    this.size++
    if ((this.filled + 1) * 2 > this.table.length) this.rehash(this.size * 4 > this.table.length ? this.table.length * 2 : this.table.length)
    this.insertSlot(entry, hash)
    return entry
  }

  /** Deletes `entry` (a no-op if it is not live). Its number may be given to a later key. */
  delete (entry: number): void {
    if (this.live[entry] !== 1) return
    const mask = this.table.length - 1
    for (let i = (this.hashes[entry] as number) & mask; ; i = (i + 1) & mask) {
      const v = this.table[i] as number
      if (v === EMPTY) break
      if (v === entry) { this.table[i] = TOMBSTONE; break }
    }
    this.live[entry] = 0
    this.garbage += this.lengths[entry] as number
    this.free.push(entry)
    this.size--
  }

  /** True if `entry` holds a key. */
  has (entry: number): boolean { return this.live[entry] === 1 }

  /** The key of a live entry. */
  keyOf (entry: number): string {
    const start = this.offsets[entry] as number
    return decoder.decode(this.arena.subarray(start, start + (this.lengths[entry] as number)))
  }

  /** Calls `fn` with every live entry. */
  forEach (fn: (entry: number) => void): void {
    for (let e = 0; e < this.next; e++) if (this.live[e] === 1) fn(e)
  }

  /** Compares the keys of two live entries. */
  compare (a: number, b: number): number {
    return compareBytes(this.arena, this.offsets[a] as number, this.lengths[a] as number, this.arena, this.offsets[b] as number, this.lengths[b] as number)
  }

  private find (bytes: Uint8Array, length: number, hash: number): number {
    const mask = this.table.length - 1
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const e = this.table[i] as number
      if (e === EMPTY) return -1
      if (e >= 0 && this.hashes[e] === hash &&
        compareBytes(this.arena, this.offsets[e] as number, this.lengths[e] as number, bytes, 0, length) === 0) return e
    }
  }

  private insertSlot (entry: number, hash: number): void {
    const mask = this.table.length - 1
    let i = hash & mask
    while ((this.table[i] as number) >= 0) i = (i + 1) & mask
    if (this.table[i] === EMPTY) this.filled++
    this.table[i] = entry
  }

  /** A new table of `size` slots holding the live entries (drops tombstones). */
  private rehash (size: number): void {
    this.table = new Int32Array(size).fill(EMPTY)
    this.filled = 0
    this.forEach(e => { this.insertSlot(e, this.hashes[e] as number) })
  }

  private growEntries (n: number): void {
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n)
      b.set(a)
      return b
    }
    this.offsets = grow(this.offsets); this.lengths = grow(this.lengths)
    this.hashes = grow(this.hashes); this.live = grow(this.live)
  }

  /** A new arena with room for `more` bytes: the live keys only if half is garbage, else all, 1.5x larger. */
  private repack (more: number): void {
    const liveBytes = this.top - this.garbage
    const compact = this.garbage * 2 >= this.top
    const size = Math.max(1024, Math.ceil((compact ? liveBytes + more : this.top + more) * 1.5))
    const arena = new Uint8Array(size)
    if (compact) {
      let top = 0
      this.forEach(e => {
        const start = this.offsets[e] as number
        const len = this.lengths[e] as number
        arena.set(this.arena.subarray(start, start + len), top)
        this.offsets[e] = top
        top += len
      })
      this.top = top
      this.garbage = 0
    } else {
      arena.set(this.arena.subarray(0, this.top))
    }
    this.arena = arena
  }
}
