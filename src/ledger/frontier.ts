/**
 * The in-memory right edge of the tree (the "frontier"): for each level, the hash of a complete
 * left subtree still waiting for its right sibling. Appending a leaf yields the subtree hashes
 * it completes (to be stored), and the frontier alone gives the current root. Pure: the durable
 * log (`log/`) and the light auditor (`ledger-protocol/auditor.ts`) share it, and the auditor
 * must not load LevelDB.
 */
import { EMPTY_ROOT, leafHash, nodeHash } from './hash.js'

/** A stored subtree hash produced by an append. */
export interface NewNode { level: number, index: number, hash: Uint8Array }

/** Frontier of a tree: `pending[level]` is set where bit `level` of the size is 1. */
export class Frontier {
  constructor (public size: number, private readonly pending: Array<Uint8Array | undefined>) {}

  /** The levels (and subtree indexes) the frontier of a tree of `size` leaves consists of. */
  static slots (size: number): Array<{ level: number, index: number }> {
    const out: Array<{ level: number, index: number }> = []
    for (let level = 0, width = 1; width <= size; level++, width *= 2) {
      const count = Math.floor(size / width)
      if (count % 2 === 1) out.push({ level, index: count - 1 })
    }
    return out
  }

  /** The pending hashes by level (a copy), to persist a verified frontier (e.g. an auditor's state). */
  levels (): Array<Uint8Array | undefined> {
    return this.pending.slice()
  }

  /** A copy, to be changed speculatively and kept only once its batch is durable. */
  clone (): Frontier {
    return new Frontier(this.size, this.pending.slice())
  }

  /** Adds a leaf; returns the subtree hashes it completes, level 0 (its leaf hash) first. */
  append (leaf: Uint8Array): NewNode[] {
    return this.appendHash(leafHash(leaf))
  }

  /** {@link append} for a leaf whose leaf hash the caller already has (no second hashing). */
  appendHash (hash: Uint8Array): NewNode[] {
    const index = this.size
    let h = hash
    const out: NewNode[] = [{ level: 0, index, hash: h }]
    let level = 0
    let idx = index
    while (idx % 2 === 1) {
      const left = this.pending[level]
      if (left === undefined) throw new Error('frontier is missing a left sibling')
      this.pending[level] = undefined
      h = nodeHash(left, h)
      level++
      idx = (idx - 1) / 2
      out.push({ level, index: idx, hash: h })
    }
    this.pending[level] = h
    this.size++
    return out
  }

  /** The root hash of the tree. */
  root (): Uint8Array {
    let h: Uint8Array | undefined
    for (const p of this.pending) {
      if (p === undefined) continue
      h = h === undefined ? p : nodeHash(p, h)
    }
    return h ?? EMPTY_ROOT
  }
}
