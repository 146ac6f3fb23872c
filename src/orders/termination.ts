/**
 * The termination machine (protocols/order-v1.md §5.3), one instance per agreement and party, as a
 * pure reducer `terminationStep(ctx, state, event, now) -> { state, effects }` with the effects of
 * the negotiation machines (write, reply, send, wake).
 *
 * Signatures spread like a grow-only set: every `terminate` message carries every signature its
 * sender knows; a party that receives one merges it, adds its own signature if the termination
 * follows the rules (termination-rules.ts), writes it, and passes the merged set on to every party
 * not known to have all of it. The party that completes the set (every party signed) writes it
 * together with the complete ledger entry; every party that later receives the complete set
 * appends the same entry. A light-client customer, which nobody can reach, pulls with a
 * `termination-query` and answers by pushing its signature back.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { bytesEqual, entrySigningBytes, sha256 } from '../ledger/index.js'
import type { EntryBody } from '../ledger/index.js'
import { TERMINATION_DELIVERY_MS, TERMINATION_LAPSE_MS, TERMINATION_RETRY_MS } from './constants.js'
import type { Effect, Step } from './effects.js'
import { OrderError } from './errors.js'
import { signMessage, verifyMessage } from './messages.js'
import type { MessageBodies, MessageKind, OrderMessage, OrderSigner, Verifier } from './messages.js'
import {
  buildTermination, checkSignable, checkTerminationBody, effectiveAtOf, lapsed, sigList, terminationEntry, verifiedSigs
} from './termination-rules.js'
import type { TerminationRecord, TerminationRequest } from './termination-rules.js'

/** What the machine is given besides its state. */
export interface TerminationContext { signer: OrderSigner, verifier: Verifier }

/** One agreement as one party knows it: the agreement (if committed in its ledger) and its terminations. */
export interface TerminationState {
  readonly self: string
  /** The agreement body as committed in this party's ledger; undefined if it has none. */
  readonly agreement: EntryBody | undefined
  /** Known terminations of the agreement, by termination id (durable). */
  readonly records: ReadonlyMap<string, TerminationRecord>
  /** When each termination was last pushed to the others (volatile). */
  readonly lastSent: ReadonlyMap<string, number>
}

/** Events: the local party terminates; a message arrives (a request with its transport `peer`, or an answer with the request it answers); time passes. */
export type TerminationEvent =
  | { type: 'start', request: TerminationRequest }
  | { type: 'message', message: OrderMessage, peer?: string, answers?: OrderMessage }
  | { type: 'tick' }

export type TerminationStep = Step<TerminationState, TerminationRecord>

/** A fresh state from the stored records of one agreement. */
export function terminationState (self: string, agreement: EntryBody | undefined, records: Iterable<TerminationRecord> = []): TerminationState {
  return { self, agreement, records: new Map([...records].map(r => [r.id, r])), lastSent: new Map() }
}

const REQUESTS: readonly MessageKind[] = ['terminate', 'termination-query']

class TTx {
  readonly effects: Array<Effect<TerminationRecord>> = []
  records: Map<string, TerminationRecord>
  lastSent: Map<string, number>
  constructor (readonly ctx: TerminationContext, readonly base: TerminationState, readonly now: number) {
    this.records = new Map(base.records)
    this.lastSent = new Map(base.lastSent)
  }

  get state (): TerminationState {
    return { self: this.base.self, agreement: this.base.agreement, records: this.records, lastSent: this.lastSent }
  }

  write (rec: TerminationRecord, entry?: Uint8Array): void {
    this.records.set(rec.id, rec)
    this.effects.push(entry === undefined ? { type: 'write', record: rec } : { type: 'write', record: rec, entry })
  }

  msg<K extends MessageKind> (kind: K, to: string, rest: Omit<MessageBodies[K], 'order' | 'from' | 'to'>): OrderMessage<K> {
    const order = this.base.agreement?.id ?? ''
    return signMessage(kind, { order, from: this.base.self, to, ...rest } as MessageBodies[K], this.ctx.signer)
  }

  terminate (to: string, rec: TerminationRecord): OrderMessage<'terminate'> {
    return this.msg('terminate', to, { termination: rec.body, sigs: sigList(rec) })
  }

  /** Sends the record to every other party that is not known to have all its signatures and did not refuse it. */
  push (rec: TerminationRecord): void {
    const signers = Object.keys(rec.sigs)
    for (const p of rec.body.parties) {
      if (p === this.base.self || rec.refusals.some(r => r.party === p)) continue
      const known = rec.known[p] ?? []
      if (signers.every(s => known.includes(s))) continue
      this.effects.push({ type: 'send', to: p, message: this.terminate(p, rec) })
    }
    this.lastSent.set(rec.id, this.now)
  }
}

/**
 * One step. `start` throws (`ORDER_UNKNOWN_ORDER`, `ORDER_NOT_A_PARTY`, `ORDER_BAD_DEADLINE`,
 * `ORDER_ALREADY_TERMINATED`); a message never throws: a request that breaks a rule is answered
 * `refused` with the rule's code, a bad answer is ignored.
 */
export function terminationStep (ctx: TerminationContext, state: TerminationState, event: TerminationEvent, now: number): TerminationStep {
  const tx = new TTx(ctx, state, now)
  if (event.type === 'start') start(tx, event.request)
  else if (event.type === 'tick') sweep(tx)
  else onMessage(tx, event.message, event.peer, event.answers)
  const wake = nextTerminationWake(tx.state, now)
  if (wake !== undefined) tx.effects.push({ type: 'wake', at: wake })
  return { state: tx.state, effects: tx.effects }
}

/** (none) -> gathering: the initiator signs its termination and sends it to every other party. */
function start (tx: TTx, request: TerminationRequest): void {
  const agreement = tx.base.agreement
  if (agreement === undefined) throw new FulcrumError(OrderError.UNKNOWN_ORDER, 'no committed agreement with this id')
  const body = buildTermination(agreement, tx.base.self, tx.now, request)
  const own = tx.records.get(body.id)
  if (own !== undefined && !lapsed(own, tx.now)) {
    throw new FulcrumError(OrderError.ALREADY_TERMINATED, `this party already terminated it (${own.id}, effective ${effectiveAtOf(own.body)})`)
  }
  checkSignable(agreement, body, tx.records.values(), tx.now)
  const rec: TerminationRecord = {
    id: body.id, agreement: agreement.id, initiator: tx.base.self, body,
    sigs: { [tx.base.self]: tx.ctx.signer.sign(entrySigningBytes('termination', body)) }, complete: false, known: {}, refusals: []
  }
  tx.write(rec)
  tx.push(rec)
}

function onMessage (tx: TTx, m: OrderMessage, peer: string | undefined, answers: OrderMessage | undefined): void {
  const isRequest = peer !== undefined
  try {
    if (m.body.to !== tx.base.self) throw new FulcrumError(OrderError.WRONG_RECIPIENT, `message is for ${m.body.to}`)
    if (isRequest && m.body.from !== peer) throw new FulcrumError(OrderError.NOT_A_PARTY, 'the message was sent by another peer than its signer')
    if (isRequest && !REQUESTS.includes(m.kind)) throw new FulcrumError(OrderError.BAD_MESSAGE, `${m.kind} is not a termination request`)
    verifyMessage(m, tx.ctx.verifier)
    const agreement = tx.base.agreement
    if (agreement === undefined || m.body.order !== agreement.id) {
      if (m.kind === 'termination-query') {
        tx.effects.push({ type: 'reply', message: statusUnknown(tx, m) })
        return
      }
      throw new FulcrumError(OrderError.UNKNOWN_ORDER, 'no committed agreement with this id here')
    }
    if (!agreement.parties.includes(m.body.from)) throw new FulcrumError(OrderError.NOT_A_PARTY, 'not a party of the agreement')
    if (m.kind === 'terminate') onTerminate(tx, agreement, m, isRequest)
    else if (m.kind === 'termination-query') onQuery(tx, m)
    else if (m.kind === 'refused' && answers?.kind === 'terminate') onRefused(tx, m, answers)
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    if (isRequest) {
      tx.effects.push({ type: 'reply', message: signMessage('refused', { order: m.body.order, from: tx.base.self, to: m.body.from, code: err.code, reason: err.message.slice(0, 512) }, tx.ctx.signer) })
    }
  }
}

function statusUnknown (tx: TTx, m: OrderMessage): OrderMessage {
  return signMessage('status', { order: m.body.order, from: tx.base.self, to: m.body.from, state: 'unknown' }, tx.ctx.signer)
}

/** Merges the sender's signatures, signs if the rules allow, writes, answers (a request) and passes the set on. */
function onTerminate (tx: TTx, agreement: EntryBody, m: OrderMessage<'terminate'>, isRequest: boolean): void {
  const body = m.body.termination
  const initiator = checkTerminationBody(agreement, body)
  const sigs = verifiedSigs(body, m.body.sigs, tx.ctx.verifier)
  if (sigs[initiator] === undefined) throw new FulcrumError(OrderError.BAD_SIGNATURE, 'the initiator has not signed it', { path: 'body.sigs' })
  const hash = sha256(entrySigningBytes('termination', body))
  let prev = tx.records.get(body.id)
  if (prev !== undefined && !bytesEqual(sha256(entrySigningBytes('termination', prev.body)), hash)) {
    if (!lapsed(prev, tx.now)) throw new FulcrumError(OrderError.ALREADY_TERMINATED, `${initiator} already terminated it differently (effective ${effectiveAtOf(prev.body)})`)
    prev = undefined
  }
  const merged: Record<string, Uint8Array> = { ...sigs, ...(prev?.sigs ?? {}) }
  if (merged[tx.base.self] === undefined) {
    const others = [...tx.records.values()].filter(r => r.id !== body.id)
    checkSignable(agreement, body, others, tx.now)
    merged[tx.base.self] = tx.ctx.signer.sign(entrySigningBytes('termination', body))
  }
  const complete = body.parties.every(p => merged[p] !== undefined)
  // a requester learns our whole set from the answer (it asks again if the answer is lost)
  const senderKnows = isRequest ? Object.keys(merged) : [...new Set([...(prev?.known[m.body.from] ?? []), ...Object.keys(sigs)])]
  const rec: TerminationRecord = {
    id: body.id, agreement: agreement.id, initiator, body, sigs: merged, complete,
    known: { ...(prev?.known ?? {}), [m.body.from]: senderKnows }, refusals: prev?.refusals ?? []
  }
  const grew = prev === undefined || Object.keys(prev.sigs).length !== Object.keys(merged).length
  if (grew) tx.write(rec, complete && prev?.complete !== true ? terminationEntry(rec) : undefined)
  else tx.records.set(rec.id, rec)
  if (isRequest) tx.effects.push({ type: 'reply', message: tx.terminate(m.body.from, rec) })
  if (grew) tx.push(rec)
}

/** A light client asks what terminations we know: the one it lacks most (earliest first), or `status committed`. */
function onQuery (tx: TTx, m: OrderMessage<'termination-query'>): void {
  const live = [...tx.records.values()].filter(r => !lapsed(r, tx.now)).sort((a, b) => effectiveAtOf(a.body) - effectiveAtOf(b.body))
  const lacking = live.find(r => !Object.keys(r.sigs).every(s => (r.known[m.body.from] ?? []).includes(s))) ?? live[0]
  if (lacking === undefined) {
    tx.effects.push({ type: 'reply', message: tx.msg('status', m.body.from, { state: 'committed' }) })
    return
  }
  tx.effects.push({ type: 'reply', message: tx.terminate(m.body.from, lacking) })
}

/** A party refused our termination: kept (the user sees the code), and that party is not asked again. */
function onRefused (tx: TTx, m: OrderMessage<'refused'>, request: OrderMessage<'terminate'>): void {
  const rec = tx.records.get(request.body.termination.id)
  if (rec === undefined || rec.complete || rec.refusals.some(r => r.party === m.body.from)) return
  tx.write({ ...rec, refusals: [...rec.refusals, { party: m.body.from, code: m.body.code, reason: m.body.reason }] })
}

/** Re-sends what some party lacks, every TERMINATION_RETRY_MS, until the termination lapses (or, complete, for a day). */
function sweep (tx: TTx): void {
  for (const rec of tx.records.values()) {
    if (!needsPush(tx.state, rec, tx.now)) continue
    if (tx.now >= (tx.lastSent.get(rec.id) ?? -Infinity) + TERMINATION_RETRY_MS) tx.push(rec)
  }
}

function needsPush (state: TerminationState, rec: TerminationRecord, now?: number): boolean {
  if (now !== undefined && now >= pushUntil(rec)) return false
  const signers = Object.keys(rec.sigs)
  return rec.body.parties.some(p => p !== state.self && !rec.refusals.some(r => r.party === p) && !signers.every(s => (rec.known[p] ?? []).includes(s)))
}

/** Incomplete: until it lapses; complete: for TERMINATION_DELIVERY_MS after it was made. */
function pushUntil (rec: TerminationRecord): number {
  return rec.body.createdAt + (rec.complete ? TERMINATION_DELIVERY_MS : TERMINATION_LAPSE_MS)
}

/** The next retry time, if some party still lacks signatures this party has and the termination has not lapsed (by `now`). */
export function nextTerminationWake (state: TerminationState, now: number): number | undefined {
  let at = Infinity
  for (const rec of state.records.values()) {
    if (!needsPush(state, rec, now)) continue
    const next = (state.lastSent.get(rec.id) ?? -Infinity) + TERMINATION_RETRY_MS
    if (next < pushUntil(rec)) at = Math.min(at, next)
  }
  return at === Infinity ? undefined : at
}

/** Where the agreement stands for this party: active, or terminating / terminated at the earliest complete termination. */
export function terminationStatus (state: TerminationState, now: number): { state: 'active' | 'terminating' | 'terminated', endsAt?: number } {
  return agreementEnd(state.records.values(), now)
}

/** The same from a party's termination records of one agreement. */
export function agreementEnd (records: Iterable<TerminationRecord>, now: number): { state: 'active' | 'terminating' | 'terminated', endsAt?: number } {
  const ends = [...records].filter(r => r.complete).map(r => effectiveAtOf(r.body))
  if (ends.length === 0) return { state: 'active' }
  const endsAt = Math.min(...ends)
  return { state: endsAt <= now ? 'terminated' : 'terminating', endsAt }
}
