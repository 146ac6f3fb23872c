/**
 * Proof generation, split into a pure plan and a fetch: the plan says which subtrees
 * (ranges of leaves) a proof is made of (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF),
 * and {@link buildProof} hashes them from stored perfect subtrees. A store that keeps the hash
 * of every complete perfect subtree can then serve any proof in O(log n) reads.
 *
 * Sizes here are `number`s (safe integers: 2^53 leaves is beyond any log this node keeps) and
 * are handled with arithmetic, never with 32-bit bit operations.
 */
import { FulcrumError } from '../errors/index.js'
import { LedgerError } from './errors.js'
import { nodeHash } from './hash.js'

/** The leaves `[start, end)` of a tree, whose Merkle Tree Hash is one proof element. */
export interface LeafRange { start: number, end: number }

/** A perfect subtree: `2^level` leaves starting at leaf `index * 2^level`. */
export interface SubtreeId { level: number, index: number }

/** Reads the hash of a complete perfect subtree (level 0 = leaf hashes). */
export type NodeReader = (ids: SubtreeId[]) => Promise<Uint8Array[]>

function assertSafe (n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new FulcrumError(LedgerError.BAD_ARGUMENT, `${what} must be a non-negative safe integer`)
}

/** The largest power of two strictly below `n` (n >= 2). */
export function largestPowerOfTwoBelow (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** The ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size` (RFC 9162 §2.1.3.1). */
export function inclusionProofRanges (index: number, size: number): LeafRange[] {
  assertSafe(index, 'index')
  assertSafe(size, 'size')
  if (index >= size) throw new FulcrumError(LedgerError.BAD_ARGUMENT, `index ${index} is not below tree size ${size}`)
  const out: LeafRange[] = []
  let start = 0
  let end = size
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start)
    if (index - start < k) {
      out.push({ start: start + k, end })
      end = start + k
    } else {
      out.push({ start, end: start + k })
      start += k
    }
  }
  return out.reverse()
}

/** The ranges whose hashes form the consistency proof from `size1` to `size2` (RFC 9162 §2.1.4.1). */
export function consistencyProofRanges (size1: number, size2: number): LeafRange[] {
  assertSafe(size1, 'size1')
  assertSafe(size2, 'size2')
  if (size1 > size2) throw new FulcrumError(LedgerError.BAD_ARGUMENT, `size1 ${size1} is above size2 ${size2}`)
  if (size1 === 0 || size1 === size2) return []
  const siblings: LeafRange[] = []
  let start = 0
  let end = size2
  let m = size1
  let whole = true
  while (m !== end - start) {
    const k = largestPowerOfTwoBelow(end - start)
    if (m <= k) {
      siblings.push({ start: start + k, end })
      end = start + k
    } else {
      siblings.push({ start, end: start + k })
      start += k
      m -= k
      whole = false
    }
  }
  const head = whole ? [] : [{ start, end }]
  return [...head, ...siblings.reverse()]
}

/** The perfect subtrees that make up a range (largest first), as found in a left-aligned tree. */
export function perfectSubtrees (range: LeafRange): SubtreeId[] {
  const out: SubtreeId[] = []
  let start = range.start
  while (start < range.end) {
    let size = 1
    let level = 0
    while (size * 2 <= range.end - start && start % (size * 2) === 0) { size *= 2; level++ }
    out.push({ level, index: start / size })
    start += size
  }
  return out
}

/** Hashes the perfect subtrees of a range into its Merkle Tree Hash (folding from the right). */
export function foldSubtrees (hashes: readonly Uint8Array[]): Uint8Array {
  let h = hashes[hashes.length - 1]
  if (h === undefined) throw new FulcrumError(LedgerError.BAD_ARGUMENT, 'empty range')
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i] as Uint8Array, h)
  return h
}

/** Builds proof hashes for `ranges` with one batched read of their perfect subtrees. */
export async function buildProof (ranges: readonly LeafRange[], read: NodeReader): Promise<Uint8Array[]> {
  const parts = ranges.map(perfectSubtrees)
  const hashes = await read(parts.flat())
  if (hashes.length !== parts.reduce((n, p) => n + p.length, 0)) throw new Error('NodeReader returned the wrong number of hashes')
  const out: Uint8Array[] = []
  let at = 0
  for (const p of parts) {
    out.push(foldSubtrees(hashes.slice(at, at + p.length)))
    at += p.length
  }
  return out
}

/** The perfect subtrees whose fold is the root of a tree of `size` leaves (size > 0). */
export function rootSubtrees (size: number): SubtreeId[] {
  return perfectSubtrees({ start: 0, end: size })
}

/**
 * An in-memory {@link NodeReader} over a list of leaf hashes (tests, exports, light clients):
 * each subtree is hashed from its leaves.
 */
export function memoryNodeReader (leafHashes: readonly Uint8Array[]): NodeReader {
  const hashOf = (level: number, index: number): Uint8Array => {
    if (level === 0) {
      const h = leafHashes[index]
      if (h === undefined) throw new FulcrumError(LedgerError.BAD_ARGUMENT, `no leaf ${index}`)
      return h
    }
    return nodeHash(hashOf(level - 1, index * 2), hashOf(level - 1, index * 2 + 1))
  }
  return async (ids) => ids.map(({ level, index }) => hashOf(level, index))
}
