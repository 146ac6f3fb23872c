/**
 * The aggregator in the simulator (protocols/order-v1.md §10): provider 0 sells a bundle of the
 * offers of providers 1 and 2 (one unit of each per bundle unit). It runs the same pure pieces as
 * the node's shell (src/order-protocol/aggregator.ts): the provider machine's hold checks without a
 * step, `planSubOrder`, the customer machine started prepare-only for the sub-order, the parent's
 * hold stepped only once the sub-order is Prepared, and `subOrderAction` after every write of a
 * parent record; on restart, sub-orders are restored and Prepared ones decided from the parent's
 * stored record. The network, crashes and clocks are the world's.
 */
import { isFulcrumError } from '../../../../src/errors/index.js'
import type { BundleComponent } from '../../../../src/offers/index.js'
import {
  BUNDLE_PREPARE_TIMEOUT_MS, CustomerStatus, checkHold, customerStep, decideCustomer, parseTerms, partRefusal, planSubOrder,
  providerStep, restoreCustomer, signMessage, startOrder, subOrderAction
} from '../../../../src/orders/index.js'
import type { CustomerContext, CustomerRecord, CustomerState, CustomerStep, Effect, OrderMessage, ParentState, ProviderOrder } from '../../../../src/orders/index.js'
import { RECORDS, HASHES } from './scenario.js'
import type { Mutation } from './mutations.js'

/** The aggregator's own state besides its provider machine. */
export interface AggState {
  ctx: CustomerContext
  /** Sub-order machines (volatile: rebuilt from `durable` on restart). */
  subs: Map<string, CustomerState>
  /** Sub-order records as written. */
  durable: Map<string, CustomerRecord>
  /** Parent holds waiting for their parts (volatile), by parent order id. */
  preparing: Map<string, { sub: string, hold: OrderMessage<'hold'>, from: number, until: number }>
  made: number
}

/** What the aggregator needs of the world. */
export interface AggWorld {
  readonly mutation?: Mutation
  readonly bodies: Map<string, import('../../../../src/ledger/index.js').EntryBody>
  local: (p: AggParty) => number
  send: (p: AggParty, to: number, message: OrderMessage) => void
  wake: (p: AggParty, at: number) => void
  /** Carries effects out (the party may crash before any); `sub`: records are sub-order records. Returns false if it crashed. */
  apply: <R>(p: AggParty, effects: Array<Effect<R>>, commit: () => void, replyTo: number, mayCrash: boolean, sub?: boolean) => boolean
}
/** The provider party that aggregates (only the fields used here). */
export interface AggParty {
  index: number
  peerId: string
  up: boolean
  agg?: AggState
  ctx: import('../../../../src/orders/index.js').ProviderContext
  state: import('../../../../src/orders/index.js').ProviderState
  durable: Map<string, ProviderOrder>
}

/** The bundle provider 0 sells: one unit of each of providers 1 and 2's offers per bundle unit. */
export const BUNDLE_OF: ReadonlyMap<string, readonly BundleComponent[]> = new Map([['vm', [1, 2].map(i => ({
  provider: RECORDS[i]!.body.provider, id: RECORDS[i]!.body.id, seq: RECORDS[i]!.body.seq, hash: Buffer.from(HASHES[i]!).toString('hex'), quantity: 1
}))]])
const component = (provider: string, id: string): { offer: typeof RECORDS[number]['body'], hash: Uint8Array } | undefined => {
  const i = RECORDS.findIndex(r => r.body.provider === provider && r.body.id === id)
  return i < 0 ? undefined : { offer: RECORDS[i]!.body, hash: HASHES[i]! }
}

/** Handles a message to the aggregator if it concerns a sub-order or a new bundle hold; false: the provider machine takes it. */
export function aggMessage (w: AggWorld, p: AggParty & { agg: AggState }, m: OrderMessage, from: number): boolean {
  const a = p.agg
  const sub = a.subs.get(m.body.order)
  if (sub !== undefined) {
    const step = customerStep(a.ctx, sub, { type: 'message', message: m }, w.local(p))
    if (applySub(w, p, step, from)) afterSub(w, p, sub.record.order)
    return true
  }
  if (m.kind !== 'hold' || p.state.orders.has(m.body.order)) return false
  if (a.preparing.has(m.body.order)) return true // its answer goes out once the parts are held
  const now = w.local(p)
  try {
    checkHold(p.state, p.ctx.policy, m.body.body, m.body.from, now)
    const planned = planSubOrder({ parent: m.body.body, self: p.peerId, bundles: BUNDLE_OF, component, orderId: `${m.body.order}-sub${a.made++}`, now })
    if (planned === undefined) return false
    w.bodies.set(planned.body.id, planned.body)
    a.preparing.set(m.body.order, { sub: planned.body.id, hold: m, from, until: now + BUNDLE_PREPARE_TIMEOUT_MS })
    const step = startOrder(a.ctx, planned.body, now, { prepareOnly: true })
    if (!applySub(w, p, step, -1)) return true
    w.wake(p, now + BUNDLE_PREPARE_TIMEOUT_MS)
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    w.send(p, from, signMessage('refused', { order: m.body.order, from: p.peerId, to: m.body.from, code: err.code, reason: err.message.slice(0, 512) }, p.ctx.signer))
  }
  return true
}

/** After the provider machine wrote parent records: the sub-orders follow their parents' fate. */
export function aggParentWrites (w: AggWorld, p: AggParty & { agg: AggState }, records: ProviderOrder[]): void {
  for (const rec of records) if (p.up) onParent(w, p, rec.order, rec.status)
}

/** Ticks the sub-orders and gives up on preparations past their time. */
export function aggTick (w: AggWorld, p: AggParty & { agg: AggState }, mayCrash: boolean): void {
  const a = p.agg
  const now = w.local(p)
  for (const [parent, prep] of [...a.preparing]) {
    const st = a.subs.get(prep.sub)
    if (st !== undefined && now >= prep.until && st.record.status === CustomerStatus.Holding) {
      if (!applySub(w, p, decideCustomer(a.ctx, st, { commit: false, reason: 'not every part held in time' }, now), -1, mayCrash)) return
      afterSub(w, p, prep.sub)
    } else if (st === undefined) a.preparing.delete(parent)
  }
  for (const [id, st] of [...a.subs]) {
    if (!p.up) return
    if (applySub(w, p, customerStep(a.ctx, st, { type: 'tick' }, now), -1, mayCrash)) afterSub(w, p, id)
  }
}

/** Rebuilds the sub-orders from their records; Prepared ones are decided from the parents' records. */
export function aggRestart (w: AggWorld, p: AggParty & { agg: AggState }, mayCrash: boolean): void {
  const a = p.agg
  a.subs = new Map()
  a.preparing = new Map()
  for (const rec of [...a.durable.values()]) {
    if (!applySub(w, p, restoreCustomer(a.ctx, rec, w.local(p)), -1, mayCrash)) return
  }
  for (const st of [...a.subs.values()]) {
    const parent = parseTerms(st.record.body).parent?.order
    if (parent !== undefined && p.up) onParent(w, p, parent, p.durable.get(parent)?.status ?? 'none')
  }
}

function applySub (w: AggWorld, p: AggParty & { agg: AggState }, step: CustomerStep, replyTo: number, mayCrash = true): boolean {
  return w.apply(p, step.effects, () => { p.agg.subs.set(step.state.record.order, step.state) }, replyTo, mayCrash, true)
}

/** A sub-order moved: a prepared one lets the parent's hold be stepped; an aborted one refuses it. */
function afterSub (w: AggWorld, p: AggParty & { agg: AggState }, subId: string): void {
  const a = p.agg
  const st = a.subs.get(subId)
  const entry = [...a.preparing].find(([, x]) => x.sub === subId)
  if (st === undefined || entry === undefined || !p.up) return
  const [parent, prep] = entry
  const status = st.record.status
  if (status === CustomerStatus.Holding && w.mutation !== 'aggregator-holds-before-parts') return
  a.preparing.delete(parent)
  if (status === CustomerStatus.Prepared || w.mutation === 'aggregator-holds-before-parts') {
    const step = providerStep(p.ctx, p.state, { type: 'message', message: prep.hold }, w.local(p))
    const writes = step.effects.flatMap(e => e.type === 'write' ? [e.record] : [])
    if (!w.apply(p, step.effects, () => { p.state = step.state }, prep.from, true)) return
    if (!p.state.orders.has(parent)) applySub(w, p, decideCustomer(a.ctx, st, { commit: false, reason: 'the parent was refused' }, w.local(p)), -1)
    else aggParentWrites(w, p, writes)
    return
  }
  const refusals = 'refusals' in st.record ? st.record.refusals : []
  const why = partRefusal(st.record.body, refusals, st.providers.filter(x => !st.sigs.has(x)))
  w.send(p, prep.from, signMessage('refused', { order: parent, from: p.peerId, to: prep.hold.body.from, ...why }, p.ctx.signer))
}

function onParent (w: AggWorld, p: AggParty & { agg: AggState }, parent: string, state: ParentState): void {
  const a = p.agg
  if (a.preparing.has(parent)) return
  for (const st of [...a.subs.values()]) {
    if (parseTerms(st.record.body).parent?.order !== parent) continue
    const action = subOrderAction(st.record.status, state)
    if (action !== 'commit' && action !== 'abort') continue
    if (action === 'commit' && w.mutation === 'aggregator-skips-sub-commit') continue
    const step = decideCustomer(a.ctx, st, action === 'commit' ? { commit: true } : { commit: false, reason: `parent ${state}` }, w.local(p))
    if (!applySub(w, p, step, -1)) return
  }
}
