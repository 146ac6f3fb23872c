/**
 * LevelDB key layout of the log. Every key starts with a bucket byte; bucket numbers are
 * never reused. Integers are 8-byte big-endian so that keys sort by index.
 *
 * | bucket | key                       | value                                   |
 * |--------|---------------------------|-----------------------------------------|
 * | 0x00   | 0x00 'v'                  | format version (u8)                     |
 * | 0x00   | 0x00 's'                  | tree size (u64)                         |
 * | 0x00   | 0x00 'c'                  | latest signed checkpoint note (UTF-8)   |
 * | 0x01   | index (u64)               | leaf bytes                              |
 * | 0x02   | level (u8), index (u64)   | hash of the perfect subtree             |
 * | 0x03   | leaf hash (32 bytes)      | index (u64) of the first such leaf      |
 * | 0x04   | document id (UTF-8)       | index (u64) of the entry with that id   |
 */
export const Bucket = { META: 0x00, LEAF: 0x01, NODE: 0x02, LEAF_HASH: 0x03, DOCUMENT: 0x04 } as const

/** Version of this layout, stored under META 'v'. */
export const FORMAT_VERSION = 1

/** META keys: format version, tree size, latest signed checkpoint. */
export const META_VERSION = Uint8Array.of(Bucket.META, 0x76)
export const META_SIZE = Uint8Array.of(Bucket.META, 0x73)
export const META_CHECKPOINT = Uint8Array.of(Bucket.META, 0x63)

/** 8-byte big-endian encoding of a safe integer. */
export function u64 (n: number): Uint8Array {
  const b = new Uint8Array(8)
  writeU64(b, 0, n)
  return b
}

/** Writes `n` (a safe integer) as 8 bytes big-endian at `offset` (no BigInt: keys are built per append). */
function writeU64 (b: Uint8Array, offset: number, n: number): void {
  const high = Math.floor(n / 0x100000000)
  const low = n >>> 0
  b[offset] = high >>> 24; b[offset + 1] = (high >>> 16) & 0xff; b[offset + 2] = (high >>> 8) & 0xff; b[offset + 3] = high & 0xff
  b[offset + 4] = low >>> 24; b[offset + 5] = (low >>> 16) & 0xff; b[offset + 6] = (low >>> 8) & 0xff; b[offset + 7] = low & 0xff
}

/** Decodes an 8-byte big-endian integer (at most 2^53 - 1 here). */
export function readU64 (b: Uint8Array): number {
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0))
}

/** LEAF key of leaf `index`. */
export function leafKey (index: number): Uint8Array {
  const k = new Uint8Array(9)
  k[0] = Bucket.LEAF
  writeU64(k, 1, index)
  return k
}

/** NODE key of the perfect subtree `index` at `level` (2^level leaves). */
export function nodeKey (level: number, index: number): Uint8Array {
  const k = new Uint8Array(10)
  k[0] = Bucket.NODE
  k[1] = level
  writeU64(k, 2, index)
  return k
}

/** LEAF_HASH key: leaf hash to index. */
export function leafHashKey (hash: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + hash.length)
  k[0] = Bucket.LEAF_HASH
  k.set(hash, 1)
  return k
}

const utf8 = new TextEncoder()

/** DOCUMENT key: entry document id to index. */
export function documentKey (id: string): Uint8Array {
  const idBytes = utf8.encode(id)
  const k = new Uint8Array(1 + idBytes.length)
  k[0] = Bucket.DOCUMENT
  k.set(idBytes, 1)
  return k
}
