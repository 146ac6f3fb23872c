/**
 * RFC 6962 §2.1 / RFC 9162 §2.1.1 hashing: SHA-256 with domain separation between leaves
 * (prefix 0x00) and interior nodes (prefix 0x01), so that a leaf can never pass for a node.
 */
import { sha256Parts } from '#platform/crypto'

/** Length in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32

const LEAF_PREFIX = Uint8Array.of(0x00)
const NODE_PREFIX = Uint8Array.of(0x01)

/** SHA-256 of the parts, by the platform's implementation (node:crypto on Node, @noble/hashes in a browser). */
const digest = sha256Parts

/** The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = digest([])

/** The hash of a leaf: SHA-256(0x00 || leaf). */
export function leafHash (leaf: Uint8Array): Uint8Array {
  return digest([LEAF_PREFIX, leaf])
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function nodeHash (left: Uint8Array, right: Uint8Array): Uint8Array {
  return digest([NODE_PREFIX, left, right])
}

/** SHA-256 of arbitrary bytes (entry body hashes, key ids). */
export function sha256 (bytes: Uint8Array): Uint8Array {
  return digest([bytes])
}

/** True if two byte strings are equal (lengths included). Not constant-time: hashes are public. */
export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The Merkle Tree Hash of a list of leaf hashes (RFC 9162 §2.1.1), computed level by level:
 * adjacent pairs are hashed and an odd last node is carried up unchanged, which gives the
 * same tree as the RFC's split at the largest power of two below n.
 */
export function rootFromLeafHashes (hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT
  let level = hashes.slice()
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array))
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array)
    level = next
  }
  return level[0] as Uint8Array
}

/** The Merkle Tree Hash of a list of leaves (RFC 9162 §2.1.1). */
export function merkleRoot (leaves: readonly Uint8Array[]): Uint8Array {
  return rootFromLeafHashes(leaves.map(leafHash))
}
