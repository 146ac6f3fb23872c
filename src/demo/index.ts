/**
 * The demo (`npm run demo`, `fulcrum demo`): a five-city federation on this machine, run as a
 * newcomer would run it. Five provider daemons are real `fulcrum start` processes on 127.0.0.1
 * under a {@link Supervisor}; the customer and the auditor are what they are in real life, light
 * clients with no daemon, here `fulcrum` commands run in this process. The data dirs are kept
 * between runs (a second run shows the stores surviving restarts, and the auditor checking that
 * each ledger only grew since its last visit).
 *
 * The supervisor owns every daemon: Ctrl-C or SIGTERM at any moment stops them all before the
 * demo exits (130 or 143), an unexpected exit kills them, and if this process is killed outright
 * each daemon stops by itself (`--exit-with-parent`).
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { Narrator } from './narrator.js'
import { Supervisor } from './supervisor.js'
import { CITIES, installedPath } from './federation.js'
import type { DemoContext } from './federation.js'
import { auditLedgers, crossCheck, failedOrder, placeOrder, planOrder, publishOffers, search, startProviders } from './steps.js'

export { MAX_COLUMNS, wrap } from './narrator.js'
export { Supervisor } from './supervisor.js'

/** The steps in order; the narrative numbers them, plus a last one (done, or keep running). */
export const STEPS = [startProviders, publishOffers, search, planOrder, placeOrder, failedOrder, auditLedgers, crossCheck] as const

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where the data dirs go (created if missing, kept afterwards). */
  dir: string
  /** Stop after the last step, rather than running until SIGINT or SIGTERM. */
  exit: boolean
  /** The narrative, one line at a time. */
  out: (line: string) => void
  /** Why the demo failed. */
  err: (line: string) => void
}

/** How the demo ended: 0 done, 1 a step failed, 130/143 interrupted by SIGINT/SIGTERM. */
export interface DemoOutcome { code: number, interrupted: boolean }

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 }

/** Runs the demo (see module doc); every daemon it started has exited when this resolves. */
export async function runDemo (options: DemoOptions): Promise<DemoOutcome> {
  const dir = resolve(options.dir)
  const bin = installedPath('bin/fulcrum.js')
  if (!existsSync(installedPath('dist/src/cli/main.js'))) throw new Error('dist/ is missing: run `npm install` (it builds the project) first')
  await mkdir(dir, { recursive: true })
  const supervisor = new Supervisor(bin)
  const n = new Narrator(options.out, STEPS.length + 1)
  const ctx: DemoContext = { dir, examples: installedPath('config/examples'), n, supervisor, nodes: new Map(), names: new Map(), customerDir: join(dir, 'customer') }
  let onSignal: (signal: NodeJS.Signals) => void = () => {}
  const signalled = new Promise<NodeJS.Signals>(resolve => { onSignal = resolve })
  const killNow = (): void => { supervisor.killAllNow() }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', killNow)
  let finished = false
  const work = (async () => {
    n.plain('Fulcrum demo: five providers, a customer and an auditor, all on 127.0.0.1')
    for (const step of STEPS) await step(ctx)
    finished = true
    await finale(ctx, options.exit)
  })()
  work.catch(() => {}) // raced below; an interrupted step may fail afterwards
  let outcome: DemoOutcome = { code: 0, interrupted: false }
  try {
    const first = await Promise.race([work.then(() => 'done' as const), signalled])
    if (first === 'done') {
      if (!options.exit) await signalled
    } else if (!finished) {
      n.plain('')
      n.plain(`Interrupted by ${first} at step ${n.current} of ${n.steps}.`)
      outcome = { code: SIGNAL_EXIT[first] ?? 1, interrupted: true }
    }
  } catch (err) {
    options.err(`demo failed: ${(err as Error).message}`)
    outcome = { code: 1, interrupted: false }
  } finally {
    const pids = supervisor.pids()
    if (pids.length > 0) n.plain(`Stopping the ${pids.length} daemon(s) the demo started (pids ${pids.join(', ')})...`)
    await supervisor.stopAll()
    n.plain('Every daemon has stopped.')
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', killNow)
  }
  return outcome
}

/** The last step: done (with --exit), or the federation keeps running with things to try. */
async function finale (ctx: DemoContext, exit: boolean): Promise<void> {
  const { n } = ctx
  if (exit) {
    n.step(`Done in ${n.elapsed()}: every step behaved as described.`)
    return
  }
  n.step(`Done in ${n.elapsed()}. The federation keeps running; try, in another terminal:`)
  const env = join(ctx.dir, 'peers.env')
  await writeFile(env, `export FULCRUM_PEERS=${[...ctx.nodes.values()].map(d => d.addr).join(',')}\n`)
  const here = (p: string): string => { const r = relative(process.cwd(), p); return r.startsWith('..') ? p : r }
  n.say(`. ${here(env)}     # the providers' addresses`)
  n.say('fulcrum search --type db.postgresql --cert secnumcloud')
  n.say(`fulcrum order list --data-dir ${here(ctx.customerDir)}`)
  n.say(`fulcrum ledger list --data-dir ${here(join(ctx.dir, CITIES[0]?.dir ?? 'milan'))}`)
  n.say(`fulcrum peers --data-dir ${here(join(ctx.dir, CITIES[1]?.dir ?? 'frankfurt'))}`)
  n.say('(fulcrum: node bin/fulcrum.js in the clone, or npm link.) Ctrl-C stops every node.', 4)
}
