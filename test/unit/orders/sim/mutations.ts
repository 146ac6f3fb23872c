/**
 * Deliberate protocol bugs, to show that the simulator's checks catch them (a checker that never
 * fails proves nothing). Each wraps the real machines from outside; none is reachable from src/.
 */
import { encodeEntry } from '../../../../src/ledger/index.js'
import { CustomerStatus, ProviderStatus, customerStep, signMessage, toCustomerCommitted } from '../../../../src/orders/index.js'
import type { CustomerState, CustomerStep, HeldOrder, OrderMessage, ProviderOrder, ProviderState } from '../../../../src/orders/index.js'
import type { CustomerParty, ProviderParty } from './world.js'

export type Mutation =
  /** A provider accepts a certificate after its hold expired (and its capacity was freed). */
  | 'provider-commits-after-expiry'
  /** The customer commits as soon as one provider held: a certificate lacking signatures. */
  | 'customer-commits-partial'
  /** A provider answers `held` without writing the hold durably: a crash makes it forget. */
  | 'provider-holds-without-persisting'
  /** An aggregator never commits the sub-order when the parent commits (sim/aggregator.ts). */
  | 'aggregator-skips-sub-commit'
  /** An aggregator signs the parent's hold as soon as it asked the parts, before they held (sim/aggregator.ts). */
  | 'aggregator-holds-before-parts'
export const MUTATIONS: readonly Mutation[] = [
  'provider-commits-after-expiry', 'customer-commits-partial', 'provider-holds-without-persisting', 'aggregator-skips-sub-commit', 'aggregator-holds-before-parts'
]

const shadows = new WeakMap<ProviderParty, Map<string, HeldOrder>>()

/** The state the (mutated) provider handles `m` in. */
export function mutateProvider (mutation: Mutation | undefined, p: ProviderParty, m: OrderMessage, now: number): ProviderState {
  if (mutation !== 'provider-commits-after-expiry') return p.state
  const shadow = shadows.get(p) ?? new Map<string, HeldOrder>()
  const rec = p.state.orders.get(m.body.order)
  const held = shadow.get(m.body.order)
  const carriesCertificate = m.kind === 'commit' || (m.kind === 'status' && m.body.entry !== undefined)
  if (!carriesCertificate || held === undefined || (rec !== undefined && rec.status !== ProviderStatus.Expired)) return p.state
  return { ...p.state, orders: new Map(p.state.orders).set(held.order, { ...held, expiresAt: now + 1 }) }
}

/** The (mutated) customer's step for `m`, or undefined to run the real one. */
export function mutateCustomer (mutation: Mutation | undefined, p: CustomerParty, st: CustomerState, m: OrderMessage, now: number): CustomerStep | undefined {
  if (mutation !== 'customer-commits-partial' || m.kind !== 'held') return undefined
  const normal = customerStep(p.ctx, st, { type: 'message', message: m }, now)
  if (normal.state.record.status !== CustomerStatus.Holding) return normal
  const body = st.record.body
  const entry = encodeEntry({ type: 'agreement', body, sigs: body.parties.map(x => normal.state.sigs.get(x) ?? new Uint8Array(64)) })
  const record = toCustomerCommitted(normal.state.record, entry)
  const sends = normal.state.providers.map(to => ({
    type: 'send' as const, to, message: signMessage('commit', { order: body.id, from: p.peerId, to, entry }, p.ctx.signer)
  }))
  return { state: { ...normal.state, record, acked: new Set(), lastSent: now }, effects: [{ type: 'write', record, entry }, ...sends, { type: 'wake', at: now + 1000 }] }
}

/** Sees every record a provider writes (the mutated provider remembers its holds past their expiry). */
export function observeWrite (mutation: Mutation | undefined, p: ProviderParty, record: ProviderOrder): void {
  if (mutation !== 'provider-commits-after-expiry' || record.status !== ProviderStatus.Held) return
  const shadow = shadows.get(p) ?? new Map<string, HeldOrder>()
  shadows.set(p, shadow.set(record.order, record))
}

/** True if the (mutated) provider skips writing this record durably. */
export function volatileWrite (mutation: Mutation | undefined, record: ProviderOrder): boolean {
  return mutation === 'provider-holds-without-persisting' && record.status === ProviderStatus.Held
}
