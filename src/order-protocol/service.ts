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
import { FulcrumError } from '../errors/index.js'
import { serveProtocol } from '../network/index.js'
import type { ProtocolDialer, ProtocolRegistrar, RequestHandler } from '../network/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import { decodeOrderMessage, encodeOrderMessage } from '../orders/index.js'
import { ORDER_LIMITS, ORDER_PROTOCOL } from './constants.js'
import { ProviderDriver } from './driver.js'
import type { ProviderDriverComponents } from './driver.js'
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
}

/** See module doc. */
export class OrderService implements Startable {
  /** The provider state machine as this node runs it. */
  readonly driver: ProviderDriver
  private readonly log: Logger
  private unserve: (() => Promise<void>) | undefined

  constructor (private readonly c: OrderServiceComponents) {
    this.log = c.logger.child({ component: 'orders' })
    this.driver = new ProviderDriver({
      libp2p: c.libp2p, identity: c.identity, store: c.store, ownRecords: c.ownRecords, ledger: c.ledger,
      policy: () => machinePolicy(c.policy), now: c.now, logger: this.log
    })
  }

  /** The provider's order store (the API lists orders from it). */
  get store (): ProviderStore { return this.c.store }

  /** The policy in force (the operator's config). */
  get policy (): OrderPolicy { return this.c.policy }

  async start (): Promise<void> {
    await this.driver.start()
    const handler: RequestHandler = async (bytes, ctx) => encodeOrderMessage(await this.driver.request(decodeOrderMessage(bytes), ctx.peer))
    this.unserve = await serveProtocol(this.c.libp2p, ORDER_PROTOCOL, handler, ORDER_LIMITS, this.log)
  }

  async stop (): Promise<void> {
    await this.unserve?.()
    this.unserve = undefined
    await this.driver.stop()
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
