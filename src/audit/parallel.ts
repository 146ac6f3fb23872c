/**
 * Entry checks on several cores: a large bundle's signatures (one Ed25519 verification per party
 * per entry) dominate an offline audit, so the leaves go to the verification thread pool
 * (`verify/threads.ts`, the same pool that agreement appends and catalog sync use). The checks
 * themselves are the pure `checkLeafTexts`, run by run as `auditBundleStream` reads them, so the
 * result is the same as in one thread.
 */
import { availableParallelism } from 'node:os'
import type { ThreadPool } from '../verify/threads.js'
import { checkLeafTexts } from './entries.js'
import type { LeafTextsResult } from './entries.js'
import type { LeafRunChecker } from './bundle.js'

/** Below this many leaves, starting threads costs more than it saves. */
export const PARALLEL_THRESHOLD = 5_000
/**
 * Most worker threads: the pool's limit (`MAX_THREADS` of verify/threads.ts; a test checks they
 * agree). A literal, so that a small audit, checked in the calling thread, never loads the pool
 * (worker_threads, every task's modules): `fulcrum audit bundle` starts in about 2x `node -e 0`.
 */
export const MAX_WORKERS = 8

/** A {@link LeafRunChecker} on threads, and a way to stop them. */
export interface ParallelRunChecker {
  check: LeafRunChecker
  /** Stops the threads, once every run is checked (or to give up). Idempotent. */
  close: () => Promise<void>
}

/** Options of {@link parallelRunChecker}. */
export interface ParallelRunOptions {
  /** Threads (default: one per core, at most {@link MAX_WORKERS}); 1 checks in this thread. */
  workers?: number
  /**
   * Runs are checked in this thread until this many leaves have come (default
   * {@link PARALLEL_THRESHOLD}): a small bundle never starts the threads.
   */
  threshold?: number
  /** Start the threads now (a large file: they boot while its first runs are read). */
  startNow?: boolean
}

/**
 * A {@link LeafRunChecker} that hands each run of base64 leaves to a pool of threads: a thread
 * decodes, checks and hashes the run and returns its root (a node of the tree: runs are 2^k leaves
 * at multiples of 2^k), so this thread only reads the text and folds a few hundred roots.
 */
export function parallelRunChecker (options: ParallelRunOptions = {}): ParallelRunChecker {
  const workers = options.workers ?? Math.min(MAX_WORKERS, availableParallelism())
  const threshold = options.threshold ?? PARALLEL_THRESHOLD
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
  const check: LeafRunChecker = async (texts, offset, owner) => {
    if (pool === undefined && (workers < 2 || offset + texts.length < threshold)) return checkLeafTexts(texts, offset, owner)
    const p = await start()
    await p.warm() // else the pool would check the run in this thread until a thread is ready
    const [result] = await p.map('leafTexts', [{ texts, offset, owner }])
    return result as LeafTextsResult
  }
  // A pool that failed to load has nothing to stop (its error reached `check`'s caller).
  return { check, close: async () => { await pool?.then(async p => { await p.close() }, () => {}) } }
}
