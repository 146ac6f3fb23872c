/**
 * The node's {@link VerifyPool} on worker threads (node only; the interface is in `pool.ts`).
 *
 * Items of all callers go into one queue per task; an idle thread takes the next batch of up to
 * {@link MAX_BATCH} items of one task, so that many small calls (one agreement's two signatures,
 * one sync page) share a message and a thread never waits for a large call to finish before
 * starting on a small one. Each thread also holds a second batch ({@link BATCHES_PER_THREAD}), so
 * that it goes on verifying while the calling thread is busy. Threads do not keep the process
 * alive when idle.
 *
 * Threads start once {@link START_AFTER_ITEMS} items have been asked for (a node that verifies a
 * handful of records never pays for them), and until one is ready, work runs in the calling
 * thread: nobody waits for a thread to boot.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { VerifyPool } from './pool.js'
import { runTask } from './tasks.js'
import type { ItemOf, ResultOf, TaskName } from './tasks.js'

/**
 * Most items in one message to a thread: large enough to amortise the message (a few hundred
 * microseconds of work per message at the least), small enough that results flow back while the
 * group commit writes (with 512 appends in flight, 256 per message handed each thread half the
 * queue at once, so verification and commit tended to alternate rather than overlap).
 */
export const MAX_BATCH = 64
/**
 * Batches handed to one thread before it answers: with two, a thread starts on its next batch as
 * soon as it posts a result, instead of idling until the calling thread (busy with a group commit,
 * say) reads that result and sends more; a thread sat idle for a fifth of an append benchmark.
 */
export const BATCHES_PER_THREAD = 2
/** Most threads: beyond this the gain is small and each thread costs memory. */
export const MAX_THREADS = 8
/** Threads that may die (and be replaced) before the pool gives up on them. */
const MAX_DEATHS = 16
/** Items verified in the calling thread before the threads are started. */
export const START_AFTER_ITEMS = 64
/**
 * Until a thread is ready, items run in the calling thread this many at a time, with a turn of the
 * event loop between: a 200-record sync page checked in one go stalled the node for 60 ms and more.
 */
export const INLINE_CHUNK = 32

/** The thread pool: a {@link VerifyPool} that can also be started ahead of use. */
export interface ThreadPool extends VerifyPool {
  /** Starts the threads now and resolves when all are ready (large jobs, benchmarks, tests). */
  warm: () => Promise<void>
}

// Under tsx (tests, scripts) this module is a .ts file: so is its worker, which then registers
// tsx itself before loading it (loader flags are not inherited by worker threads on Node 20).
const fromSource = import.meta.url.endsWith('.ts')
const workerUrl = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url)

function startWorker (): Worker {
  if (!fromSource) return new Worker(workerUrl)
  const boot = `import('tsx/esm/api').then(m => { m.register(); return import(${JSON.stringify(workerUrl.href)}) })`
  return new Worker(boot, { eval: true })
}

interface Call { results: unknown[], left: number, resolve: (r: unknown[]) => void, reject: (e: unknown) => void, failed: boolean }
/** One queued item: result `index` of `call` (no closures per item: appends queue one item each). */
interface Pending { task: TaskName, item: unknown, call: Call, index: number }

function settleItem (p: Pending, result: unknown): void {
  const c = p.call
  c.results[p.index] = result
  if (--c.left === 0 && !c.failed) c.resolve(c.results)
}

function failItem (p: Pending, err: unknown): void {
  const c = p.call
  if (!c.failed) { c.failed = true; c.reject(err) }
}
/** A thread and its batches in flight, oldest first (a thread answers them in order). */
interface Thread { worker: Worker, busy: Array<{ id: number, batch: Pending[] }>, ready: boolean }

/** A pool of `threads` worker threads (default: one per core, at most {@link MAX_THREADS}). */
export function threadPool (threads = Math.min(MAX_THREADS, availableParallelism()), startAfterItems = START_AFTER_ITEMS): ThreadPool {
  const queues = new Map<TaskName, Pending[]>()
  const pool: Thread[] = []
  let nextId = 0
  let closed = false
  let inlineItems = 0
  let deaths = 0
  const readyWaiters: Array<{ resolve: () => void, reject: (e: unknown) => void }> = []

  const fail = (batch: Pending[], err: unknown): void => { for (const p of batch) failItem(p, err) }

  const spawn = (): Thread => {
    const t: Thread = { worker: startWorker(), busy: [], ready: false }
    t.worker.unref()
    t.worker.on('message', (msg: { id: number, results?: unknown[], error?: string, ready?: boolean }) => {
      if (msg.ready === true) {
        t.ready = true
        if (pool.every(x => x.ready)) for (const w of readyWaiters.splice(0)) w.resolve()
        dispatch()
        return
      }
      // Anything else that is not the answer to this thread's batch (a loader's message) is ignored.
      if (typeof msg.id !== 'number' || t.busy[0]?.id !== msg.id) return
      const { batch } = t.busy.shift() as { batch: Pending[] }
      if (t.busy.length === 0) t.worker.unref()
      // Hand the thread more work before resolving this batch's callers (which may run a while).
      dispatch()
      if (msg.results === undefined) fail(batch, new Error(`verification thread failed: ${msg.error ?? 'unknown'}`))
      else for (let i = 0; i < batch.length; i++) settleItem(batch[i] as Pending, msg.results[i])
    })
    const die = (err: unknown): void => {
      const i = pool.indexOf(t)
      if (i < 0) return
      pool.splice(i, 1)
      for (const b of t.busy.splice(0)) fail(b.batch, err)
      if (closed) return
      // Replace the thread, unless threads keep dying (a broken install): then fail what waits.
      if (++deaths <= MAX_DEATHS) { startAll(); return }
      for (const queue of queues.values()) fail(queue.splice(0), err)
      for (const w of readyWaiters.splice(0)) w.reject(err)
    }
    t.worker.on('error', die)
    t.worker.on('exit', code => { die(new Error(`verification thread exited with code ${code}`)) })
    pool.push(t)
    return t
  }

  const take = (): { task: TaskName, batch: Pending[] } | undefined => {
    for (const [task, queue] of queues) {
      if (queue.length === 0) continue
      // Share a large backlog between every batch a thread may hold rather than giving it all to the
      // first ones: with a share per thread, the first thread took half, then half of the rest as its
      // second batch (an audit's 98 runs went 61 / 37, and the audit waited for the slower thread).
      const size = Math.max(1, Math.min(MAX_BATCH, Math.ceil(queue.length / (threads * BATCHES_PER_THREAD))))
      return { task, batch: queue.splice(0, size) }
    }
    return undefined
  }

  const startAll = (): void => { while (pool.length < threads) spawn() }

  const dispatch = (): void => {
    if (closed) return
    // Idle threads first, then a second batch to each busy one.
    for (let depth = 0; depth < BATCHES_PER_THREAD; depth++) {
      for (const t of pool) {
        if (!t.ready || t.busy.length !== depth) continue
        const next = take()
        if (next === undefined) return
        const id = nextId++
        try {
          // Copying fails for an item the structured clone cannot take (too deep): its batch fails, not the pool.
          t.worker.postMessage({ id, task: next.task, items: next.batch.map(p => p.item) })
        } catch (err) {
          fail(next.batch, err)
          continue
        }
        t.busy.push({ id, batch: next.batch })
        t.worker.ref()
      }
    }
  }

  return {
    threads,
    map: async <K extends TaskName>(task: K, items: ReadonlyArray<ItemOf<K>>): Promise<Array<ResultOf<K>>> => {
      if (closed) throw new Error('verification pool is closed')
      if (items.length === 0) return []
      if (!pool.some(t => t.ready)) {
        inlineItems += items.length
        if (pool.length === 0 && inlineItems >= startAfterItems) startAll()
        if (items.length <= INLINE_CHUNK) return runTask(task, items)
        const out: Array<ResultOf<K>> = []
        for (let i = 0; i < items.length; i += INLINE_CHUNK) {
          if (i > 0) await new Promise(resolve => setImmediate(resolve))
          out.push(...runTask(task, items.slice(i, i + INLINE_CHUNK)))
        }
        return out
      }
      const call = await new Promise<unknown[]>((resolve, reject) => {
        const c: Call = { results: new Array(items.length), left: items.length, resolve, reject, failed: false }
        let queue = queues.get(task)
        if (queue === undefined) queues.set(task, queue = [])
        for (let index = 0; index < items.length; index++) queue.push({ task, item: items[index], call: c, index })
        dispatch()
      })
      return call as Array<ResultOf<K>>
    },
    warm: async () => {
      if (closed) throw new Error('verification pool is closed')
      startAll()
      if (pool.every(t => t.ready)) return
      await new Promise<void>((resolve, reject) => readyWaiters.push({ resolve, reject }))
    },
    close: async () => {
      if (closed) return
      closed = true
      const err = new Error('verification pool closed')
      for (const queue of queues.values()) fail(queue.splice(0), err)
      for (const w of readyWaiters.splice(0)) w.reject(err)
      await Promise.all(pool.splice(0).map(async t => {
        for (const b of t.busy.splice(0)) fail(b.batch, err)
        t.worker.removeAllListeners('exit')
        await t.worker.terminate()
      }))
    }
  }
}

let shared: { pool: ThreadPool, users: number } | undefined

/**
 * The process's shared thread pool: every node in a process (tests, benchmarks, colocated
 * nodes) verifies on the same threads, one per core, instead of each starting its own. Call the
 * returned `release` once when done; the threads stop when the last user releases.
 */
export function acquireSharedPool (): { pool: ThreadPool, release: () => Promise<void> } {
  shared ??= { pool: threadPool(), users: 0 }
  const entry = shared
  entry.users++
  let released = false
  return {
    pool: entry.pool,
    release: async () => {
      if (released) return
      released = true
      if (--entry.users > 0) return
      if (shared === entry) shared = undefined
      await entry.pool.close()
    }
  }
}
