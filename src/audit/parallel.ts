/**
 * Entry checks on several cores: a large bundle's signatures (one Ed25519 verification per party
 * per entry) dominate an offline audit, so the leaves are split into one chunk per worker thread.
 * CPU only, no I/O; the checks themselves are the pure {@link auditEntries}.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { auditEntries } from './entries.js'
import type { EntriesResult } from './entries.js'
import type { EntriesChecker } from './bundle.js'

/** Below this many leaves, starting threads costs more than it saves. */
export const PARALLEL_THRESHOLD = 5_000
/** Most worker threads: beyond this, memory grows and the gain is small. */
export const MAX_WORKERS = 8

// Under tsx (tests, scripts) this module is a .ts file: so is its worker, which then registers
// tsx itself before loading it (loader flags are not inherited by worker threads on Node 20).
const fromSource = import.meta.url.endsWith('.ts')
const workerUrl = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url)

function startWorker (workerData: unknown): Worker {
  if (!fromSource) return new Worker(workerUrl, { workerData })
  const boot = `import('tsx/esm/api').then(m => { m.register(); return import(${JSON.stringify(workerUrl.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}

/**
 * An {@link EntriesChecker} that uses up to `workers` threads for inputs of at least `threshold`
 * leaves; with `workers` = 1 everything is checked in the calling thread.
 */
export function parallelEntriesChecker (workers = Math.min(MAX_WORKERS, availableParallelism()), threshold = PARALLEL_THRESHOLD): EntriesChecker {
  return async (leaves, offset, owner) => {
    if (workers < 2 || leaves.length < threshold) return auditEntries(leaves, offset, owner)
    const chunk = Math.ceil(leaves.length / workers)
    const parts: Array<Promise<EntriesResult>> = []
    for (let start = 0; start < leaves.length; start += chunk) {
      parts.push(runWorker(leaves.slice(start, start + chunk), offset + start, owner))
    }
    const results = await Promise.all(parts)
    return { findings: results.flatMap(r => r.findings), ids: results.flatMap(r => r.ids) }
  }
}

async function runWorker (leaves: Uint8Array[], offset: number, owner: string | undefined): Promise<EntriesResult> {
  const worker = startWorker({ leaves, offset, owner })
  try {
    return await new Promise<EntriesResult>((resolve, reject) => {
      worker.once('message', (r: EntriesResult) => { resolve(r) })
      worker.once('error', reject)
      worker.once('exit', code => { reject(new Error(`audit worker exited with code ${code}`)) })
    })
  } finally {
    await worker.terminate()
  }
}
