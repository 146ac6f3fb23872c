/**
 * Planning the recovery of a damaged ledger (pure): which leaf goes at which index, from what
 * survived in the damaged store, an export (exact positions) and entries fetched from
 * counterparties (positions unknown: they fill the gaps in the order given), and whether the
 * result reproduces the root the node acknowledged. `fulcrum ledger recover` does the I/O.
 */
import { toHex } from '../encoding/base64.js'
import { Frontier, bytesEqual, leafHash } from '../ledger/index.js'

/** Where recovered leaves come from. */
export interface RecoverySources {
  /** The acknowledged size and root (`ledger.ack.json`), if known. */
  ack?: { size: number, root: Uint8Array }
  /** Leaves read from the damaged store, by index. */
  survivors: Map<number, Uint8Array>
  /** An export's leaves, in log order from index 0. */
  exported?: Uint8Array[]
  /** Leaves counterparties hold with this node as a party, in the order they gave them. */
  fetched: Uint8Array[]
}

/** The plan: the leaves in order, what is still missing, and whether the acknowledged root matches. */
export interface RecoveryPlan {
  leaves: Uint8Array[]
  /** Indexes below the target size that no source could fill. */
  missing: number[]
  /** Leaves by source. */
  counts: { survivors: number, exported: number, fetched: number }
  /** True if the first `ack.size` leaves hash to the acknowledged root (true when no ack is known). */
  rootMatches: boolean
}

const hex = toHex

/** Builds the plan (see module doc). A leaf present in several sources is placed once. */
export function planRecovery (s: RecoverySources): RecoveryPlan {
  const slots = new Map<number, Uint8Array>()
  const placed = new Set<string>()
  const counts = { survivors: 0, exported: 0, fetched: 0 }
  const place = (index: number, leaf: Uint8Array, source: keyof typeof counts): void => {
    const h = hex(leafHash(leaf))
    if (slots.has(index) || placed.has(h)) return
    slots.set(index, leaf)
    placed.add(h)
    counts[source]++
  }
  s.exported?.forEach((leaf, i) => { place(i, leaf, 'exported') })
  for (const [i, leaf] of [...s.survivors].sort((a, b) => a[0] - b[0])) place(i, leaf, 'survivors')
  const known = [...slots.keys()]
  let target = Math.max(s.ack?.size ?? 0, known.length === 0 ? 0 : Math.max(...known) + 1)
  let next = 0
  for (const leaf of s.fetched) {
    if (placed.has(hex(leafHash(leaf)))) continue
    while (slots.has(next)) next++
    place(next, leaf, 'fetched')
    target = Math.max(target, next + 1)
  }
  const leaves: Uint8Array[] = []
  const missing: number[] = []
  for (let i = 0; i < target; i++) {
    const leaf = slots.get(i)
    if (leaf === undefined) missing.push(i)
    else if (missing.length === 0) leaves.push(leaf)
  }
  let rootMatches = true
  if (s.ack !== undefined && missing.length === 0) {
    const f = new Frontier(0, [])
    for (const leaf of leaves.slice(0, s.ack.size)) f.append(leaf)
    rootMatches = bytesEqual(f.root(), s.ack.root)
  }
  return { leaves, missing, counts, rootMatches }
}
