/**
 * Entry checks on several cores: a large bundle's signatures (one Ed25519 verification per party
 * per entry) dominate an offline audit, so the leaves go to the verification thread pool
 * (`verify/threads.ts`, the same pool that agreement appends and catalog sync use). The checks
 * themselves are the pure `checkEntry`, so the result is the same as {@link auditEntries}.
 */
import { availableParallelism } from 'node:os'
import { auditEntries } from './entries.js'
import type { EntriesResult } from './entries.js'
import type { EntriesChecker } from './bundle.js'
import type { Finding } from './errors.js'

/** Below this many leaves, starting threads costs more than it saves. */
export const PARALLEL_THRESHOLD = 5_000
/**
 * Most worker threads: the pool's limit (`MAX_THREADS` of verify/threads.ts; a test checks they
 * agree). A literal, so that a small audit, checked in the calling thread, never loads the pool
 * (worker_threads, every task's modules): `fulcrum audit bundle` starts in about 2x `node -e 0`.
 */
export const MAX_WORKERS = 8

/**
 * An {@link EntriesChecker} that uses a pool of `workers` threads for inputs of at least
 * `threshold` leaves; with `workers` = 1 everything is checked in the calling thread.
 */
export function parallelEntriesChecker (workers = Math.min(MAX_WORKERS, availableParallelism()), threshold = PARALLEL_THRESHOLD): EntriesChecker {
  return async (leaves, offset, owner) => {
    if (workers < 2 || leaves.length < threshold) return auditEntries(leaves, offset, owner)
    const { threadPool } = await import('../verify/threads.js')
    const pool = threadPool(workers)
    try {
      await pool.warm()
      const results = await pool.map('entry', leaves.map((leaf, i) => ({ leaf, index: offset + i, owner })))
      const findings: Finding[] = []
      for (const r of results) if (r.finding !== undefined) findings.push(r.finding)
      return { findings, ids: results.map(r => r.id) } satisfies EntriesResult
    } finally {
      await pool.close()
    }
  }
}
