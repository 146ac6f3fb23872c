/**
 * The aggregator on a provider node (protocols/order-v1.md §10): when a customer's hold names one
 * of this node's bundle offers, the node first holds every part as the customer of a sub-order
 * (the light client's customer driver, {@link prepareOrder}, running the pure customer machine
 * prepare-only), and lets its provider machine sign the customer's hold only once every part is
 * held. The parent's fate decides the sub-order ({@link subOrderAction}): its commit commits the
 * sub-order, its release, expiry or refusal aborts it. Sub-orders live in their own customer store
 * (`DIR/aggregator-orders/`) and their certificates go into the node's ledger; on start, prepared
 * sub-orders are decided from the parents' stored states and decided ones are delivered again.
 */
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { describeError, isFulcrumError } from '../errors/index.js'
import type { ProtocolDialer } from '../network/index.js'
import type { BundleComponent, VerifiedRecord } from '../offers/index.js'
import {
  BUNDLE_PREPARE_TIMEOUT_MS, COMMIT_MARGIN_MS, CustomerStatus, OrderError, customerState, customerStep, ed25519Verifier, newOrderId, parseTerms, partRefusal, planSubOrder, signMessage,
  subOrderAction, verifyMessage
} from '../orders/index.js'
import type { ComponentOffer, CustomerRecord, OrderMessage, ParentState } from '../orders/index.js'
import type { MerkleLog } from '../log/index.js'
import { CustomerStore } from './customer-store.js'
import { decideOrder, orderRecord, prepareOrder } from './customer.js'
import type { CustomerComponents } from './customer.js'

/** What the aggregator needs (see module doc). */
export interface AggregatorComponents {
  identity: Identity
  dialer: ProtocolDialer
  /** Where the sub-orders' store lives (opened on start, closed on stop). */
  storePath: string
  /** The node's ledger log (read by the customer driver's fallback; appends go through `append`). */
  log: MerkleLog
  /** Appends a sub-order's certificate to the node's ledger (durable on return); `verified`: its signatures were checked. */
  append: (entry: Uint8Array, verified: boolean) => Promise<void>
  /** This node's own records (its bundle offers among them). */
  ownRecords: () => Promise<VerifiedRecord[]>
  /** The verified records the node's catalog holds for a provider (the parts' offers). */
  recordsOf: (provider: string) => Promise<VerifiedRecord[]>
  now: () => number
  random: (bytes: number) => Uint8Array
  logger: Logger
}

/** What the provider driver lends the aggregator for one hold. */
export interface HoldHooks {
  /** The provider machine's checks of this hold without a step: a refusal, `step` (not a new valid hold: the machine answers it), or undefined (it would hold). */
  precheck: () => Promise<{ code: string, reason: string } | 'step' | undefined>
  /** Steps the hold through the provider machine and returns its answer. */
  step: () => Promise<OrderMessage>
}

/** See module doc. */
export class Aggregator {
  private store: CustomerStore | undefined
  /** Parent order id -> sub-order id. */
  private readonly subs = new Map<string, string>()
  /** Holds being prepared, by parent order id (a repeated hold joins the one in progress). */
  private readonly preparing = new Map<string, Promise<OrderMessage>>()
  /** Parent orders whose customer signed an abort while their parts were being held. */
  private readonly abortedWhilePreparing = new Set<string>()
  private readonly background = new Set<Promise<unknown>>()
  /** The customer of each parent being prepared (whose abort counts). */
  private readonly customers = new Map<string, string>()
  private stopping = new AbortController()

  constructor (private readonly c: AggregatorComponents) {}

  /** Opens the sub-order store; decides prepared sub-orders whose parent's fate is known (`parentState`); delivers decided ones again. */
  async start (parentState: (order: string) => Promise<ParentState>): Promise<void> {
    this.stopping = new AbortController() // a service stopped and started again runs anew
    this.store = await CustomerStore.open(this.c.storePath)
    for (const row of await this.store.list()) {
      const rec = orderRecord(row)
      const parent = parseTerms(rec.body).parent
      if (parent === undefined || rec.status === CustomerStatus.Done) continue
      this.subs.set(parent.order, rec.order)
      if (rec.status === CustomerStatus.Prepared) await this.onParent(parent.order, await parentState(parent.order))
      // holding: aborted on restore (presumed abort: no parent hold was signed on it); decided: delivered again
      else this.track(decideOrder(this.customer(), rec.order, { commit: rec.status === CustomerStatus.Committed, reason: 'resumed after a restart' }))
    }
  }

  /** Ends the runs in progress (what they decided is stored) and closes the store. */
  async stop (): Promise<void> {
    this.stopping.abort()
    await Promise.allSettled([...this.background, ...this.preparing.values()])
    await this.store?.close()
    this.store = undefined
  }

  /**
   * Serves a customer's hold: an order naming none of this node's bundles is stepped as usual;
   * otherwise the parts are held first, and a part that refuses or does not answer makes the
   * aggregator refuse with a code naming it; a provider machine that then refuses releases the parts.
   */
  async serveHold (hold: OrderMessage<'hold'>, hooks: HoldHooks): Promise<OrderMessage> {
    // an order naming none of this node's bundles takes the ordinary path, untouched
    const bundles = await this.bundles()
    const items = hold.body.body.terms?.items
    const names = Array.isArray(items) && items.some(i => typeof i === 'object' && i !== null && (i as { provider?: unknown }).provider === this.c.identity.peerId &&
      bundles.has(String((i as { offer?: { id?: unknown } }).offer?.id)))
    if (!names) return await hooks.step()
    const check = await hooks.precheck()
    if (check === 'step') return await hooks.step()
    if (check !== undefined) return this.refuse(hold, check)
    const running = this.preparing.get(hold.body.order)
    if (running !== undefined) return await running
    const p = this.prepareAndHold(hold, bundles, hooks).finally(() => {
      this.preparing.delete(hold.body.order)
      this.customers.delete(hold.body.order)
      this.abortedWhilePreparing.delete(hold.body.order)
    })
    this.customers.set(hold.body.order, hold.body.from)
    this.preparing.set(hold.body.order, p)
    return await p
  }

  /**
   * The customer's abort of an order whose parts are being held: the customer never commits it
   * (its abort is signed), so the parts are released as soon as they are held, instead of when the
   * parent hold that nobody will release lapses. Checked here: the signature and that the sender is
   * the order's customer; the provider machine answers the abort itself.
   */
  noteAbort (abort: OrderMessage<'abort'>): void {
    if (!this.preparing.has(abort.body.order) || abort.body.to !== this.c.identity.peerId) return
    try {
      verifyMessage(abort, ed25519Verifier)
    } catch {
      return
    }
    if (this.customers.get(abort.body.order) === abort.body.from) this.abortedWhilePreparing.add(abort.body.order)
  }

  /** The provider machine wrote a parent order: its fate decides the sub-order (§10 table). */
  async onParent (order: string, state: ParentState): Promise<void> {
    const sub = this.subs.get(order)
    if (sub === undefined || this.store === undefined || this.preparing.has(order)) return
    const row = await this.store.get(sub)
    if (row === undefined) return
    const action = subOrderAction(orderRecord(row).status, state)
    if (action !== 'commit' && action !== 'abort') return
    this.c.logger.info(`sub-order ${action}`, { order: sub, parent: order })
    const reason = `the parent order ${order} is ${state}`
    // once decided, the sub-order needs no more of the parent's news (a restart finds it in the store)
    this.track(decideOrder(this.customer(), sub, action === 'commit' ? { commit: true } : { commit: false, reason }).finally(() => { this.subs.delete(order) }))
  }

  /**
   * A part asks the aggregator, the customer of one of its sub-orders, what it decided (cooperative
   * termination, §5.2): the customer machine answers from the stored record (`pending`, `committed`
   * with the certificate, or `aborted`, which releases the part at once). Undefined when `order` is
   * not a sub-order of this node (the provider machine answers then).
   */
  async answerStatus (request: OrderMessage<'status-request'>, peer: string): Promise<OrderMessage | undefined> {
    const row = await this.store?.get(request.body.order)
    if (row === undefined || request.body.from !== peer) return undefined
    const ctx = { signer: this.c.identity, verifier: ed25519Verifier }
    const step = customerStep(ctx, customerState(this.c.identity.peerId, orderRecord(row)), { type: 'message', message: request }, this.c.now())
    for (const e of step.effects) if (e.type === 'reply') return e.message
    return undefined
  }

  /** The sub-order serving `parent`, if any. */
  subOrderOf (parent: string): string | undefined {
    return this.subs.get(parent)
  }

  private async prepareAndHold (hold: OrderMessage<'hold'>, bundles: ReadonlyMap<string, readonly BundleComponent[]>, hooks: HoldHooks): Promise<OrderMessage> {
    const now = this.c.now()
    const parts = await this.componentOffers(hold, bundles)
    let sub
    try {
      sub = planSubOrder({ parent: hold.body.body, self: this.c.identity.peerId, bundles, component: (p, id) => parts.get(`${p}/${id}`), orderId: newOrderId(this.c.random(16)), now })
    } catch (err) {
      if (isFulcrumError(err)) return this.refuse(hold, { code: err.code, reason: err.message })
      throw err
    }
    if (sub === undefined) return await hooks.step()
    const store = this.requireStore()
    const parentCommitBy = parseTerms(hold.body.body).commitBy
    this.subs.set(hold.body.order, sub.body.id)
    const until = Math.min(now + BUNDLE_PREPARE_TIMEOUT_MS, parentCommitBy - COMMIT_MARGIN_MS)
    const outcome = await prepareOrder(this.customer(), sub.body, sub.addresses, until)
    const row = await store.get(sub.body.id)
    const rec = row === undefined ? undefined : orderRecord(row)
    if (outcome.status !== 'prepared' || rec === undefined) {
      const failed = rec !== undefined && 'refusals' in rec ? rec.refusals : []
      const unheld = Object.entries(outcome.providers).filter(([, o]) => o.state !== 'held').map(([p]) => p)
      return this.refuse(hold, partRefusal(sub.body, failed, unheld))
    }
    if (this.abortedWhilePreparing.has(hold.body.order)) {
      this.track(decideOrder(this.customer(), sub.body.id, { commit: false, reason: 'the customer aborted the parent while its parts were held' }))
      return this.refuse(hold, { code: OrderError.RELEASED, reason: 'the customer aborted this order' })
    }
    const answer = await hooks.step()
    if (answer.kind !== 'held') {
      // the provider machine refused (or parks it pending): a refused parent never commits
      if (answer.kind === 'refused') this.track(decideOrder(this.customer(), sub.body.id, { commit: false, reason: `this aggregator refused the parent: ${answer.body.code}` }))
    }
    return answer
  }

  /** The live records of every part any of this node's bundles names for this hold. */
  private async componentOffers (hold: OrderMessage<'hold'>, bundles: ReadonlyMap<string, readonly BundleComponent[]>): Promise<Map<string, ComponentOffer>> {
    const wanted = new Set<string>()
    for (const item of parseTerms(hold.body.body).items) {
      if (item.provider !== this.c.identity.peerId) continue
      for (const comp of bundles.get(item.offer.id) ?? []) wanted.add(comp.provider)
    }
    const out = new Map<string, ComponentOffer>()
    for (const provider of wanted) {
      for (const r of await this.c.recordsOf(provider)) {
        if (r.record.kind === 'offer') out.set(`${provider}/${r.record.body.id}`, { offer: r.record.body, hash: r.digest })
      }
    }
    return out
  }

  /** This node's live bundle offers: offer id -> components. */
  private async bundles (): Promise<Map<string, readonly BundleComponent[]>> {
    const now = this.c.now()
    const out = new Map<string, readonly BundleComponent[]>()
    for (const r of await this.c.ownRecords()) {
      if (r.record.kind === 'offer' && r.record.body.bundle !== undefined && now < r.record.body.expiresAt) out.set(r.record.body.id, r.record.body.bundle)
    }
    return out
  }

  private refuse (hold: OrderMessage<'hold'>, why: { code: string, reason: string }): OrderMessage {
    this.c.logger.info('bundle hold refused', { order: hold.body.order, peer: hold.body.from, code: why.code })
    return signMessage('refused', { order: hold.body.order, from: this.c.identity.peerId, to: hold.body.from, code: why.code, reason: why.reason.slice(0, 512) }, this.c.identity)
  }

  private customer (): CustomerComponents {
    return {
      identity: this.c.identity,
      dialer: this.c.dialer,
      store: this.requireStore(),
      log: this.c.log,
      append: this.c.append,
      now: this.c.now,
      random: this.c.random,
      signal: this.stopping.signal
    }
  }

  private requireStore (): CustomerStore {
    if (this.store === undefined) throw new Error('the aggregator is not started')
    return this.store
  }

  private track (p: Promise<unknown>): void {
    const t = p.catch(err => { this.c.logger.warn('sub-order run failed', { error: describeError(err) }) }).finally(() => { this.background.delete(t) })
    this.background.add(t)
  }

  /** For tests: waits until every sub-order run in progress has ended. */
  async settled (): Promise<void> {
    while (this.background.size > 0 || this.preparing.size > 0) await Promise.allSettled([...this.background, ...this.preparing.values()])
  }

  /** The stored record of a sub-order (for the API and tests). */
  async subOrder (id: string): Promise<CustomerRecord | undefined> {
    const row = await this.store?.get(id)
    return row === undefined ? undefined : orderRecord(row)
  }
}
