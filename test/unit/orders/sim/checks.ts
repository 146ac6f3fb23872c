/**
 * The simulator's invariants, checked after every run (protocols/order-v1.md §7):
 * - the same entry: no two different entries for one order anywhere, and every entry in a ledger is
 *   complete (every party's signature verifies over the body);
 * - all or nothing: every party of an order has the entry in its ledger, or none has (honest timing);
 *   when the timing assumption is broken, a partial outcome must be detectable: the customer holds
 *   the complete certificate and its record names each provider that lacks it;
 * - no overbooking: no provider ever reserves, nor commits in its ledger, more than its capacity;
 * - every hold ends: at the end no provider holds anything and every customer order is done;
 * - the chain (aggregator scenarios, §10): a parent order in the aggregator's ledger has exactly one
 *   committed sub-order serving it, a parent in nobody's ledger has none, and every sub-order is done.
 */
import { decodeEntry } from '../../../../src/ledger/index.js'
import { CustomerStatus, ProviderStatus, parseTerms, verifyCertificate } from '../../../../src/orders/index.js'
import type { CustomerRecord, Verifier } from '../../../../src/orders/index.js'
import { simVerifier } from './crypto.js'
import type { Outcome, Party } from './world.js'

/** Result of the checks of one run. */
export interface Verdict {
  violations: string[]
  /** Orders that ended with the entry at some parties only (only allowed when timing is broken). */
  partial: number
  committed: number
  aborted: number
}

export function check (o: Outcome, verifier: Verifier = simVerifier): Verdict {
  const v: Verdict = { violations: [...o.stepViolations], partial: 0, committed: 0, aborted: 0 }
  const byPeer = new Map<string, Party>(o.parties.map(p => [p.peerId, p]))
  for (const [order, body] of o.bodies) {
    const holders = body.parties.filter(peer => byPeer.get(peer)?.ledger.has(order) === true)
    const entries = new Set(holders.map(peer => Buffer.from(byPeer.get(peer)!.ledger.get(order)!).toString('hex')))
    if (entries.size > 1) v.violations.push(`${order}: ${entries.size} different entries`)
    for (const hex of entries) {
      try { verifyCertificate(decodeEntry(Buffer.from(hex, 'hex')), verifier) } catch (err) { v.violations.push(`${order}: a ledger holds an incomplete entry (${(err as { code?: string }).code ?? String(err)})`) }
    }
    if (holders.length === 0) { v.aborted++; continue }
    v.committed++
    if (holders.length === body.parties.length) continue
    const lacking = body.parties.filter(p => !holders.includes(p))
    if (o.scenario.mode === 'honest') v.violations.push(`${order}: all or nothing broken, ${lacking.length} of ${body.parties.length} parties lack the entry`)
    v.partial++
    const customer = byPeer.get(parseTerms(body).customer)!
    const rec = customer.durable.get(order) as CustomerRecord | undefined
    const named = rec?.status === CustomerStatus.Done ? new Set([...rec.unacknowledged, ...rec.refusals.map(r => r.provider)]) : new Set<string>()
    if (!customer.ledger.has(order) || lacking.some(p => !named.has(p))) {
      v.violations.push(`${order}: partial outcome not detectable: the customer ${customer.ledger.has(order) ? 'does not name every party lacking the entry' : 'lacks the entry'}`)
    }
  }
  checkChain(o, byPeer, v)
  for (const p of o.parties) {
    if (p.kind === 'provider') {
      for (const st of p.agg?.subs.values() ?? []) if (st.record.status !== CustomerStatus.Done) v.violations.push(`aggregator ${p.index} sub-order ${st.record.order} is ${st.record.status} at the end`)
      for (const rec of p.state.orders.values()) {
        if (rec.status === ProviderStatus.Held || rec.status === ProviderStatus.Pending) v.violations.push(`provider ${p.index} still ${rec.status} ${rec.order} at the end`)
      }
      let sold = 0
      for (const bytes of p.ledger.values()) {
        for (const item of parseTerms(decodeEntry(bytes).body).items) if (item.provider === p.peerId) sold += item.quantity
      }
      if (sold > p.offer.capacity) v.violations.push(`provider ${p.index} overbooked: ${sold} units committed, capacity ${p.offer.capacity}`)
    } else {
      for (const st of p.orders.values()) if (st.record.status !== CustomerStatus.Done) v.violations.push(`customer ${p.index} order ${st.record.order} is ${st.record.status} at the end`)
    }
  }
  return v
}

/** All or nothing along the chain customer -> aggregator -> parts (order-v1 §10.3). */
function checkChain (o: Outcome, byPeer: Map<string, Party>, v: Verdict): void {
  const subsOf = new Map<string, string[]>()
  for (const [id, body] of o.bodies) {
    const parent = parseTerms(body).parent
    if (parent === undefined) continue
    const committed = body.parties.some(peer => byPeer.get(peer)?.ledger.has(id) === true)
    if (committed) subsOf.set(parent.order, [...(subsOf.get(parent.order) ?? []), id])
  }
  const agg = o.parties.find(p => p.kind === 'provider' && p.agg !== undefined)
  if (agg === undefined) return
  for (const [id, body] of o.bodies) {
    if (parseTerms(body).parent !== undefined || !body.parties.includes(agg.peerId)) continue
    const parentHeld = agg.ledger.has(id)
    const subs = subsOf.get(id) ?? []
    if (parentHeld && subs.length !== 1) v.violations.push(`${id}: the aggregator committed the parent with ${subs.length} committed sub-orders`)
    if (!parentHeld && subs.length > 0) v.violations.push(`${id}: sub-order ${subs.join(', ')} committed for a parent the aggregator never committed`)
  }
}
