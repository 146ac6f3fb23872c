/**
 * How commands print tables and times, so that every command looks the same: a header row, columns
 * two spaces apart, at most {@link MAX_TABLE_WIDTH} columns (the widest cells are cut with `…`
 * unless `--wide`), peer ids shortened to their first 8 and last 6 characters unless `--wide`, and
 * every time as ISO 8601 UTC to the second (`2026-12-02T10:00:00Z`).
 */

/** A table fits a 100-column terminal (or a log viewer) without wrapping. */
export const MAX_TABLE_WIDTH = 100

/** Spaces between columns. */
const GAP = 2

/** A cell never shrinks below this many characters (a header or a short id stays readable). */
const MIN_CELL = 8

/** `12D3KooW…A7aWCd`, or the whole id with `wide`. */
export function peerCell (peerId: string, wide = false): string {
  return wide || peerId.length <= 16 ? peerId : `${peerId.slice(0, 8)}…${peerId.slice(-6)}`
}

/** A time (unix ms) as ISO 8601 UTC to the second. */
export function formatTime (ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * `head` and `rows` as aligned lines. Unless `wide`, the widest of the `flexible` columns (default:
 * all; ids, prices and times are better left whole) loses characters, its cells ending with `…`,
 * until the table fits {@link MAX_TABLE_WIDTH}.
 */
export function renderTable (head: string[], rows: string[][], wide = false, flexible: number[] = head.map((_, i) => i)): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1)
  while (!wide && flexible.length > 0 && total() > MAX_TABLE_WIDTH) {
    const widest = flexible.reduce((best, i) => (widths[i] ?? 0) > (widths[best] ?? 0) ? i : best, flexible[0] ?? 0)
    if ((widths[widest] ?? 0) <= MIN_CELL) break
    widths[widest] = (widths[widest] ?? 0) - 1
  }
  const cut = (c: string, w: number): string => c.length <= w ? c : `${c.slice(0, Math.max(0, w - 1))}…`
  const line = (cells: string[]): string => cells.map((c, i) => cut(c, widths[i] ?? 0).padEnd(widths[i] ?? 0)).join(' '.repeat(GAP)).trimEnd()
  return [line(head), ...rows.map(line)]
}
