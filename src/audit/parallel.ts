/**
 * Entry checks on several cores: a large bundle's signatures (one Ed25519 verification per party
 * per entry) dominate an offline audit, so the leaves go to the verification thread pool
 * (`verify/threads.ts`, the same pool that agreement appends and catalog sync use). The checks
 * themselves are the pure `checkLeafTexts`, so the result is the same as in one thread.
 */
import { availableParallelism } from 'node:os'
import type { ThreadPool } from '../verify/threads.js'
import { checkLeafTexts } from './entries.js'
import type { LeafTextsResult } from './entries.js'
import type { LeafTextsChecker } from './bundle.js'
import type { Finding } from './errors.js'
import { rootFromLeafHashes } from '../ledger/index.js'

/** Below this many leaves, starting threads costs more than it saves. */
export const PARALLEL_THRESHOLD = 5_000
/**
 * Most worker threads: the pool's limit (`MAX_THREADS` of verify/threads.ts; a test checks they
 * agree). A literal, so that a small audit, checked in the calling thread, never loads the pool
 * (worker_threads, every task's modules): `fulcrum audit bundle` starts in about 2x `node -e 0`.
 */
export const MAX_WORKERS = 8
/**
 * Leaves per work item of a text audit: large enough that messages cost nothing next to the
 * signatures (one item is ~0.7 MB of text), small enough that the threads finish together.
 */
export const LEAVES_PER_ITEM = 1024

/** A {@link LeafTextsChecker} on threads, and a way to stop them if it is never called. */
export interface ParallelTextsChecker {
  check: LeafTextsChecker
  /** Stops the threads (after `check`, they are stopped already). Idempotent. */
  close: () => Promise<void>
}

/** Options of {@link parallelTextsChecker}. */
export interface ParallelTextsOptions {
  /** Threads (default: one per core, at most {@link MAX_WORKERS}); 1 checks in this thread. */
  workers?: number
  /** Fewer leaves than this are checked in this thread (default {@link PARALLEL_THRESHOLD}). */
  threshold?: number
  /** Start the threads now, so that they boot while the caller still reads and parses the bundle. */
  startNow?: boolean
  /** Leaves per work item, a power of two (default {@link LEAVES_PER_ITEM}; tests use small ones). */
  leavesPerItem?: number
}

/**
 * A {@link LeafTextsChecker} that hands runs of `leavesPerItem` base64 leaves to a pool of threads:
 * each thread decodes, checks and hashes its runs and returns their roots (nodes of the tree,
 * since runs are 2^k leaves at multiples of 2^k), so this thread only folds a few hundred roots.
 */
export function parallelTextsChecker (options: ParallelTextsOptions = {}): ParallelTextsChecker {
  const workers = options.workers ?? Math.min(MAX_WORKERS, availableParallelism())
  const threshold = options.threshold ?? PARALLEL_THRESHOLD
  const perItem = options.leavesPerItem ?? LEAVES_PER_ITEM
  if (!Number.isSafeInteger(perItem) || perItem < 1 || (perItem & (perItem - 1)) !== 0) throw new RangeError('leavesPerItem must be a power of two')
  // The pool module is loaded on first use only (see MAX_WORKERS).
  let pool: Promise<ThreadPool> | undefined
  const start = async (): Promise<ThreadPool> => {
    pool ??= import('../verify/threads.js').then(({ threadPool }) => {
      const p = threadPool(workers, 0)
      p.warm().catch(() => {}) // a failure to start shows in map()
      return p
    })
    return await pool
  }
  if (options.startNow === true && workers >= 2) start().catch(() => {})
  const close = async (): Promise<void> => { if (pool !== undefined) await (await pool).close() }
  const check: LeafTextsChecker = async (texts, owner) => {
    if (workers < 2 || texts.length < threshold) {
      await close()
      return checkLeafTexts(texts, 0, owner)
    }
    const p = await start()
    try {
      await p.warm() // else the pool would check everything in this thread until a thread is ready
      const items = []
      for (let offset = 0; offset < texts.length; offset += perItem) items.push({ texts: texts.slice(offset, offset + perItem), offset, owner })
      return joinTexts(await p.map('leafTexts', items))
    } finally {
      await close()
    }
  }
  return { check, close }
}

/** Joins the items' results in order (the first leaf that is not base64 ends it, as in one thread). */
function joinTexts (parts: LeafTextsResult[]): LeafTextsResult {
  const findings: Finding[] = []
  const ids: string[] = []
  for (const part of parts) {
    if (part.notBase64 !== undefined) return { findings: [], ids: [], root: new Uint8Array(0), notBase64: part.notBase64 }
    for (const f of part.findings) findings.push(f)
    for (const id of part.ids) ids.push(id)
  }
  return { findings, ids, root: rootFromLeafHashes(parts.map(p => p.root)) }
}
