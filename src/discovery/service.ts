/**
 * The discovery service: offer gossip, the DHT index, catalog sync and the query protocol, on one
 * libp2p node and one catalog. Also keeps the node's own offers alive: re-gossips them and renews
 * (re-signs with a later expiry) those close to expiry.
 */
import type { VerifyPool } from '../verify/index.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { KadDHT } from '@libp2p/kad-dht'
import type { PeerId, Startable, Connection, IdentifyResult } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import type { Telemetry } from '../metrics/telemetry.js'
import { serveProtocol } from '../network/index.js'
import type { ProtocolDialer, ProtocolRegistrar } from '../network/index.js'
import { signOffer, signWithdrawal, verifyRecord, recordKey } from '../offers/index.js'
import type { OfferRecord, VerifiedRecord } from '../offers/index.js'
import type { InsertDecision } from '../catalog/decide.js'
import type { CatalogView } from './components.js'
import { MAX_PROTOCOL_MESSAGE_BYTES, QUERY_PROTOCOL, SYNC_PROTOCOL } from './constants.js'
import { OfferGossip, PENALTY_PER_INVALID_RECORD } from './gossip.js'
import { DhtIndex } from './dht-index.js'
import { Ingestor } from './ingest.js'
import type { PeerPenalties, RateLimit } from '../gossip/index.js'
import { SyncIndex } from './sync/fingerprint.js'
import { syncHandler } from './sync/server.js'
import { syncWithPeer, FetchClaims, SYNC_LIMITS } from './sync/client.js'
import type { SyncReport } from './sync/client.js'
import { SyncScheduler } from './sync/schedule.js'
import { queryHandler, QUERY_LIMITS } from './query.js'

/** How often the node syncs with one random peer, to close gaps gossip left. */
export const SYNC_INTERVAL_MS = 30_000
/** A peer is synced with at most this often (an identify storm must not become a sync storm). */
export const MIN_RESYNC_MS = 5_000
/** Sync peers remembered at most (identify refills the set as peers reconnect). */
const MAX_SYNC_PEERS_TRACKED = 10_000
/** How often own offers are checked for re-gossip and renewal. */
export const REPUBLISH_CHECK_MS = 60_000
/** Own records are re-gossiped this often, for nodes that missed them and never synced. */
export const REGOSSIP_INTERVAL_MS = 10 * 60_000
/** An own offer is renewed when less than this fraction of its lifetime remains. */
export const RENEW_FRACTION = 0.1

/** The libp2p node as discovery uses it. */
export interface DiscoveryLibp2p extends ProtocolDialer, ProtocolRegistrar {
  services: { pubsub: GossipSub, dht: KadDHT }
  getConnections: () => Connection[]
  addEventListener: (type: 'peer:identify', listener: (evt: CustomEvent<IdentifyResult>) => void) => void
  removeEventListener: (type: 'peer:identify', listener: (evt: CustomEvent<IdentifyResult>) => void) => void
}

/** Components of {@link Discovery}. */
export interface DiscoveryComponents {
  libp2p: DiscoveryLibp2p
  catalog: CatalogView
  identity: Identity
  penalties: PeerPenalties
  logger: Logger
  now: () => number
  /** Where synced records are verified (the node's thread pool); inline if absent. */
  pool?: VerifyPool
  /** Told gossip verdicts and served requests (metrics, summary logs). */
  telemetry?: Telemetry
}

/** Options of {@link Discovery}. */
export interface DiscoveryInit {
  /** Re-sign own offers before they expire (default true). */
  renewOwnOffers?: boolean
  syncIntervalMs?: number
  minResyncMs?: number
  republishCheckMs?: number
  /** The new-provider admission budget of offer gossip (config `catalogLimits`; default DEFAULT_NEW_PROVIDER_RATE). */
  newProviderRate?: RateLimit
}

/** See module doc. */
export class Discovery implements Startable {
  readonly index = new SyncIndex()
  readonly ingestor: Ingestor
  readonly gossip: OfferGossip
  readonly dhtIndex: DhtIndex
  private readonly log: Logger
  private readonly claims = new FetchClaims()
  private readonly syncs: SyncScheduler
  /** Peers seen (by identify) to speak the sync protocol; reset past MAX_SYNC_PEERS_TRACKED. */
  private readonly syncPeers = new Set<string>()
  private readonly lastGossip = new Map<string, number>()
  private readonly timers: Array<ReturnType<typeof setInterval>> = []
  private unserve: Array<() => Promise<void>> = []
  private controller = new AbortController()

  constructor (private readonly c: DiscoveryComponents, private readonly init: DiscoveryInit = {}) {
    this.log = c.logger.child({ component: 'discovery' })
    this.ingestor = new Ingestor(c.catalog, this.index, c.now, this.log, c.pool)
    this.gossip = new OfferGossip(c.libp2p.services.pubsub, this.ingestor, c.penalties, this.log, init.newProviderRate, c.telemetry)
    this.dhtIndex = new DhtIndex(c.libp2p.services.dht, this.log, c.now)
    this.syncs = new SyncScheduler({
      run: async (peer) => { await this.syncLogged(peer) },
      connected: (peer) => this.c.libp2p.getConnections().some(conn => conn.remotePeer.equals(peer)),
      now: c.now,
      minResyncMs: init.minResyncMs ?? MIN_RESYNC_MS
    })
  }

  async start (): Promise<void> {
    this.controller = new AbortController()
    this.syncs.restart()
    for await (const entry of this.c.catalog.entries()) this.index.update(entry)
    this.unserve = [
      await serveProtocol(this.c.libp2p, SYNC_PROTOCOL, syncHandler(this.index, this.c.catalog, this.c.now),
        { ...SYNC_LIMITS, maxMessageBytes: MAX_PROTOCOL_MESSAGE_BYTES }, this.log, this.c.telemetry),
      await serveProtocol(this.c.libp2p, QUERY_PROTOCOL, queryHandler(this.c.catalog, this.c.now), QUERY_LIMITS, this.log, this.c.telemetry)
    ]
    this.gossip.start()
    this.dhtIndex.start()
    this.c.libp2p.addEventListener('peer:identify', this.onIdentify)
    for (const r of await this.ownLive()) this.serveIndex(r)
    this.timers.push(setInterval(() => { this.syncWithRandomPeer() }, this.init.syncIntervalMs ?? SYNC_INTERVAL_MS))
    this.timers.push(setInterval(() => { void this.republish() }, this.init.republishCheckMs ?? REPUBLISH_CHECK_MS))
    for (const t of this.timers) t.unref?.()
  }

  async stop (): Promise<void> {
    this.controller.abort()
    this.syncs.stop()
    this.c.libp2p.removeEventListener('peer:identify', this.onIdentify)
    for (const t of this.timers.splice(0)) clearInterval(t)
    this.dhtIndex.stop()
    this.gossip.stop()
    await Promise.all(this.unserve.splice(0).map(async u => { await u() }))
  }

  /**
   * Verifies, stores and gossips a signed record (the node's own, or any valid record). Returns the
   * catalog's decision; only a stored record is gossiped. Throws OFFER_* codes for an invalid one.
   */
  async publish (record: OfferRecord): Promise<{ decision: InsertDecision, verified: VerifiedRecord }> {
    const verified = verifyRecord(record, this.c.now())
    // The node's own records are on disk (its own-records file, fsynced) before any peer sees them;
    // another provider's record is passed on as a gossip validator relays it: once the catalog holds
    // it in memory (sync fetches it again if the write is lost).
    const own = record.body.provider === this.c.identity.peerId
    const decision = await this.ingestor.store(verified, this.c.now(), own)
    if (decision === 'store') {
      await this.gossip.publish(verified.bytes)
      this.lastGossip.set(recordKey(record), this.c.now())
      if (record.body.provider === this.c.identity.peerId) this.serveIndex(verified)
    }
    return { decision, verified }
  }

  /** Signs and publishes a withdrawal of this node's offer `id`; undefined if no such offer is held. */
  async withdraw (id: string): Promise<{ decision: InsertDecision, verified: VerifiedRecord } | undefined> {
    const held = await this.c.catalog.held(this.c.identity.peerId, id)
    if (held === undefined || held.record.kind !== 'offer') return undefined
    const now = this.c.now()
    const record = signWithdrawal({ provider: this.c.identity.peerId, id, seq: Math.max(held.record.body.seq + 1, now), issuedAt: now }, this.c.identity)
    return await this.publish(record)
  }

  /** This node's live offers. */
  async ownLive (): Promise<VerifiedRecord[]> {
    const now = this.c.now()
    return (await this.c.catalog.byProvider(this.c.identity.peerId))
      .filter(r => r.record.kind === 'offer' && r.record.body.expiresAt > now)
  }

  /** Reconciles with one peer now and pulls what differs. */
  async syncWith (peer: PeerId | Multiaddr | Multiaddr[]): Promise<SyncReport> {
    const report = await syncWithPeer(this.c.libp2p, peer, this.index, this.ingestor, this.c.now, { signal: this.controller.signal, claims: this.claims })
    if (report.invalid > 0) this.c.penalties.penalise(String(peer), report.invalid * PENALTY_PER_INVALID_RECORD)
    return report
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const id = evt.detail.peerId.toString()
    if (!evt.detail.protocols.includes(SYNC_PROTOCOL)) {
      this.syncPeers.delete(id)
      return
    }
    if (this.syncPeers.size >= MAX_SYNC_PEERS_TRACKED) this.syncPeers.clear()
    this.syncPeers.add(id)
    this.syncs.request(evt.detail.peerId)
  }

  /** One scheduled sync (see sync/schedule.ts): its outcome is logged, never thrown. */
  private async syncLogged (peer: PeerId): Promise<void> {
    const id = peer.toString()
    try {
      const report = await this.syncWith(peer)
      if (report.fetched > 0) this.log.info('synced catalog', { peer: id, ...report })
    } catch (err) {
      this.log.debug('sync failed', { peer: id, code: (err as { code?: string }).code, err: (err as Error).message })
    }
  }

  private syncWithRandomPeer (): void {
    // Only peers that identified as speaking sync (not light clients).
    const conns = this.c.libp2p.getConnections().filter(c => this.syncPeers.has(c.remotePeer.toString()))
    const conn = conns[Math.floor(Math.random() * conns.length)]
    if (conn !== undefined) this.syncs.request(conn.remotePeer)
  }

  private serveIndex (verified: VerifiedRecord): void {
    if (verified.record.kind === 'offer') this.dhtIndex.serve(verified.record.body.service.type, verified.record.body.location.country)
  }

  /** Renews own offers near expiry and re-gossips the others now and then. */
  private async republish (): Promise<void> {
    try {
      const now = this.c.now()
      for (const v of await this.ownLive()) {
        if (v.record.kind !== 'offer') continue
        const offer = v.record.body
        const lifetime = offer.expiresAt - offer.issuedAt
        if (this.init.renewOwnOffers !== false && offer.expiresAt - now < lifetime * RENEW_FRACTION) {
          const renewed = signOffer({ ...offer, seq: Math.max(offer.seq + 1, now), issuedAt: now, expiresAt: now + lifetime }, this.c.identity)
          await this.publish(renewed)
        } else if (now - (this.lastGossip.get(recordKey(v.record)) ?? 0) >= REGOSSIP_INTERVAL_MS) {
          await this.gossip.publish(v.bytes)
          this.lastGossip.set(recordKey(v.record), now)
        }
      }
    } catch (err) {
      this.log.warn('republish failed', { code: (err as { code?: string }).code, err: (err as Error).message })
    }
  }
}
