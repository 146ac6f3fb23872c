/**
 * The provider's side of order-v1 (protocols/order-v1.md §Provider): one handler per message kind,
 * dispatched from a table. Every answer is signed; every refusal carries a stable `ORDER_*` code.
 * State lives in the {@link ProviderStore}, written (synced) before the answer that depends on it
 * is sent: a hold is reserved before `held` goes out, a commit is in the ledger before `committed`.
 */
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { bodyHash, bytesEqual, encodeEntry, signEntryBody } from '../ledger/index.js'
import type { Entry, EntryBody } from '../ledger/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import {
  GRACE_MS, MAX_HOLD_WINDOW_MS, MIN_HOLD_WINDOW_MS, OrderError, decodeCertificate, ed25519Verifier, parseTerms, signMessage,
  verifyCertificate, verifyMessage
} from '../orders/index.js'
import type { AgreementItem, MessageBodies, MessageKind, OrderMessage, OrderState } from '../orders/index.js'
import { decideHold } from './policy.js'
import type { OrderPolicy } from './policy.js'
import type { ProviderOrder, ProviderStore } from './store.js'

/** What the provider side needs. */
export interface ProviderComponents {
  identity: Identity
  store: ProviderStore
  /** The provider's own records in its catalog (offers and withdrawals). */
  ownRecords: () => Promise<VerifiedRecord[]>
  /** Appends a complete agreement to the provider's ledger (durable on return); `has` tells if an id is in it. */
  ledger: { append: (entry: Entry) => Promise<unknown>, has: (id: string) => Promise<boolean> }
  policy: () => OrderPolicy
  now: () => number
  logger: Logger
  /** Called once a commit is durable here: forward the certificate to the other providers. */
  committed: (entry: Uint8Array, body: EntryBody) => void
}

type Reply = OrderMessage
const refusal = (code: string, why: string): FulcrumError => new FulcrumError(code, why)

/** The provider's handlers (see module doc). */
export class ProviderOrders {
  constructor (private readonly c: ProviderComponents) {}

  /** Answers one message from `peer`. Never throws an `ORDER_*` error: it becomes a signed refusal. */
  async handle (msg: OrderMessage, peer: string): Promise<Reply> {
    try {
      if (msg.body.to !== this.c.identity.peerId) throw refusal(OrderError.WRONG_RECIPIENT, 'this message is addressed to another peer')
      if (msg.body.from !== peer) throw refusal(OrderError.NOT_A_PARTY, 'the message was sent by another peer than its signer')
      verifyMessage(msg, ed25519Verifier)
      switch (msg.kind) {
        case 'hold': return await this.onHold(msg as OrderMessage<'hold'>)
        case 'commit': return await this.onCommit(msg as OrderMessage<'commit'>)
        case 'abort': return await this.onAbort(msg as OrderMessage<'abort'>)
        case 'status-request': return await this.status(msg.body.order, peer)
        case 'quote-request': return await this.onQuote(msg as OrderMessage<'quote-request'>)
        default: throw refusal(OrderError.BAD_MESSAGE, `a provider does not take ${msg.kind} messages`)
      }
    } catch (err) {
      if (!isFulcrumError(err) || !err.code.startsWith('ORDER_') || err.code.startsWith('ORDER_STORE_')) throw err
      this.c.logger.info('order message refused', { order: msg.body.order, peer, kind: msg.kind, code: err.code })
      return this.reply('refused', msg.body.order, peer, { code: err.code, reason: err.message.slice(0, 500) })
    }
  }

  private reply<K extends MessageKind> (kind: K, order: string, to: string, rest: Omit<MessageBodies[K], 'order' | 'from' | 'to'>): Reply {
    return signMessage(kind, { order, from: this.c.identity.peerId, to, ...rest } as MessageBodies[K], this.c.identity) as unknown as Reply
  }

  /** The `held` answer for a body this provider reserved (ed25519 is deterministic: a repeat gives the same signature). */
  private held (order: ProviderOrder, body: EntryBody): Reply {
    return this.reply('held', order.id, order.customer, {
      bodyHash: bodyHash('agreement', body), entrySig: signEntryBody('agreement', body, this.c.identity), expiresAt: order.expiresAt
    })
  }

  /** Hold: check, reserve durably, sign (or pend for the operator). Idempotent by order id. */
  private async onHold (msg: OrderMessage<'hold'>): Promise<Reply> {
    const { body } = msg.body
    const now = this.c.now()
    if (body.id !== msg.body.order) throw refusal(OrderError.BAD_TERMS, 'the body is not for this order')
    const terms = parseTerms(body)
    if (terms.customer !== msg.body.from) throw refusal(OrderError.NOT_A_PARTY, 'only the order\'s customer may ask for a hold')
    const mine = terms.items.filter(i => i.provider === this.c.identity.peerId)
    if (mine.length === 0) throw refusal(OrderError.NOT_A_PARTY, 'the order has no item of this provider')
    const known = await this.c.store.get(body.id)
    if (known !== undefined) return this.repeatHold(known, body)
    const window = terms.commitBy - now
    if (window < MIN_HOLD_WINDOW_MS || window > MAX_HOLD_WINDOW_MS) throw refusal(OrderError.BAD_DEADLINE, `commitBy must be ${MIN_HOLD_WINDOW_MS}..${MAX_HOLD_WINDOW_MS} ms ahead`)
    const capacity = await this.checkOffers(mine)
    const decision = decideHold(this.c.policy(), { customer: terms.customer, commitBy: terms.commitBy, items: mine.map(i => ({ offer: i.offer.id, price: i.price.amount })) },
      this.c.store.holdCounts(terms.customer), now)
    if (decision.kind === 'refuse') throw refusal(decision.code, decision.reason)
    const order: ProviderOrder = {
      id: body.id, customer: terms.customer, status: decision.kind === 'manual' ? 'pending' : 'held',
      reservations: mine.map(i => ({ offer: i.offer.id, quantity: i.quantity })), expiresAt: terms.commitBy + GRACE_MS,
      createdAt: now, updatedAt: now, state: encodeCanonical(body as unknown as CanonicalValue)
    }
    await this.c.store.reserve(order, offer => capacity.get(offer) ?? 0)
    this.c.logger.info('order held', { order: order.id, peer: order.customer, status: order.status })
    return order.status === 'held' ? this.held(order, body) : this.reply('status', order.id, order.customer, { state: 'pending', expiresAt: order.expiresAt })
  }

  private repeatHold (known: ProviderOrder, body: EntryBody): Reply {
    if (!sameBody(known, body)) throw refusal(OrderError.CONFLICT, 'this order id was held with another body')
    if (known.status === 'held' || known.status === 'committed') return this.held(known, body)
    if (known.status === 'pending') return this.reply('status', known.id, known.customer, { state: 'pending', expiresAt: known.expiresAt })
    if (known.status === 'refused') throw refusal(known.code ?? OrderError.APPROVAL_DENIED, 'the operator refused this order')
    throw refusal(OrderError.REPLAY, `this order has ${known.status}`)
  }

  /** Every item must name the live offer exactly (id, seq, record hash, price); returns offer id -> capacity. */
  private async checkOffers (items: AgreementItem[]): Promise<Map<string, number>> {
    const records = await this.c.ownRecords()
    const now = this.c.now()
    const capacity = new Map<string, number>()
    for (const item of items) {
      const r = records.find(x => x.record.body.id === item.offer.id)
      if (r === undefined) throw refusal(OrderError.UNKNOWN_OFFER, `no offer ${item.offer.id}`)
      if (r.record.kind !== 'offer') throw refusal(OrderError.OFFER_WITHDRAWN, `offer ${item.offer.id} was withdrawn`)
      const offer = r.record.body
      if (offer.expiresAt <= now) throw refusal(OrderError.UNKNOWN_OFFER, `offer ${item.offer.id} has expired`)
      if (offer.seq !== item.offer.seq || !bytesEqual(r.digest, item.offer.hash)) throw refusal(OrderError.OFFER_CHANGED, `offer ${item.offer.id} is now at seq ${offer.seq}`)
      const p = offer.price
      if (p.amount !== item.price.amount || p.currency !== item.price.currency || p.unit !== item.price.unit) {
        throw refusal(OrderError.PRICE_MISMATCH, `offer ${item.offer.id} costs ${p.amount} ${p.currency}/${p.unit}`)
      }
      capacity.set(offer.id, offer.capacity)
    }
    return capacity
  }

  /** Commit: a complete certificate over exactly the held body, before the hold expires. */
  private async onCommit (msg: OrderMessage<'commit'>): Promise<Reply> {
    const entry = decodeCertificate(msg.body.entry)
    if (entry.body.id !== msg.body.order) throw refusal(OrderError.BAD_MESSAGE, 'the certificate is for another order')
    const known = await this.c.store.get(entry.body.id)
    if (known === undefined) throw refusal(OrderError.UNKNOWN_ORDER, 'this provider never held this order')
    if (!entry.body.parties.includes(msg.body.from)) throw refusal(OrderError.NOT_A_PARTY, 'only a party may deliver the certificate')
    if (!sameBody(known, entry.body)) throw refusal(OrderError.COMMIT_ALTERS_HOLD, 'the certificate\'s body is not the body held')
    verifyCertificate(entry, ed25519Verifier)
    const ack = (): Reply => this.reply('committed', known.id, msg.body.from, { bodyHash: bodyHash('agreement', entry.body) })
    if (known.status === 'committed') return ack()
    if (known.status === 'released') throw refusal(OrderError.RELEASED, 'the customer aborted this order')
    if (known.status === 'expired') throw refusal(OrderError.HOLD_EXPIRED, 'the hold expired before the commit arrived')
    if (known.status !== 'held') throw refusal(OrderError.WRONG_STATUS, `the order is ${known.status}`)
    if (this.c.now() >= known.expiresAt) {
      await this.expire(known)
      throw refusal(OrderError.HOLD_EXPIRED, 'the hold expired before the commit arrived')
    }
    await this.commitDurably(known, entry)
    return ack()
  }

  /** Ledger first (the agreement), then the store (capacity moves to committed), then forward. */
  async commitDurably (order: ProviderOrder, entry: Entry): Promise<void> {
    const leaf = encodeEntry(entry)
    await this.c.ledger.append(entry)
    await this.c.store.transition(order.id, 'committed', { now: this.c.now(), entry: leaf })
    this.c.logger.info('order committed', { order: order.id, peer: order.customer })
    this.c.committed(leaf, entry.body)
  }

  /** Expires an open hold, unless the ledger already has the agreement (a crash between the two writes). */
  async expire (order: ProviderOrder): Promise<void> {
    if (await this.c.ledger.has(order.id)) {
      const entry = await this.c.store.transition(order.id, 'committed', { now: this.c.now() })
      this.c.logger.info('order found committed in the ledger', { order: entry.id })
      return
    }
    await this.c.store.transition(order.id, 'expired', { now: this.c.now(), code: OrderError.HOLD_EXPIRED })
    this.c.logger.info('order hold expired', { order: order.id, peer: order.customer })
  }

  /** Abort from the customer: frees the hold; refused once committed. */
  private async onAbort (msg: OrderMessage<'abort'>): Promise<Reply> {
    const known = await this.c.store.get(msg.body.order)
    if (known === undefined) throw refusal(OrderError.UNKNOWN_ORDER, 'this provider never held this order')
    if (known.customer !== msg.body.from) throw refusal(OrderError.NOT_A_PARTY, 'only the customer may abort')
    if (known.status === 'committed') throw refusal(OrderError.ALREADY_COMMITTED, 'this order is committed')
    if (known.status === 'pending' || known.status === 'held') {
      await this.c.store.transition(known.id, 'released', { now: this.c.now(), code: 'ORDER_ABORTED' })
      this.c.logger.info('order released', { order: known.id, peer: known.customer })
    }
    return this.reply('status', known.id, known.customer, { state: 'released' })
  }

  /** The provider's signed view of an order, for a party of it (anyone else learns `unknown`). */
  async status (orderId: string, peer: string): Promise<Reply> {
    const known = await this.c.store.get(orderId)
    const body = known === undefined ? undefined : bodyOf(known)
    if (known === undefined || body === undefined || !body.parties.includes(peer)) return this.reply('status', orderId, peer, { state: 'unknown' })
    const state: OrderState = known.status === 'refused' ? 'released' : known.status
    return this.reply('status', orderId, peer, {
      state, ...(known.status === 'held' || known.status === 'pending' ? { expiresAt: known.expiresAt } : {}), ...(known.entry === undefined ? {} : { entry: known.entry })
    })
  }

  /** A firm quote at the live offers' prices; a counter-offer of the free quantity where less is free. */
  private async onQuote (msg: OrderMessage<'quote-request'>): Promise<Reply> {
    const records = await this.c.ownRecords()
    const lines = msg.body.items.map(ask => {
      const r = records.find(x => x.record.kind === 'offer' && x.record.body.id === ask.offer.id && x.record.body.provider === this.c.identity.peerId)
      if (r === undefined || r.record.kind !== 'offer') throw refusal(OrderError.UNKNOWN_OFFER, `no offer ${ask.offer.id}`)
      if (r.record.body.seq !== ask.offer.seq || !bytesEqual(r.digest, ask.offer.hash)) throw refusal(OrderError.OFFER_CHANGED, `offer ${ask.offer.id} is now at seq ${r.record.body.seq}`)
      const u = this.c.store.usage(ask.offer.id)
      return { line: { offer: ask.offer, quantity: ask.quantity, price: { ...r.record.body.price } }, free: r.record.body.capacity - u.held - u.committed }
    })
    const counter = lines.filter(l => l.free < l.line.quantity).map(l => ({ ...l.line, quantity: Math.max(0, l.free) }))
    return this.reply('quote', msg.body.order, msg.body.from, {
      items: lines.map(l => l.line), validUntil: this.c.now() + MIN_HOLD_WINDOW_MS, ...(counter.length === 0 ? {} : { counter })
    })
  }
}

/** The agreement body a stored order was held with. */
export function bodyOf (order: ProviderOrder): EntryBody | undefined {
  return order.state === undefined ? undefined : decodeCanonical(order.state, 64 * 1024) as EntryBody
}

function sameBody (order: ProviderOrder, body: EntryBody): boolean {
  return order.state !== undefined && bytesEqual(order.state, encodeCanonical(body as unknown as CanonicalValue))
}
