/**
 * The API backend of a node: offers (publish, withdraw, list, show, search) over discovery and the
 * catalog, orders, the ledger (backend-ledger.ts), peers, status and the stop request.
 */
import type { ApiBackend } from '../api/index.js'
import type { Identity } from '../identity/index.js'
import { completeOffer, isRecordJson, recordFromJson, recordToJson, signOffer, OfferError } from '../offers/index.js'
import { FulcrumError } from '../errors/index.js'
import type { Discovery, CatalogView } from '../discovery/index.js'
import type { FulcrumLibp2p } from '../network/index.js'
import type { PeerId } from '@libp2p/interface'
import { decodeRecord } from '../offers/index.js'
import { entryFromJson } from '../ledger/index.js'
import { LedgerProtocolError } from '../ledger-protocol/index.js'
import type { LedgerService } from '../ledger-protocol/index.js'
import { bodyOf } from '../order-protocol/index.js'
import type { OrderService, ProviderOrder, ProviderOrderStatus } from '../order-protocol/index.js'
import type { OrderJson, StatusJson } from '../api/index.js'
import { ApiError, ORDER_STATUSES } from '../api/index.js'
import { hexBytes } from '../encoding/index.js'
import { ledgerReads } from './backend-ledger.js'
import type { LedgerReadComponents } from './backend-ledger.js'

/** Components of the backend. */
export interface BackendComponents {
  identity: Identity
  discovery: Discovery
  catalog: CatalogView
  libp2p: Pick<FulcrumLibp2p, 'getConnections' | 'getMultiaddrs' | 'peerStore'>
  now: () => number
  /**
   * The agreement ledger: appends go through it so that counterparties are asked to cosign; it
   * bounds cosigning with its deadline and its stop(). Reads go to its log.
   */
  ledger: Pick<LedgerService, 'append' | 'latestNote'> & { log: LedgerReadComponents['log'] }
  /** The provider side of orders: its store and the operator's decisions on pending holds. */
  orders?: Pick<OrderService, 'store' | 'approve' | 'refuse' | 'terminate' | 'terminationsOf'>
  /** When the node started (unix ms), for the uptime. */
  startedAt: () => number
  /** Asks the daemon to stop (after the answer is sent). */
  requestStop?: () => void
}

/** Builds the {@link ApiBackend} of a node. */
export function nodeBackend (c: BackendComponents): ApiBackend {
  const ledger = ledgerReads({ peerId: c.identity.peerId, log: c.ledger.log, latestNote: () => c.ledger.latestNote(), now: c.now })
  return {
    ...ledger,
    async publish (body) {
      const record = isRecordJson(body)
        ? recordFromJson(body)
        : signOffer(completeOffer(withOwnAddresses(body, c.libp2p.getMultiaddrs().map(String)), { provider: c.identity.peerId, now: c.now() }), c.identity)
      if (record.body.provider !== c.identity.peerId) {
        throw new FulcrumError(OfferError.BAD_PROVIDER, `this node publishes only its own offers (${c.identity.peerId})`, { path: 'body.provider' })
      }
      const { decision, verified } = await c.discovery.publish(record)
      return { decision, record: recordToJson(verified.record) }
    },
    async withdraw (id) {
      const result = await c.discovery.withdraw(id)
      return result === undefined ? undefined : { decision: result.decision, record: recordToJson(result.verified.record) }
    },
    async offer (id, provider) {
      const self = c.identity.peerId
      const candidates = provider !== undefined ? [provider] : await providersOf(c.catalog, id, self)
      if (candidates.length > 1) {
        throw new FulcrumError(ApiError.AMBIGUOUS, `several providers use offer id ${JSON.stringify(id)}: ${candidates.join(', ')}; name one`, { path: 'provider' })
      }
      const bytes = candidates[0] === undefined ? undefined : await c.catalog.getBytes(`${candidates[0]}/${id}`)
      return bytes === undefined ? undefined : { record: recordToJson(decodeRecord(bytes)), own: candidates[0] === self }
    },
    async ownOffers () {
      return (await c.discovery.ownLive()).map(v => recordToJson(v.record))
    },
    async search (filter, limit, cursor) {
      const page = await c.catalog.query(filter, { limit: limit ?? 20, now: c.now(), ...(cursor === undefined ? {} : { cursor }) })
      const records = page.records.map(b => recordToJson(decodeRecord(b)))
      return page.nextCursor === undefined ? { records } : { records, nextCursor: page.nextCursor }
    },
    async appendEntry (body) {
      // Durable once append returns; cosigning then ends by the ledger's deadline (below the API's
      // request timeout), so the answer always says whether counterparties are still to cosign.
      const r = await c.ledger.append(entryFromJson(body))
      return {
        index: r.index, leafHash: Buffer.from(r.leafHash).toString('base64'), existing: r.existing, size: c.ledger.log.size, cosigners: r.cosigners,
        cosigning: r.pending.length === 0 ? { status: 'complete' } : { status: 'pending', code: LedgerProtocolError.COSIGN_PENDING, pending: r.pending }
      }
    },
    async peers () {
      // The address of an inbound connection is the peer's ephemeral source port: show what the
      // peer listens on (learnt by identify), falling back to the connection's address.
      const peers = new Map<string, { id: PeerId, seen: string[] }>()
      for (const conn of c.libp2p.getConnections()) {
        const id = conn.remotePeer.toString()
        const entry = peers.get(id) ?? { id: conn.remotePeer, seen: [] }
        entry.seen.push(conn.remoteAddr.toString())
        peers.set(id, entry)
      }
      return await Promise.all([...peers].map(async ([peerId, { id, seen }]) => {
        const listening = await c.libp2p.peerStore.get(id).then(p => p.addresses.map(a => a.multiaddr.encapsulate(`/p2p/${peerId}`).toString()), () => [])
        return { peerId, addresses: listening.length > 0 ? listening : seen }
      }))
    },
    async orders ({ status, limit, cursor }) {
      if (c.orders === undefined) return { orders: [] }
      // One more than asked: whether there is a next page.
      const all = await c.orders.store.list({ limit: limit + 1, ...(status === undefined ? {} : { status: status as ProviderOrderStatus }), ...(cursor === undefined ? {} : { after: cursor }) })
      const orders = all.slice(0, limit).map(orderJson)
      const last = orders[orders.length - 1]
      return all.length > limit && last !== undefined ? { orders, nextCursor: last.id } : { orders }
    },
    async order (id) {
      const o = await c.orders?.store.get(id)
      if (o === undefined || c.orders === undefined) return undefined
      const terminations = o.status === 'committed' ? await c.orders.terminationsOf(id) : []
      return { ...orderJson(o), ...(terminations.length === 0 ? {} : { terminations }) }
    },
    async terminateOrder (id, options) {
      if (c.orders === undefined) throw new FulcrumError('ORDER_UNKNOWN_ORDER', `no order ${id}`)
      return await c.orders.terminate(id, { ...(options.notice === undefined ? {} : { noticeDays: options.notice }), ...(options.reason === undefined ? {} : { reason: options.reason }) })
    },
    async decideOrder (id, approve) {
      if (c.orders === undefined) throw new FulcrumError('ORDER_STORE_UNKNOWN_ORDER', `no order ${id}`)
      return orderJson(approve ? await c.orders.approve(id) : await c.orders.refuse(id))
    },
    async status () {
      return await nodeStatus(c)
    },
    requestStop () {
      if (c.requestStop === undefined) throw new FulcrumError(ApiError.METHOD_NOT_ALLOWED, 'this node does not run as a daemon: it cannot be stopped through its API')
      // After the answer has gone out: stopping closes the API's connections.
      setImmediate(c.requestStop)
      return { pid: process.pid }
    }
  }
}

/** The providers whose record with this id the catalog holds; the node itself first if it is one. */
async function providersOf (catalog: CatalogView, id: string, self: string): Promise<string[]> {
  if (await catalog.getBytes(`${self}/${id}`) !== undefined) return [self]
  const out: string[] = []
  for await (const e of catalog.entries()) {
    const slash = e.key.indexOf('/')
    if (e.key.slice(slash + 1) === id) out.push(e.key.slice(0, slash))
  }
  return out
}

/** What `GET /v1/status` answers. */
async function nodeStatus (c: BackendComponents): Promise<StatusJson> {
  const orders = Object.fromEntries(ORDER_STATUSES.map(s => [s, 0])) as StatusJson['orders']
  for (const o of await c.orders?.store.list({ limit: Number.MAX_SAFE_INTEGER }) ?? []) orders[o.status] += 1
  const startedAt = c.startedAt()
  const checkpoint = await ledgerReads({ peerId: c.identity.peerId, log: c.ledger.log, latestNote: () => c.ledger.latestNote(), now: c.now }).checkpoint()
  return {
    peerId: c.identity.peerId,
    addresses: c.libp2p.getMultiaddrs().map(String),
    startedAt,
    uptimeMs: Math.max(0, c.now() - startedAt),
    peers: { connected: new Set(c.libp2p.getConnections().map(x => x.remotePeer.toString())).size },
    offers: { known: c.discovery.index.size, own: (await c.discovery.ownLive()).length },
    orders,
    ledger: { size: c.ledger.log.size, checkpoint },
    gossip: { ...c.discovery.gossip.stats }
  }
}

/**
 * A draft without `addresses` gets the node's listen addresses (without /p2p/; at most the
 * offer-v1 limit of 8): customers dial them to negotiate orders (order-v1 §Transport).
 */
function withOwnAddresses (draft: unknown, listening: string[]): unknown {
  if (typeof draft !== 'object' || draft === null || Array.isArray(draft)) return draft
  const d = draft as Record<string, unknown>
  if (Array.isArray(d.addresses) && d.addresses.length > 0) return draft
  return { ...d, addresses: [...new Set(listening.map(a => a.replace(/\/p2p\/[^/]+$/, '')))].slice(0, 8) }
}

/** The API form of a provider's order (byte strings as hex). */
function orderJson (o: ProviderOrder): OrderJson {
  const hex = hexBytes
  const body = bodyOf(o)
  return {
    id: o.id, customer: o.customer, status: o.status, reservations: o.reservations, expiresAt: o.expiresAt, createdAt: o.createdAt, updatedAt: o.updatedAt,
    ...(o.code === undefined ? {} : { code: o.code }), ...(body === undefined ? {} : { body: hex(body) })
  }
}
