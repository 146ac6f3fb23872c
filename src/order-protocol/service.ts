/**
 * The order service of a provider node (protocols/order-v1.md §Provider): serves
 * `/fulcrum/order/1.0.0`, forwards every certificate it commits to the order's other providers
 * (cooperative termination), asks the other parties for the certificate when a hold nears its
 * deadline, expires holds at their deadline (also after a restart: expiries are in the store), and
 * lets the operator approve or refuse pending holds (manual policy).
 */
import type { PeerId, Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { FulcrumError, describeError, isFulcrumError } from '../errors/index.js'
import { serveProtocol } from '../network/index.js'
import type { ProtocolDialer, ProtocolRegistrar, RequestHandler } from '../network/index.js'
import type { Entry, EntryBody } from '../ledger/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import {
  GRACE_MS, OrderError, QUERY_AFTER_MS, decodeCertificate, decodeOrderMessage, ed25519Verifier, encodeOrderMessage, signMessage, verifyCertificate
} from '../orders/index.js'
import type { OrderMessage } from '../orders/index.js'
import { sendOrderMessage } from './client.js'
import { MAX_CONCURRENT_FORWARDS, ORDER_LIMITS, ORDER_PROTOCOL, STATUS_QUERY_TIMEOUT_MS, SWEEP_INTERVAL_MS } from './constants.js'
import { OrderShellError } from './errors.js'
import type { OrderPolicy } from './policy.js'
import { ProviderOrders, bodyOf } from './provider.js'
import type { ProviderOrder, ProviderStore } from './store.js'

/** Components of {@link OrderService}: only what it uses. */
export interface OrderServiceComponents {
  libp2p: ProtocolDialer & ProtocolRegistrar
  identity: Identity
  store: ProviderStore
  ownRecords: () => Promise<VerifiedRecord[]>
  ledger: { append: (entry: Entry) => Promise<unknown>, has: (id: string) => Promise<boolean> }
  policy: OrderPolicy
  logger: Logger
  now: () => number
}

/** Options (tests shorten the sweep). */
export interface OrderServiceInit { sweepIntervalMs?: number }

/** See module doc. */
export class OrderService implements Startable {
  readonly orders: ProviderOrders
  private readonly log: Logger
  private unserve: (() => Promise<void>) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private sweeping: Promise<void> | undefined
  private readonly queried = new Set<string>()
  private readonly background = new Set<Promise<void>>()
  private stopped = true

  constructor (private readonly c: OrderServiceComponents, private readonly init: OrderServiceInit = {}) {
    this.log = c.logger.child({ component: 'orders' })
    this.orders = new ProviderOrders({
      identity: c.identity, store: c.store, ownRecords: c.ownRecords, ledger: c.ledger, policy: () => c.policy, now: c.now, logger: this.log,
      committed: (entry, body) => { this.track(this.forward(entry, body)) }
    })
  }

  /** The provider's order store (the API lists orders from it). */
  get store (): ProviderStore { return this.c.store }

  /** The policy in force (the operator's config). */
  get policy (): OrderPolicy { return this.c.policy }

  async start (): Promise<void> {
    this.stopped = false
    const handler: RequestHandler = async (bytes, ctx) => {
      const msg = decodeOrderMessage(bytes)
      return encodeOrderMessage(await this.orders.handle(msg, ctx.peer))
    }
    this.unserve = await serveProtocol(this.c.libp2p, ORDER_PROTOCOL, handler, ORDER_LIMITS, this.log)
    this.schedule()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.unserve?.()
    this.unserve = undefined
    await this.sweeping
    await Promise.allSettled([...this.background])
  }

  /** Open holds waiting for the operator (manual policy). */
  async pendingApprovals (): Promise<ProviderOrder[]> {
    return await this.c.store.list({ status: 'pending' })
  }

  /** The operator approves a pending hold: it becomes held (the customer's next hold retry gets the signature). */
  async approve (id: string): Promise<ProviderOrder> {
    return await this.decidePending(id, 'held')
  }

  /** The operator refuses a pending hold: its capacity is freed and the customer learns `ORDER_APPROVAL_DENIED`. */
  async refuse (id: string): Promise<ProviderOrder> {
    return await this.decidePending(id, 'refused')
  }

  private async decidePending (id: string, to: 'held' | 'refused'): Promise<ProviderOrder> {
    const order = await this.c.store.get(id)
    if (order === undefined) throw new FulcrumError(OrderShellError.STORE_UNKNOWN_ORDER, `no order ${id}`)
    if (order.status !== 'pending') throw new FulcrumError(OrderShellError.STORE_BAD_TRANSITION, `order ${id} is ${order.status}, not pending`)
    if (to === 'held' && this.c.now() >= order.expiresAt - GRACE_MS) throw new FulcrumError(OrderError.BAD_DEADLINE, 'the customer\'s deadline has passed')
    return await this.c.store.transition(id, to, { now: this.c.now(), ...(to === 'refused' ? { code: OrderError.APPROVAL_DENIED } : {}) })
  }

  /** Runs one sweep now (tests and the timer): query holds near their deadline, expire lapsed ones. */
  async sweep (): Promise<void> {
    const now = this.c.now()
    for (const order of this.c.store.expired(Number.MAX_SAFE_INTEGER)) {
      if (order.status === 'held' && now >= order.expiresAt - GRACE_MS + QUERY_AFTER_MS && !this.queried.has(order.id)) {
        this.queried.add(order.id)
        if (await this.queryOthers(order)) continue
      }
      if (now >= order.expiresAt) {
        const current = await this.c.store.get(order.id)
        if (current !== undefined && (current.status === 'held' || current.status === 'pending')) await this.orders.expire(current)
        this.queried.delete(order.id)
      }
    }
  }

  private schedule (): void {
    if (this.stopped) return
    const next = this.c.store.nextExpiry()
    const wait = next === undefined ? (this.init.sweepIntervalMs ?? SWEEP_INTERVAL_MS) : Math.min(this.init.sweepIntervalMs ?? SWEEP_INTERVAL_MS, Math.max(0, next - this.c.now()))
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().catch(err => { this.log.warn('order sweep failed', { error: describeError(err) }) })
        .finally(() => { this.sweeping = undefined; this.schedule() })
    }, wait)
    this.timer.unref?.()
  }

  /** Cooperative termination: asks the other parties for the certificate; commits it if one has it. */
  private async queryOthers (order: ProviderOrder): Promise<boolean> {
    const body = bodyOf(order)
    if (body === undefined) return false
    for (const peer of body.parties.filter(p => p !== this.c.identity.peerId)) {
      try {
        const msg = signMessage('status-request', { order: order.id, from: this.c.identity.peerId, to: peer }, this.c.identity)
        const answer = await sendOrderMessage(this.c.libp2p, peerIdFromString(peer), msg, { signal: AbortSignal.timeout(STATUS_QUERY_TIMEOUT_MS) })
        if (answer.kind !== 'status' || answer.body.entry === undefined) continue
        const entry = decodeCertificate(answer.body.entry)
        verifyCertificate(entry, ed25519Verifier)
        const current = await this.c.store.get(order.id)
        if (current?.status !== 'held' || this.c.now() >= current.expiresAt) return false
        await this.orders.commitDurably(current, entry)
        return true
      } catch (err) {
        this.log.debug('status query failed', { order: order.id, peer, error: describeError(err) })
      }
    }
    return false
  }

  /** Sends a committed certificate to the order's other providers (best effort; the customer also delivers it). */
  private async forward (entry: Uint8Array, body: EntryBody): Promise<void> {
    const customer = (body.terms as { customer?: unknown } | undefined)?.customer
    const others = body.parties.filter(p => p !== this.c.identity.peerId && p !== customer)
    for (let i = 0; i < others.length; i += MAX_CONCURRENT_FORWARDS) {
      await Promise.all(others.slice(i, i + MAX_CONCURRENT_FORWARDS).map(async peer => {
        try {
          const msg = signMessage('commit', { order: body.id, from: this.c.identity.peerId, to: peer, entry }, this.c.identity)
          const answer = await sendOrderMessage(this.c.libp2p, peerIdFromString(peer) as PeerId, msg, { signal: AbortSignal.timeout(STATUS_QUERY_TIMEOUT_MS) })
          if (answer.kind === 'refused') this.log.debug('forwarded commit refused', { order: body.id, peer, code: answer.body.code })
        } catch (err) {
          if (!isFulcrumError(err)) throw err
          this.log.debug('forwarding the commit failed', { order: body.id, peer, code: err.code })
        }
      }))
    }
  }

  private track (p: Promise<void>): void {
    const t = p.catch(err => { this.log.warn('background order task failed', { error: describeError(err) }) }).finally(() => { this.background.delete(t) })
    this.background.add(t)
  }
}
