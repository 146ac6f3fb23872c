/**
 * Minimum-cost assignment of items to distinct providers (the Hungarian method, shortest
 * augmenting paths, O(n^2 m) for n items and m providers), used by the planner as an exact lower
 * bound when every item needs its own provider (protocols/order-v1.md §2.5). Exact bigint costs. Pure.
 */

/**
 * The least total cost of giving each row its own column, where `rows[r]` maps the columns row r
 * may take to their costs; undefined if no such assignment exists.
 */
export function minCostMatching (rows: ReadonlyArray<ReadonlyMap<string, bigint>>): bigint | undefined {
  const n = rows.length
  if (n === 0) return 0n
  const names = [...new Set(rows.flatMap(r => [...r.keys()]))]
  const m = names.length
  if (m < n) return undefined
  let finite = 1n
  for (const r of rows) for (const c of r.values()) finite += c
  /** Cost of a forbidden pair: more than any assignment of allowed pairs. */
  const forbidden = finite
  /** Larger than any reduced cost the method meets. */
  const infinity = forbidden * BigInt(4 * (n + 2))
  const a = rows.map(r => names.map(name => r.get(name) ?? forbidden))
  const u: bigint[] = new Array<bigint>(n + 1).fill(0n)
  const v: bigint[] = new Array<bigint>(m + 1).fill(0n)
  const p: number[] = new Array<number>(m + 1).fill(0)
  const way: number[] = new Array<number>(m + 1).fill(0)
  for (let i = 1; i <= n; i++) {
    p[0] = i
    let j0 = 0
    const minv: bigint[] = new Array<bigint>(m + 1).fill(infinity)
    const used: boolean[] = new Array<boolean>(m + 1).fill(false)
    do {
      used[j0] = true
      const i0 = p[j0] as number
      let delta = infinity
      let j1 = 0
      for (let j = 1; j <= m; j++) {
        if (used[j] === true) continue
        const cur = (a[i0 - 1]?.[j - 1] as bigint) - (u[i0] as bigint) - (v[j] as bigint)
        if (cur < (minv[j] as bigint)) { minv[j] = cur; way[j] = j0 }
        if ((minv[j] as bigint) < delta) { delta = minv[j] as bigint; j1 = j }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j] === true) { u[p[j] as number] = (u[p[j] as number] as bigint) + delta; v[j] = (v[j] as bigint) - delta } else minv[j] = (minv[j] as bigint) - delta
      }
      j0 = j1
    } while (p[j0] !== 0)
    do {
      const j1 = way[j0] as number
      p[j0] = p[j1] as number
      j0 = j1
    } while (j0 !== 0)
  }
  const cost = -(v[0] as bigint)
  return cost >= forbidden ? undefined : cost
}
