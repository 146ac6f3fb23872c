/**
 * The provider state machine (protocols/order-v1.md §5.2) as a pure reducer:
 * `providerStep(ctx, state, event, now) -> { state, effects }`. Requests (quote-request, hold,
 * commit, abort, status-request) get exactly one `reply`; answers to the provider's own requests
 * (status, committed, refused) get none. Refusals carry a stable ORDER_* code.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { bytesEqual, entrySigningBytes, sha256, signEntryBody } from '../ledger/index.js'
import { decodeCertificate, providersOf, parseTerms, verifyCertificate } from './agreement.js'
import { ENDED_RETENTION_MS, GRACE_MS, QUERY_AFTER_MS, RETRY_INTERVAL_MS } from './constants.js'
import type { Effect, Step } from './effects.js'
import { OrderError } from './errors.js'
import { signMessage, verifyMessage } from './messages.js'
import type { MessageBodies, MessageKind, OrderMessage, OrderSigner, Verifier } from './messages.js'
import type { ProviderPolicy } from './provider-checks.js'
import { checkHold } from './provider-checks.js'
import {
  ProviderStatus, expectStatus, reportedState, toCommitted, toExpired, toHeld, toPending, toReleased
} from './provider-state.js'
import type { LiveOffer, ProviderOrder, ProviderState, Quote } from './provider-state.js'
import { handleQuoteRequest } from './provider-quote.js'

/** What a provider machine is given besides its state: its key, a verifier, its policy. */
export interface ProviderContext {
  signer: OrderSigner
  verifier: Verifier
  policy: ProviderPolicy
}

/** Events of the provider machine. */
export type ProviderEvent =
  | { type: 'message', message: OrderMessage }
  | { type: 'tick' }
  | { type: 'offer', offer: LiveOffer }
  | { type: 'approve', order: string }
  | { type: 'deny', order: string }

export type ProviderStep = Step<ProviderState, ProviderOrder>
export type ProviderEffect = Effect<ProviderOrder>

/**
 * A working copy of one step: the state's maps are copied, effects accumulate in order.
 * @internal exported for the provider's handler modules only.
 */
export class Tx {
  orders: Map<string, ProviderOrder>
  quotes: ReadonlyMap<string, Quote>
  queried: Map<string, number>
  offers: ReadonlyMap<string, LiveOffer>
  readonly effects: ProviderEffect[] = []
  constructor (readonly ctx: ProviderContext, readonly base: ProviderState, readonly now: number) {
    this.orders = new Map(base.orders)
    this.quotes = base.quotes
    this.queried = new Map(base.queried)
    this.offers = base.offers
  }

  get state (): ProviderState {
    return { self: this.base.self, offers: this.offers, orders: this.orders, quotes: this.quotes, queried: this.queried }
  }

  /** Durably writes a record (and its ledger entry); later effects of the step happen after it. */
  write (rec: ProviderOrder, entry?: Uint8Array): void {
    this.orders.set(rec.order, rec)
    this.effects.push(entry === undefined ? { type: 'write', record: rec } : { type: 'write', record: rec, entry })
  }

  msg<K extends MessageKind> (kind: K, to: string, order: string, rest: Omit<MessageBodies[K], 'order' | 'from' | 'to'>): OrderMessage<K> {
    return signMessage(kind, { order, from: this.base.self, to, ...rest } as MessageBodies[K], this.ctx.signer)
  }

  reply (m: OrderMessage): void { this.effects.push({ type: 'reply', message: m }) }
  send (to: string, m: OrderMessage): void { this.effects.push({ type: 'send', to, message: m }) }
  refuse (req: OrderMessage, code: string, reason: string): void {
    this.reply(this.msg('refused', req.body.from, req.body.order, { code, reason: reason.slice(0, 512) }))
  }

  status (req: OrderMessage, rec: ProviderOrder | undefined): void {
    const rest: Omit<MessageBodies['status'], 'order' | 'from' | 'to'> = { state: reportedState(rec) }
    if (rec?.status === ProviderStatus.Held) rest.expiresAt = rec.expiresAt
    if (rec?.status === ProviderStatus.Committed) rest.entry = rec.entry
    this.reply(this.msg('status', req.body.from, req.body.order, rest))
  }
}

const REQUESTS: readonly MessageKind[] = ['quote-request', 'hold', 'commit', 'abort', 'status-request']

/**
 * One step of the provider machine. Never throws for anything a peer sends; `approve` and `deny`
 * (operator events) throw `ORDER_WRONG_STATUS` unless the order is pending.
 */
export function providerStep (ctx: ProviderContext, state: ProviderState, event: ProviderEvent, now: number): ProviderStep {
  const tx = new Tx(ctx, state, now)
  switch (event.type) {
    case 'message': onMessage(tx, event.message); break
    case 'tick': sweep(tx); break
    case 'offer': tx.offers = new Map(tx.offers).set(event.offer.id, event.offer); break
    case 'approve': approve(tx, event.order); break
    case 'deny': deny(tx, event.order); break
  }
  const wake = nextWake(tx.state)
  if (wake !== undefined) tx.effects.push({ type: 'wake', at: wake })
  return { state: tx.state, effects: tx.effects }
}

function onMessage (tx: Tx, m: OrderMessage): void {
  const isRequest = REQUESTS.includes(m.kind)
  try {
    if (m.body.to !== tx.base.self) throw new FulcrumError(OrderError.WRONG_RECIPIENT, `message is for ${m.body.to}`)
    verifyMessage(m, tx.ctx.verifier)
    switch (m.kind) {
      case 'quote-request': handleQuoteRequest(tx, m); break
      case 'hold': onHold(tx, m); break
      case 'commit': onCertificate(tx, m, m.body.entry, true); break
      case 'abort': onAbort(tx, m); break
      case 'status-request': onStatusRequest(tx, m); break
      case 'status': onStatusAnswer(tx, m); break
      default: break // committed, held, refused, quote: nothing to do for a provider
    }
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    if (isRequest) tx.refuse(m, err.code, err.message)
  }
}

/** (none) -> Held | Pending; a repeated hold gets the same answer again. */
function onHold (tx: Tx, m: OrderMessage<'hold'>): void {
  const body = m.body.body
  if (body.id !== m.body.order) throw new FulcrumError(OrderError.BAD_MESSAGE, 'body id is not the order id', { path: 'body.body.id' })
  const signing = entrySigningBytes('agreement', body)
  const hash = sha256(signing)
  const prev = tx.orders.get(m.body.order)
  if (prev !== undefined) return repeatHold(tx, m, prev, hash)
  const { terms, lines } = checkHold(tx.state, tx.ctx.policy, body, m.body.from, tx.now)
  const common = { order: terms.order, customer: terms.customer, commitBy: terms.commitBy, bodyHash: hash, lines, body, expiresAt: terms.commitBy + GRACE_MS }
  if (tx.ctx.policy.manualApproval === true) {
    tx.write(toPending(prev, common))
    dropQuote(tx, common.order)
    tx.status(m, tx.orders.get(m.body.order))
    return
  }
  const rec = toHeld(prev, { ...common, entrySig: tx.ctx.signer.sign(signing) })
  tx.write(rec)
  dropQuote(tx, rec.order)
  tx.reply(heldMessage(tx, rec))
}

/** A quote used by a hold no longer counts against the customer's cap (the hold does). */
function dropQuote (tx: Tx, order: string): void {
  if (!tx.quotes.has(order)) return
  const quotes = new Map(tx.quotes)
  quotes.delete(order)
  tx.quotes = quotes
}

function repeatHold (tx: Tx, m: OrderMessage<'hold'>, prev: ProviderOrder, hash: Uint8Array): void {
  if (!bytesEqual(prev.bodyHash, hash)) throw new FulcrumError(OrderError.CONFLICT, 'this order id is held with another body')
  if (prev.customer !== m.body.from) throw new FulcrumError(OrderError.NOT_A_PARTY, 'not the order\'s customer')
  if (prev.status === ProviderStatus.Held) return tx.reply(heldMessage(tx, prev))
  if (prev.status === ProviderStatus.Released || prev.status === ProviderStatus.Expired) {
    throw new FulcrumError(prev.code ?? OrderError.REPLAY, `order ${prev.status}`)
  }
  tx.status(m, prev) // pending or committed
}

function heldMessage (tx: Tx, rec: ProviderOrder & { status: ProviderStatus.Held }): OrderMessage {
  return tx.msg('held', rec.customer, rec.order, { bodyHash: rec.bodyHash, entrySig: rec.entrySig, expiresAt: rec.expiresAt })
}

/** Pending -> Held (the operator approved). */
function approve (tx: Tx, order: string): void {
  const prev = tx.orders.get(order)
  expectStatus(prev, [ProviderStatus.Pending], 'approve')
  tx.write(toHeld(prev, { ...prev, entrySig: signEntryBody('agreement', prev.body, tx.ctx.signer) }))
}

/** Pending -> Released (the operator refused): later repeats of the hold get ORDER_APPROVAL_DENIED. */
function deny (tx: Tx, order: string): void {
  const prev = tx.orders.get(order)
  expectStatus(prev, [ProviderStatus.Pending], 'deny')
  tx.write(toReleased(prev, tx.now, OrderError.APPROVAL_DENIED))
}

/**
 * Held -> Committed, from a commit request (`reply`) or a status answer carrying the certificate.
 * Refuses unknown orders, ended holds, certificates for another body and incomplete certificates.
 */
function onCertificate (tx: Tx, m: OrderMessage, bytes: Uint8Array, reply: boolean): void {
  const known = tx.orders.get(m.body.order)
  if (known?.status === ProviderStatus.Committed && bytesEqual(known.entry, bytes)) {
    if (reply) tx.reply(tx.msg('committed', m.body.from, known.order, { bodyHash: known.bodyHash }))
    return // the same certificate again (a retry or a forward): nothing to check or write
  }
  const entry = decodeCertificate(bytes)
  if (entry.body.id !== m.body.order) throw new FulcrumError(OrderError.BAD_MESSAGE, 'entry id is not the order id', { path: 'body.entry' })
  if (!entry.body.parties.includes(m.body.from)) throw new FulcrumError(OrderError.NOT_A_PARTY, 'sender is not a party of the order')
  let prev = tx.orders.get(m.body.order)
  if (prev === undefined) throw new FulcrumError(OrderError.UNKNOWN_ORDER, 'no hold for this order')
  if (prev.status === ProviderStatus.Held && tx.now >= prev.expiresAt) {
    prev = toExpired(prev, tx.now)
    tx.write(prev)
  }
  const signing = entrySigningBytes('agreement', entry.body)
  const hash = sha256(signing)
  switch (prev.status) {
    case ProviderStatus.Committed:
      if (!bytesEqual(prev.bodyHash, hash)) throw new FulcrumError(OrderError.COMMIT_ALTERS_HOLD, 'another body is committed under this order id')
      if (reply) tx.reply(tx.msg('committed', m.body.from, prev.order, { bodyHash: prev.bodyHash }))
      return
    case ProviderStatus.Released: throw new FulcrumError(OrderError.RELEASED, 'the customer aborted this order')
    case ProviderStatus.Expired: throw new FulcrumError(OrderError.HOLD_EXPIRED, `the hold expired at ${prev.commitBy + GRACE_MS}`)
    default: break
  }
  if (!bytesEqual(prev.bodyHash, hash)) throw new FulcrumError(OrderError.COMMIT_ALTERS_HOLD, 'the certificate\'s body is not the body this provider held')
  verifyCertificate(entry, tx.ctx.verifier, signing)
  const rec = toCommitted(prev, bytes)
  tx.write(rec, bytes)
  tx.queried.delete(rec.order)
  if (reply) tx.reply(tx.msg('committed', m.body.from, rec.order, { bodyHash: rec.bodyHash }))
  for (const p of providersOf(parseTerms(entry.body))) {
    if (p !== tx.base.self && p !== m.body.from) tx.send(p, tx.msg('commit', p, rec.order, { entry: bytes }))
  }
}

/** Held | Pending -> Released (customer-signed abort); idempotent; refused once committed. */
function onAbort (tx: Tx, m: OrderMessage<'abort'>): void {
  const prev = tx.orders.get(m.body.order)
  if (prev !== undefined && prev.customer !== m.body.from) throw new FulcrumError(OrderError.NOT_A_PARTY, 'only the customer may abort')
  if (prev?.status === ProviderStatus.Committed) throw new FulcrumError(OrderError.ALREADY_COMMITTED, 'this order is committed')
  if (prev?.status === ProviderStatus.Held || prev?.status === ProviderStatus.Pending) {
    tx.write(toReleased(prev, tx.now))
    tx.queried.delete(prev.order)
  }
  tx.status(m, tx.orders.get(m.body.order))
}

function onStatusRequest (tx: Tx, m: OrderMessage<'status-request'>): void {
  const rec = tx.orders.get(m.body.order)
  if (rec !== undefined && rec.customer !== m.body.from && !('body' in rec && rec.body.parties.includes(m.body.from))) {
    throw new FulcrumError(OrderError.NOT_A_PARTY, 'not a party of this order')
  }
  tx.status(m, rec)
}

/** Cooperative termination: a certificate from another party commits; the customer's `aborted` releases. */
function onStatusAnswer (tx: Tx, m: OrderMessage<'status'>): void {
  const rec = tx.orders.get(m.body.order)
  if (rec?.status !== ProviderStatus.Held) return
  if (m.body.state === 'committed' && m.body.entry !== undefined) return onCertificate(tx, m, m.body.entry, false)
  if (m.body.state === 'aborted' && m.body.from === rec.customer) {
    tx.write(toReleased(rec, tx.now))
    tx.queried.delete(rec.order)
  }
}

/** Deadlines: Held -> Expired at `expiresAt`, asking the others for the certificate before; Pending -> Expired at `commitBy`; ended records are forgotten. */
function sweep (tx: Tx): void {
  for (const rec of [...tx.orders.values()]) {
    if (rec.status === ProviderStatus.Held) {
      if (tx.now >= rec.expiresAt) {
        tx.write(toExpired(rec, tx.now))
        tx.queried.delete(rec.order)
      } else if (tx.now >= rec.commitBy + QUERY_AFTER_MS && tx.now >= (tx.queried.get(rec.order) ?? -Infinity) + RETRY_INTERVAL_MS) {
        tx.queried.set(rec.order, tx.now)
        for (const p of rec.body.parties) if (p !== tx.base.self) tx.send(p, tx.msg('status-request', p, rec.order, {}))
      }
    } else if (rec.status === ProviderStatus.Pending && tx.now >= rec.commitBy) {
      tx.write(toExpired(rec, tx.now))
    } else if ((rec.status === ProviderStatus.Released || rec.status === ProviderStatus.Expired) && tx.now >= forgetAt(rec)) {
      tx.orders.delete(rec.order)
      tx.effects.push({ type: 'delete', order: rec.order })
    }
  }
  const quotes = [...tx.quotes].filter(([, q]) => q.validUntil > tx.now)
  if (quotes.length !== tx.quotes.size) tx.quotes = new Map(quotes)
}

function forgetAt (rec: ProviderOrder): number {
  return rec.commitBy + GRACE_MS + ENDED_RETENTION_MS
}

/** The next time something is due, if any. */
export function nextWake (state: ProviderState): number | undefined {
  let at = Infinity
  for (const rec of state.orders.values()) {
    if (rec.status === ProviderStatus.Held) {
      const q = state.queried.get(rec.order)
      at = Math.min(at, rec.expiresAt, q === undefined ? rec.commitBy + QUERY_AFTER_MS : q + RETRY_INTERVAL_MS)
    } else if (rec.status === ProviderStatus.Pending) at = Math.min(at, rec.commitBy)
    else if (rec.status !== ProviderStatus.Committed) at = Math.min(at, forgetAt(rec))
  }
  for (const q of state.quotes.values()) at = Math.min(at, q.validUntil)
  return at === Infinity ? undefined : at
}
