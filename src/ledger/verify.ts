/**
 * Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs, following
 * the algorithm of transparency-dev/merkle `proof/verify.go`.
 *
 * Sizes and indexes are `number` (a safe integer) or `bigint` (below 2^64) and are handled as
 * bigints, so trees beyond 2^32 leaves work: no 32-bit bit operations are ever applied to them.
 * A proof that does not verify gives `false`; a size or index that is not a non-negative
 * integer throws `LEDGER_BAD_ARGUMENT`.
 */
import { FulcrumError } from '../errors/index.js'
import { LedgerError } from './errors.js'
import { EMPTY_ROOT, HASH_SIZE, bytesEqual, nodeHash } from './hash.js'

/** A tree size or leaf index. */
export type TreeSize = number | bigint

const MAX_U64 = (1n << 64n) - 1n

/** Converts a size or index to a bigint, throwing `LEDGER_BAD_ARGUMENT` unless it is an integer in [0, 2^64). */
export function toU64 (value: TreeSize, what = 'size'): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new FulcrumError(LedgerError.BAD_ARGUMENT, `${what} must be a non-negative safe integer`)
    }
    return BigInt(value)
  }
  if (typeof value !== 'bigint' || value < 0n || value > MAX_U64) {
    throw new FulcrumError(LedgerError.BAD_ARGUMENT, `${what} must be an integer in [0, 2^64)`)
  }
  return value
}

/** Number of significant bits of `x` (bits.Len64). */
function bitLength (x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length
}

/** Number of one bits of `x` (bits.OnesCount64). */
function onesCount (x: bigint): number {
  let n = 0
  for (const c of x.toString(2)) if (c === '1') n++
  return n
}

/** Number of trailing zero bits of `x` > 0 (bits.TrailingZeros64). */
function trailingZeros (x: bigint): number {
  const s = x.toString(2)
  return s.length - 1 - s.lastIndexOf('1')
}

/**
 * Splits the inclusion proof of `index` in a tree of `size` into the part below the point
 * where the paths to `index` and to `size - 1` meet (`inner`) and the right border above it.
 */
function decompose (index: bigint, size: bigint): { inner: number, border: number } {
  const inner = bitLength(index ^ (size - 1n))
  return { inner, border: onesCount(index >> BigInt(inner)) }
}

function isHashList (proof: readonly Uint8Array[]): boolean {
  return proof.every(h => h instanceof Uint8Array && h.length === HASH_SIZE)
}

function chainInner (seed: Uint8Array, proof: readonly Uint8Array[], index: bigint): Uint8Array {
  let h = seed
  proof.forEach((p, i) => { h = ((index >> BigInt(i)) & 1n) === 0n ? nodeHash(h, p) : nodeHash(p, h) })
  return h
}

function chainInnerRight (seed: Uint8Array, proof: readonly Uint8Array[], index: bigint): Uint8Array {
  let h = seed
  proof.forEach((p, i) => { if (((index >> BigInt(i)) & 1n) === 1n) h = nodeHash(p, h) })
  return h
}

function chainBorderRight (seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let h = seed
  for (const p of proof) h = nodeHash(p, h)
  return h
}

/**
 * The root that an inclusion proof implies for `leafHash` at `leafIndex` in a tree of
 * `treeSize`, or `undefined` if the proof has the wrong shape for those numbers.
 */
export function rootFromInclusionProof (leafHash: Uint8Array, leafIndex: TreeSize, treeSize: TreeSize,
  proof: readonly Uint8Array[]): Uint8Array | undefined {
  const index = toU64(leafIndex, 'leafIndex')
  const size = toU64(treeSize, 'treeSize')
  if (index >= size || leafHash.length !== HASH_SIZE || !isHashList(proof)) return undefined
  const { inner, border } = decompose(index, size)
  if (proof.length !== inner + border) return undefined
  return chainBorderRight(chainInner(leafHash, proof.slice(0, inner), index), proof.slice(inner))
}

/**
 * True if `proof` shows that `leafHash` is the leaf at `leafIndex` of the tree of `treeSize`
 * leaves whose root is `root` (RFC 9162 §2.1.3.2).
 */
export function verifyInclusion (leafHash: Uint8Array, leafIndex: TreeSize, treeSize: TreeSize,
  proof: readonly Uint8Array[] | null, root: Uint8Array): boolean {
  const got = rootFromInclusionProof(leafHash, leafIndex, treeSize, proof ?? [])
  return got !== undefined && bytesEqual(got, root)
}

/**
 * True if `proof` shows that the tree of `size1` leaves with root `root1` is a prefix of the
 * tree of `size2` leaves with root `root2` (RFC 9162 §2.1.4.2).
 *
 * Equal sizes need an empty proof and equal roots (for size 0, the empty-tree root). A proof
 * from the empty tree is refused (`false`): every tree extends it, so it proves nothing and a
 * caller must handle size 0 explicitly.
 */
export function verifyConsistency (size1: TreeSize, size2: TreeSize, proof: readonly Uint8Array[] | null,
  root1: Uint8Array, root2: Uint8Array): boolean {
  const m = toU64(size1, 'size1')
  const n = toU64(size2, 'size2')
  const p = proof ?? []
  if (n < m) return false
  if (m === n) {
    if (p.length > 0 || !bytesEqual(root1, root2)) return false
    return m !== 0n || bytesEqual(root1, EMPTY_ROOT)
  }
  if (m === 0n || p.length === 0 || !isHashList(p)) return false
  const shift = trailingZeros(m)
  const { inner: fullInner, border } = decompose(m - 1n, n)
  const inner = fullInner - shift
  const seedIsRoot1 = m === (1n << BigInt(shift))
  const start = seedIsRoot1 ? 0 : 1
  if (p.length !== start + inner + border) return false
  const seed = seedIsRoot1 ? root1 : p[0] as Uint8Array
  const rest = p.slice(start)
  const mask = (m - 1n) >> BigInt(shift)
  const hash1 = chainBorderRight(chainInnerRight(seed, rest.slice(0, inner), mask), rest.slice(inner))
  if (!bytesEqual(hash1, root1)) return false
  const hash2 = chainBorderRight(chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner))
  return bytesEqual(hash2, root2)
}
