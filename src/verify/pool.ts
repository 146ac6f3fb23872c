/**
 * One verification pool for the whole node: agreement appends, catalog sync and audits hand it
 * signatures, offer records or ledger entries and get per-item results back, in order. Pure
 * interface; {@link inlinePool} runs everything in the calling thread (portable: browsers, light
 * clients, small inputs), `threadPool` in `verify/threads.ts` uses node:worker_threads on every core.
 */
import { runTask } from './tasks.js'
import type { ItemOf, ResultOf, TaskName } from './tasks.js'

/** Runs verification tasks; `map` resolves with one result per item, in the items' order. */
export interface VerifyPool {
  /** How many threads verify at once (1 for the inline pool). */
  readonly threads: number
  map: <K extends TaskName>(task: K, items: ReadonlyArray<ItemOf<K>>) => Promise<Array<ResultOf<K>>>
  /** Stops the threads; items in flight are rejected. Idempotent. */
  close: () => Promise<void>
}

/** A pool that verifies in the calling thread. */
export function inlinePool (): VerifyPool {
  return {
    threads: 1,
    map: async (task, items) => runTask(task, items),
    close: async () => {}
  }
}
