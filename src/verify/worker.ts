/** A thread of `threadPool`: runs batches of one task and posts the results back. */
import { parentPort } from 'node:worker_threads'
import { runTask } from './tasks.js'
import type { TaskName } from './tasks.js'

parentPort?.on('message', (msg: { id: number, task: TaskName, items: unknown[] }) => {
  try {
    parentPort?.postMessage({ id: msg.id, results: runTask(msg.task, msg.items as never) })
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, error: (err as Error).stack ?? String(err) })
  }
})
parentPort?.postMessage({ ready: true })
