/**
 * CLI start-up: how long the commands that never touch the network (help, --version, init, id,
 * offer sign/verify, ledger sign, audit bundle/evidence) take as a whole process, against
 * `node -e 0` measured in the same run, interleaved (run 1 of every command, then run 2, ...), so
 * that load on the machine hits both alike. The goal (issue 7) is at most 2x `node -e 0`.
 *
 * Measures the built executable (`bin/fulcrum.js` over dist/: run `npm run build` first), or the
 * one named by FULCRUM_BENCH_BIN (to compare another build of the CLI).
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeCliFixtures, offlineCommands } from '../../test/helpers/cli-fixtures.js'
import { fmt, percentile, table } from './_util.js'

/** Runs of each command: enough for a stable median on a shared machine, in well under a minute. */
const RUNS = 10
/** Runs discarded first (disk cache, JIT of the loader). */
const WARM_UP = 1
/** Largest acceptable start-up time, as a multiple of `node -e 0`. */
const GOAL_RATIO = 2

const BIN = process.env.FULCRUM_BENCH_BIN ?? fileURLToPath(new URL('../../bin/fulcrum.js', import.meta.url))

/** Wall time of one process run, in ms; throws if it fails. */
function timeRun (args: string[]): number {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(r.status)}: ${r.stderr.toString()}`)
  return ms
}

export default async function cliSuite (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-cli-'))
  try {
    const fixtures = await makeCliFixtures(dir)
    let fresh = 0
    const commands = (): Record<string, string[]> => offlineCommands(fixtures, join(dir, `fresh-${fresh++}`))
    const names = Object.keys(commands())
    const times = new Map<string, number[]>([['node -e 0', []], ...names.map(n => [n, []] as [string, number[]])])
    for (let run = 0; run < WARM_UP + RUNS; run++) {
      const args = commands()
      const round: Array<[string, string[]]> = [['node -e 0', ['-e', '0']], ...names.map(n => [n, [BIN, ...(args[n] as string[])]] as [string, string[]])]
      for (const [name, argv] of round) {
        const ms = timeRun(argv)
        if (run >= WARM_UP) times.get(name)?.push(ms)
      }
    }
    const floor = percentile(times.get('node -e 0') as number[], 50)
    const rows = [...times].map(([name, t]) => {
      const median = percentile(t, 50)
      const ratio = median / floor
      const goal = name === 'node -e 0' ? 'floor' : `<= ${GOAL_RATIO}x: ${ratio <= GOAL_RATIO ? 'met' : 'missed'}`
      return [name === 'node -e 0' ? '`node -e 0`' : `\`fulcrum ${name}\``, fmt(median, 0), fmt(percentile(t, 90), 0), `${ratio.toFixed(2)}x`, goal]
    })
    const missed = rows.filter(r => String(r[4]).endsWith('missed')).length
    return [
      '## CLI start-up (commands that do not touch the network)',
      '',
      'Command: `npm run bench -- cli` (after `npm run build`). Each command runs as a new process of the built',
      `executable, ${RUNS} times after ${WARM_UP} warm-up runs, interleaved with \`node -e 0\` (the floor: Node starting and`,
      'exiting) so that machine load hits both alike; wall time from spawn to exit. Inputs are small (one offer, one',
      'two-party agreement in the bundle). Goal: at most 2x the floor. `test/e2e/cli-loading.test.ts` checks that none of',
      'these loads libp2p.',
      '',
      table(['command', 'median (ms)', 'p90 (ms)', 'vs `node -e 0`', 'goal'], rows),
      '',
      `${missed === 0 ? 'Every goal met.' : `${missed} goal(s) missed.`} Load average when the suite ended: ${loadavg().map(l => l.toFixed(2)).join(', ')}.`
    ].join('\n')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
