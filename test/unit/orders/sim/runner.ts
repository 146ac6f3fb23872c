/**
 * Runs ranges of seeds and sums their verdicts; in this process ({@link runSeeds}) or split over
 * worker threads, one per core ({@link runSeedsParallel}), since each seed is independent.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { check } from './checks.js'
import type { Mutation } from './mutations.js'
import { scenario } from './scenario.js'
import type { Mode } from './scenario.js'
import { run } from './world.js'

export interface Totals { runs: number, committed: number, aborted: number, partial: number, events: number, failures: string[] }

/** The command that replays one seed. */
export function replayCommand (seed: number, mode: Mode, mutation?: Mutation): string {
  return `FULCRUM_SIM_SEED=${seed} FULCRUM_SIM_MODE=${mode}${mutation === undefined ? '' : ` FULCRUM_SIM_MUTATION=${mutation}`} npx mocha test/unit/orders/sim.test.ts`
}

/** Runs seeds `from .. from + count - 1`, stopping after `stopAfter` failing seeds. */
export function runSeeds (mode: Mode, from: number, count: number, mutation?: Mutation, stopAfter = 5): Totals {
  const t: Totals = { runs: 0, committed: 0, aborted: 0, partial: 0, events: 0, failures: [] }
  for (let seed = from; seed < from + count && t.failures.length < stopAfter; seed++) {
    const out = run(scenario(seed, mode), mutation)
    const v = check(out)
    t.runs++; t.committed += v.committed; t.aborted += v.aborted; t.partial += v.partial; t.events += out.events
    if (v.violations.length > 0) t.failures.push(`seed ${seed}: ${v.violations.slice(0, 3).join('; ')}\n  replay: ${replayCommand(seed, mode, mutation)}`)
  }
  return t
}

/** {@link runSeeds} split into contiguous ranges over up to `workers` threads. */
export async function runSeedsParallel (mode: Mode, from: number, count: number, workers = Math.min(2, availableParallelism())): Promise<Totals> {
  if (workers <= 1 || count < 500) return runSeeds(mode, from, count)
  const per = Math.ceil(count / workers)
  const parts = await Promise.all(Array.from({ length: workers }, async (_, i) => {
    const start = from + i * per
    const n = Math.min(per, from + count - start)
    const w = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { mode, from: start, count: n } })
    try {
      return await new Promise<Totals>((resolve, reject) => {
        w.once('message', resolve)
        w.once('error', reject)
        w.once('exit', code => { reject(new Error(`simulator worker exited with ${code}`)) })
      })
    } finally {
      await w.terminate()
    }
  }))
  return parts.reduce((a, b) => ({
    runs: a.runs + b.runs, committed: a.committed + b.committed, aborted: a.aborted + b.aborted, partial: a.partial + b.partial, events: a.events + b.events, failures: [...a.failures, ...b.failures]
  }))
}
