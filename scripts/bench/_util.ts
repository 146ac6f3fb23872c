/** Small helpers shared by the benchmark suites. */

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
