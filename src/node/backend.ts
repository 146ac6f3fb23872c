/** The API backend of a node: publish, withdraw, list and search over discovery and the catalog. */
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

/** Components of the backend. */
export interface BackendComponents {
  identity: Identity
  discovery: Discovery
  catalog: CatalogView
  libp2p: Pick<FulcrumLibp2p, 'getConnections' | 'getMultiaddrs' | 'peerStore'>
  now: () => number
  /**
   * The agreement ledger: appends go through it so that counterparties are asked to cosign; it
   * bounds cosigning with its deadline and its stop().
   */
  ledger: Pick<LedgerService, 'append'> & { size: () => number }
  /** Extra health fields (counters of other modules). */
  health?: () => Record<string, unknown>
}

/** Builds the {@link ApiBackend} of a node. */
export function nodeBackend (c: BackendComponents): ApiBackend {
  return {
    async publish (body) {
      const record = isRecordJson(body)
        ? recordFromJson(body)
        : signOffer(completeOffer(body, { provider: c.identity.peerId, now: c.now() }), c.identity)
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
        index: r.index, leafHash: Buffer.from(r.leafHash).toString('base64'), existing: r.existing, size: c.ledger.size(), cosigners: r.cosigners,
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
    health () {
      return {
        status: 'ok',
        peerId: c.identity.peerId,
        addresses: c.libp2p.getMultiaddrs().map(String),
        peers: new Set(c.libp2p.getConnections().map(x => x.remotePeer.toString())).size,
        catalog: c.discovery.index.size,
        gossip: { ...c.discovery.gossip.stats },
        ...c.health?.()
      }
    }
  }
}
