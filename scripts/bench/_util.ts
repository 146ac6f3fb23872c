/** Small helpers shared by the benchmark suites. */
import { loadavg } from 'node:os'

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export async function opsPerSecond (fn: () => unknown, ms = 1000): Promise<number> {
  for (let i = 0; i < 100; i++) await fn()
  let n = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    for (let i = 0; i < 50; i++) await fn()
    n += 50
    now = process.hrtime.bigint()
  }
  return n / (Number(now - start) / 1e9)
}

/** The p-th percentile (0..100) of `values` (nearest rank). */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt (n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** A markdown table. */
export function table (head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

/** Resident set size in MiB. */
export function rssMiB (): number {
  return process.memoryUsage().rss / 2 ** 20
}

/** One goal of a suite: what is timed, its floor measured in the same run, and the verdict. */
export interface Goal {
  name: string
  /** The measured figure, formatted. */
  measured: string
  /** The floor (or baseline), formatted, with what it is. */
  floor: string
  /** measured / floor, in the goal's direction (time over time, or rate over rate). */
  ratio: number
  /** The bound on the ratio, e.g. `<= 1.25x` or `>= 0.8x`. */
  goal: string
  met: boolean
}

/** A goal whose ratio must be at most `max` (times, latencies, memory). */
export function atMost (name: string, measured: number, floor: number, max: number, show: (x: number) => string, floorWhat: string): Goal {
  const ratio = measured / floor
  return { name, measured: show(measured), floor: `${show(floor)} (${floorWhat})`, ratio, goal: `<= ${max}x`, met: ratio <= max }
}

/** A goal whose ratio must be at least `min` (rates). */
export function atLeast (name: string, measured: number, floor: number, min: number, show: (x: number) => string, floorWhat: string): Goal {
  const ratio = measured / floor
  return { name, measured: show(measured), floor: `${show(floor)} (${floorWhat})`, ratio, goal: `>= ${min}x`, met: ratio >= min }
}

/** The goals table of a suite. */
export function goalTable (goals: Goal[]): string {
  return table(['goal', 'measured', 'floor, same run', 'ratio', 'goal', 'met?'],
    goals.map(g => [g.name, g.measured, g.floor, `${g.ratio.toFixed(2)}x`, g.goal, g.met ? '**met**' : '**missed**']))
}

/** Load average now, for the conditions line of a suite. */
export function load (): string {
  return loadavg().map(l => l.toFixed(2)).join(', ')
}

/** Scale of the run: `BENCH_QUICK=1` divides sizes by 10 for development (never for BENCHMARKS.md). */
export const QUICK = process.env.BENCH_QUICK === '1'
export const scaled = (n: number): number => (QUICK ? Math.max(1, Math.round(n / 10)) : n)
