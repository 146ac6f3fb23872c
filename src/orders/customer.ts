/**
 * The customer state machine (protocols/order-v1.md §5.1), one instance per order, as a pure reducer.
 * Holding: holds go to every provider in parallel (re-sent every RETRY_INTERVAL_MS until answered).
 * When every provider held, it decides commit, but only while `now < commitBy - COMMIT_MARGIN_MS`;
 * any refusal, or no decision by then, decides abort. A decision is written (with the certificate,
 * into the customer's own ledger) before it is sent: that write is the commit point. It is then
 * delivered with retries until every provider acknowledged it or their holds' deadline passed.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { bytesEqual, encodeEntry } from '../ledger/index.js'
import { assembleCertificate } from './agreement.js'
import { COMMIT_MARGIN_MS, GRACE_MS, ORDER_CLOCK_SKEW_MS, RETRY_INTERVAL_MS } from './constants.js'
import {
  CustomerStatus, customerState, toCustomerAborted, toCustomerCommitted, toCustomerDone, toCustomerPrepared
} from './customer-state.js'
import type { CustomerRecord, CustomerState, Refusal } from './customer-state.js'
import type { Effect, Step } from './effects.js'
import { OrderError } from './errors.js'
import { signMessage, verifyMessage } from './messages.js'
import type { MessageBodies, MessageKind, OrderMessage, OrderSigner, OrderState, Verifier } from './messages.js'

/** What a customer machine is given besides its state. */
export interface CustomerContext { signer: OrderSigner, verifier: Verifier }
/** Events of the customer machine. */
export type CustomerEvent = { type: 'message', message: OrderMessage } | { type: 'tick' }
export type CustomerStep = Step<CustomerState, CustomerRecord>

/** When the customer stops delivering a decision: the providers' holds have expired by then. */
export function deliverUntil (commitBy: number): number {
  return commitBy + GRACE_MS + ORDER_CLOCK_SKEW_MS
}

class CTx {
  readonly effects: Array<Effect<CustomerRecord>> = []
  constructor (readonly ctx: CustomerContext, public s: CustomerState, readonly now: number) {}
  set (change: Partial<CustomerState>): void { this.s = { ...this.s, ...change } }
  write (record: CustomerRecord, entry?: Uint8Array): void {
    this.set({ record })
    this.effects.push(entry === undefined ? { type: 'write', record } : { type: 'write', record, entry })
  }

  msg<K extends MessageKind> (kind: K, to: string, rest: Omit<MessageBodies[K], 'order' | 'from' | 'to'>): OrderMessage<K> {
    return signMessage(kind, { order: this.s.record.order, from: this.s.self, to, ...rest } as MessageBodies[K], this.ctx.signer)
  }

  /** Sends the request the current status calls for to every provider that has not answered it. */
  resend (): void {
    const r = this.s.record
    const waiting = this.s.providers.filter(p => r.status === CustomerStatus.Holding ? !this.s.sigs.has(p) : !this.s.acked.has(p))
    for (const p of waiting) {
      if (r.status === CustomerStatus.Holding) this.effects.push({ type: 'send', to: p, message: this.msg('hold', p, { body: r.body }) })
      if (r.status === CustomerStatus.Committed) this.effects.push({ type: 'send', to: p, message: this.msg('commit', p, { entry: r.entry }) })
      if (r.status === CustomerStatus.Aborted) this.effects.push({ type: 'send', to: p, message: this.msg('abort', p, { reason: r.reason }) })
    }
    this.set({ lastSent: this.now })
  }

  done (): CustomerStep {
    const r = this.s.record
    if (r.status === CustomerStatus.Holding) this.effects.push({ type: 'wake', at: Math.min(this.s.lastSent + RETRY_INTERVAL_MS, this.s.commitBy - COMMIT_MARGIN_MS) })
    if (r.status === CustomerStatus.Prepared) this.effects.push({ type: 'wake', at: this.s.commitBy - COMMIT_MARGIN_MS })
    if (r.status === CustomerStatus.Committed || r.status === CustomerStatus.Aborted) {
      this.effects.push({ type: 'wake', at: Math.min(this.s.lastSent + RETRY_INTERVAL_MS, deliverUntil(this.s.commitBy)) })
    }
    return { state: this.s, effects: this.effects }
  }
}

/**
 * (none) -> Holding: writes the order, signs the body, sends a hold to every provider.
 * Precondition: `body` is an agreement body built by `buildAgreementBody` with this signer as customer.
 * `prepareOnly` (an aggregator's sub-order, §10): once every provider held, stop at Prepared and
 * wait for {@link decideCustomer} instead of committing.
 */
export function startOrder (ctx: CustomerContext, body: CustomerRecord['body'], now: number, options: { prepareOnly?: boolean } = {}): CustomerStep {
  const record: CustomerRecord = options.prepareOnly === true
    ? { status: CustomerStatus.Holding, order: body.id, body, prepare: true }
    : { status: CustomerStatus.Holding, order: body.id, body }
  const tx = new CTx(ctx, customerState(ctx.signer.peerId, record), now)
  if (now >= tx.s.commitBy - COMMIT_MARGIN_MS) throw new FulcrumError(OrderError.BAD_DEADLINE, 'commitBy leaves no time to gather holds')
  tx.write(record)
  tx.set({ sigs: new Map([[ctx.signer.peerId, ctx.signer.sign(tx.s.signing)]]) })
  tx.resend()
  return tx.done()
}

/**
 * A restarted customer resumes from its stored record: Holding -> Aborted (presumed abort: it may
 * have lost held signatures, and it never sent a certificate, because the decision is written
 * first); a decided order is delivered again; a done order needs nothing.
 */
export function restoreCustomer (ctx: CustomerContext, record: CustomerRecord, now: number): CustomerStep {
  const tx = new CTx(ctx, customerState(ctx.signer.peerId, record), now)
  if (record.status === CustomerStatus.Holding) return decideAbort(tx, 'the customer restarted before deciding (presumed abort)', [])
  if (record.status !== CustomerStatus.Done && record.status !== CustomerStatus.Prepared) tx.resend()
  return tx.done()
}

/**
 * The decision on a prepare-only order, taken by its owner (an aggregator, when the order it serves
 * commits or ends): Prepared -> Committed (only while `now < commitBy - COMMIT_MARGIN_MS`, else
 * Aborted with ORDER_LATE_COMMIT), Holding | Prepared -> Aborted. Deciding again what was decided
 * changes nothing; deciding the opposite of a decision throws `ORDER_WRONG_STATUS`, as does a
 * commit while still holding (not every provider held).
 */
export function decideCustomer (ctx: CustomerContext, state: CustomerState, decision: { commit: boolean, reason?: string }, now: number): CustomerStep {
  const tx = new CTx(ctx, state, now)
  const r = state.record
  const decided = r.status === CustomerStatus.Done ? r.outcome === 'committed' : r.status === CustomerStatus.Committed ? true : r.status === CustomerStatus.Aborted ? false : undefined
  if (decided !== undefined) {
    if (decided !== decision.commit) throw new FulcrumError(OrderError.WRONG_STATUS, `the order is already ${decided ? 'committed' : 'aborted'}`)
    return tx.done()
  }
  if (!decision.commit) return decideAbort(tx, decision.reason ?? 'aborted by its owner', [])
  if (r.status !== CustomerStatus.Prepared) throw new FulcrumError(OrderError.WRONG_STATUS, `commit: order is ${r.status}, expected prepared`)
  return decideCommit(tx)
}

/** One step of the customer machine. Never throws for anything a peer sends. */
export function customerStep (ctx: CustomerContext, state: CustomerState, event: CustomerEvent, now: number): CustomerStep {
  const tx = new CTx(ctx, state, now)
  if (event.type === 'tick') return onTick(tx)
  const m = event.message
  try {
    if (m.body.to !== state.self || m.body.order !== state.record.order) throw new FulcrumError(OrderError.WRONG_RECIPIENT, 'not for this order')
    verifyMessage(m, ctx.verifier)
    if (m.kind === 'status-request') return onStatusRequest(tx, m)
    if (!state.providers.includes(m.body.from)) throw new FulcrumError(OrderError.NOT_A_PARTY, 'not a provider of this order')
    return onAnswer(tx, m)
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    if (m.kind === 'status-request') tx.effects.push({ type: 'reply', message: tx.msg('refused', m.body.from, { code: err.code, reason: err.message.slice(0, 512) }) })
    return tx.done()
  }
}

function onAnswer (tx: CTx, m: OrderMessage): CustomerStep {
  const r = tx.s.record
  const from = m.body.from
  if (r.status === CustomerStatus.Holding) {
    if (m.kind === 'held') return onHeld(tx, m)
    if (m.kind === 'refused') return decideAbort(tx, `${from} refused: ${m.body.code}`, [{ provider: from, code: m.body.code, reason: m.body.reason }], undefined, [from])
    return tx.done() // pending, or a stale answer
  }
  if (r.status === CustomerStatus.Done || r.status === CustomerStatus.Prepared) return tx.done()
  const acks = r.status === CustomerStatus.Committed ? ['committed'] : ['released', 'expired', 'unknown']
  if ((m.kind === 'committed' && r.status === CustomerStatus.Committed) || (m.kind === 'status' && acks.includes(m.body.state))) {
    tx.set({ acked: new Set(tx.s.acked).add(from) })
  } else if (m.kind === 'refused') {
    // the provider will not apply the decision (e.g. ORDER_HOLD_EXPIRED): keep it as evidence, stop retrying
    tx.set({ acked: new Set(tx.s.acked).add(from), failures: [...tx.s.failures, { provider: from, code: m.body.code, reason: m.body.reason }] })
  } else if (m.kind === 'held' && r.status === CustomerStatus.Aborted) {
    const acked = new Set(tx.s.acked); acked.delete(from) // a hold that overtook our abort: release it again
    tx.set({ acked })
  }
  return finishIfAcked(tx)
}

/** Holding: collects a provider's entry signature; when every party signed, decides. */
function onHeld (tx: CTx, m: OrderMessage<'held'>): CustomerStep {
  const from = m.body.from
  if (!bytesEqual(m.body.bodyHash, tx.s.bodyHash)) return decideAbort(tx, `${from} held another body`, [{ provider: from, code: OrderError.COMMIT_ALTERS_HOLD, reason: 'held another body' }])
  if (!tx.ctx.verifier(from, tx.s.signing, m.body.entrySig)) return decideAbort(tx, `${from} sent a bad signature`, [{ provider: from, code: OrderError.BAD_SIGNATURE, reason: 'entry signature does not verify' }])
  if (m.body.expiresAt < tx.s.commitBy + GRACE_MS) return decideAbort(tx, `${from} holds too briefly`, [{ provider: from, code: OrderError.BAD_DEADLINE, reason: `hold expires at ${m.body.expiresAt}` }])
  tx.set({ sigs: new Map(tx.s.sigs).set(from, m.body.entrySig) })
  if (tx.s.providers.every(p => tx.s.sigs.has(p))) {
    const r = tx.s.record
    if (r.status === CustomerStatus.Holding && r.prepare === true) {
      tx.write(toCustomerPrepared(r, tx.s.sigs))
      return tx.done()
    }
    return decideCommit(tx)
  }
  return tx.done()
}

/** Holding -> Committed: the certificate goes into the customer's ledger (the commit point), then to every provider. */
function decideCommit (tx: CTx): CustomerStep {
  if (tx.now >= tx.s.commitBy - COMMIT_MARGIN_MS) return decideAbort(tx, 'every provider held, but too late to commit', [], OrderError.LATE_COMMIT)
  const entry = encodeEntry(assembleCertificate(tx.s.record.body, tx.s.sigs))
  tx.write(toCustomerCommitted(tx.s.record, entry), entry)
  tx.set({ acked: new Set() })
  tx.resend()
  return tx.done()
}

/**
 * Holding -> Aborted: written, then an abort to every provider (re-sent until acknowledged) except
 * those known to hold nothing (`holdsNothing`: a provider that refused).
 */
function decideAbort (tx: CTx, reason: string, refusals: Refusal[], code?: string, holdsNothing: string[] = []): CustomerStep {
  const why = code === undefined ? reason : `${code}: ${reason}`
  tx.write(toCustomerAborted(tx.s.record, why.slice(0, 512), refusals))
  tx.set({ acked: new Set(holdsNothing) })
  tx.resend()
  return tx.done()
}

function finishIfAcked (tx: CTx): CustomerStep {
  if (tx.s.providers.every(p => tx.s.acked.has(p))) tx.write(toCustomerDone(tx.s.record, [], tx.s.failures))
  return tx.done()
}

function onTick (tx: CTx): CustomerStep {
  const r = tx.s.record
  if (r.status === CustomerStatus.Prepared) {
    if (tx.now >= tx.s.commitBy - COMMIT_MARGIN_MS) return decideAbort(tx, 'prepared, but no decision came in time', [], OrderError.LATE_COMMIT)
    return tx.done()
  }
  if (r.status === CustomerStatus.Holding) {
    if (tx.now >= tx.s.commitBy - COMMIT_MARGIN_MS) return decideAbort(tx, 'not every provider held in time', [], OrderError.LATE_COMMIT)
  } else if (r.status !== CustomerStatus.Done && tx.now >= deliverUntil(tx.s.commitBy)) {
    tx.write(toCustomerDone(r, tx.s.providers.filter(p => !tx.s.acked.has(p)), tx.s.failures))
    return tx.done()
  }
  if (r.status !== CustomerStatus.Done && tx.now >= tx.s.lastSent + RETRY_INTERVAL_MS) tx.resend()
  return tx.done()
}

/** A provider asks what the customer decided (cooperative termination). */
function onStatusRequest (tx: CTx, m: OrderMessage<'status-request'>): CustomerStep {
  if (!tx.s.providers.includes(m.body.from)) throw new FulcrumError(OrderError.NOT_A_PARTY, 'not a provider of this order')
  const r = tx.s.record
  const committed = r.status === CustomerStatus.Committed || (r.status === CustomerStatus.Done && r.outcome === 'committed')
  const state: OrderState = r.status === CustomerStatus.Holding || r.status === CustomerStatus.Prepared ? 'pending' : committed ? 'committed' : 'aborted'
  const rest: Omit<MessageBodies['status'], 'order' | 'from' | 'to'> = { state }
  if (committed && 'entry' in r && r.entry !== undefined) rest.entry = r.entry
  tx.effects.push({ type: 'reply', message: tx.msg('status', m.body.from, rest) })
  return tx.done()
}
