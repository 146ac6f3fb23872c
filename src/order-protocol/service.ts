/**
 * The order service of a provider node (protocols/order-v1.md §5.2): serves `/fulcrum/order/1.0.0`
 * with the pure provider state machine, run by {@link ProviderDriver}, which also forwards every
 * certificate it commits (cooperative termination), asks the other parties for the certificate
 * near a hold's deadline and expires holds at their deadline (also after a restart); and lets the
 * operator approve or refuse pending holds (manual policy) as machine events.
 */
import type { Startable } from '@libp2p/interface'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import type { Telemetry } from '../metrics/telemetry.js'
import { FulcrumError } from '../errors/index.js'
import { serveProtocol } from '../network/index.js'
import type { ProtocolDialer, ProtocolRegistrar, RequestHandler } from '../network/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeEntry } from '../ledger/index.js'
import { DAY_MS, ProviderStatus, decodeOrderMessage, encodeOrderMessage } from '../orders/index.js'
import type { OrderMessage } from '../orders/index.js'
import { sendOrderMessage } from './client.js'
import { ORDER_LIMITS, ORDER_PROTOCOL } from './constants.js'
import { ProviderDriver, machineOrder } from './driver.js'
import type { ProviderDriverComponents } from './driver.js'
import type { Aggregator } from './aggregator.js'
import { TerminationDriver, terminationView } from './termination-driver.js'
import type { TerminationView } from './termination-driver.js'
import { OrderShellError } from './errors.js'
import { machinePolicy } from './policy.js'
import type { OrderPolicy } from './policy.js'
import type { ProviderOrder, ProviderStore } from './store.js'

/** Components of {@link OrderService}: only what it uses. */
export interface OrderServiceComponents {
  libp2p: ProtocolDialer & ProtocolRegistrar
  identity: Identity
  store: ProviderStore
  ownRecords: () => Promise<VerifiedRecord[]>
  ledger: ProviderDriverComponents['ledger']
  policy: OrderPolicy
  logger: Logger
  now: () => number
  /** Told order state changes and served requests (metrics). */
  telemetry?: Telemetry
  /** Sells this node's bundle offers (order-v1 §10); started after the driver, stopped before it. */
  aggregator?: Aggregator
}

/** See module doc. */
export class OrderService implements Startable {
  /** The provider state machine as this node runs it. */
  readonly driver: ProviderDriver
  /** Terminations of this provider's committed agreements (order-v1 §5.3). */
  readonly terminations: TerminationDriver
  private readonly log: Logger
  private unserve: (() => Promise<void>) | undefined

  constructor (private readonly c: OrderServiceComponents) {
    this.log = c.logger.child({ component: 'orders' })
    this.driver = new ProviderDriver({
      libp2p: c.libp2p, identity: c.identity, store: c.store, ownRecords: c.ownRecords, ledger: c.ledger,
      policy: () => machinePolicy(c.policy), now: c.now, logger: this.log,
      ...(c.telemetry === undefined ? {} : { telemetry: c.telemetry }),
      ...(c.aggregator === undefined ? {} : { aggregator: c.aggregator })
    })
    this.terminations = new TerminationDriver({
      identity: c.identity,
      now: c.now,
      logger: this.log,
      background: true,
      host: {
        agreement: async (id) => {
          const stored = await c.store.get(id)
          const rec = stored === undefined ? undefined : machineOrder(stored)
          return rec?.status === ProviderStatus.Committed ? rec.body : undefined
        },
        records: async (id) => await c.store.terminations(id),
        put: async (rec) => { await c.store.putTermination(rec) },
        // the machine verified every party's signature before it assembled or accepted the entry
        append: async (entry) => {
          if (!await c.ledger.has(decodeEntry(entry).body.id)) await c.ledger.append(entry, { verified: true })
        },
        send: async (to, message, signal) => await sendOrderMessage(c.libp2p, peerIdFromString(to), message, { signal })
      }
    })
  }

  /** The provider's order store (the API lists orders from it). */
  get store (): ProviderStore { return this.c.store }

  /** The policy in force (the operator's config). */
  get policy (): OrderPolicy { return this.c.policy }

  async start (): Promise<void> {
    // the aggregator first (its store's I/O would otherwise let the driver's first, possibly overdue,
    // tick run before start returns); it decides from the stored parent records, not the driver
    await this.c.aggregator?.start(async (order) => {
      const stored = await this.c.store.get(order)
      return (stored === undefined ? undefined : machineOrder(stored)?.status) ?? 'none'
    })
    try {
      await this.driver.start()
      await this.terminations.resume()
    } catch (err) {
      await this.c.aggregator?.stop() // a start that fails leaves nothing open
      throw err
    }
    const handler: RequestHandler = async (bytes, ctx) => encodeOrderMessage(await this.answer(decodeOrderMessage(bytes), ctx.peer))
    this.unserve = await serveProtocol(this.c.libp2p, ORDER_PROTOCOL, handler, ORDER_LIMITS, this.log, this.c.telemetry)
  }

  async stop (): Promise<void> {
    await this.unserve?.()
    this.unserve = undefined
    await this.terminations.stop()
    await this.c.aggregator?.stop()
    await this.driver.stop()
  }

  /** Termination messages go to the termination machine, the rest to the provider machine. */
  private async answer (message: OrderMessage, peer: string): Promise<OrderMessage> {
    if (message.kind === 'terminate' || message.kind === 'termination-query') return await this.terminations.request(message, peer)
    return await this.driver.request(message, peer)
  }

  /**
   * The operator terminates a committed agreement with at least `noticeDays` of notice (the terms'
   * minimum applies if longer): signed, sent to every other party; returns once they answered
   * (or their deadline passed). Throws `ORDER_UNKNOWN_ORDER`, `ORDER_ALREADY_TERMINATED`, ...
   */
  async terminate (id: string, options: { noticeDays?: number, reason?: string } = {}): Promise<TerminationView> {
    const rec = await this.terminations.terminate(id, { noticeMs: Math.round((options.noticeDays ?? 0) * DAY_MS), reason: options.reason ?? '' })
    return terminationView(rec)
  }

  /** The terminations of one agreement as this provider knows them. */
  async terminationsOf (id: string): Promise<TerminationView[]> {
    return (await this.terminations.records(id)).map(terminationView)
  }

  /** Open holds waiting for the operator (manual policy). */
  async pendingApprovals (): Promise<ProviderOrder[]> {
    return await this.c.store.list({ status: 'pending' })
  }

  /** The operator approves a pending hold: it becomes held (the customer's next hold retry gets the signature). */
  async approve (id: string): Promise<ProviderOrder> {
    return await this.decidePending(id, 'approve')
  }

  /** The operator refuses a pending hold: its capacity is freed and the customer learns `ORDER_APPROVAL_DENIED`. */
  async refuse (id: string): Promise<ProviderOrder> {
    return await this.decidePending(id, 'deny')
  }

  private async decidePending (id: string, type: 'approve' | 'deny'): Promise<ProviderOrder> {
    const order = await this.c.store.get(id)
    if (order === undefined) throw new FulcrumError(OrderShellError.STORE_UNKNOWN_ORDER, `no order ${id}`)
    if (order.status !== 'pending') throw new FulcrumError(OrderShellError.STORE_BAD_TRANSITION, `order ${id} is ${order.status}, not pending`)
    await this.driver.operator({ type, order: id })
    return await this.c.store.get(id) as ProviderOrder
  }

  /** Steps the machine's clock now (the driver's timer does this at every deadline): query, expire, forget. */
  async sweep (): Promise<void> {
    await this.driver.tick()
  }
}
