/**
 * Connection limits that hold for every address, loopback included.
 *
 * libp2p's `connectionManager.allow` list exempts its ranges from the per-IP rate limit but also
 * from `maxConnections`, the pending-connection cap and pruning (STACK.md), so it is not used.
 * Instead libp2p's own checks apply to every address (pending inbound connections capped,
 * `maxConnections` checked when a socket arrives, handshakes timed out), its per-IP rate limit is
 * switched off, and this gater adds:
 *
 * - a per-IP rate limit on new inbound connections, from which configured ranges are exempt
 *   (many honest nodes behind one address: loopback federations, one NAT);
 * - a cap on connections per peer id (one identity cannot open many connections);
 * - `maxConnections` again once the connection is upgraded, counting connections that passed this
 *   check in the same turn of the event loop: libp2p checks the limit when the socket arrives, so
 *   up to the pending cap of handshakes started below the limit would otherwise all complete.
 *
 * Outbound dials are not refused here (the node chooses them); libp2p's pruner closes the excess.
 */
import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { AddressRanges } from './gater.js'
import { ipOfMultiaddr } from './gater.js'

/** Options of {@link ConnectionLimiter}. */
export interface ConnectionLimits {
  /** Most connections (inbound and outbound) before new inbound ones are refused. */
  maxConnections: number
  /** Most connections with one peer id. */
  maxConnectionsPerPeer: number
  /** New inbound connections accepted per second from one IP address outside `rateLimitExempt`. */
  inboundPerIpPerSecond: number
  /** Addresses without a per-IP rate limit (every other limit applies to them). */
  rateLimitExempt: AddressRanges
}

/** What the limiter reads from libp2p, bound after the node is created. */
export interface ConnectionSource {
  getConnections: (peer?: PeerId) => Connection[]
}

/** IPs remembered by the rate limit at most; past this the window restarts (memory bound under a flood of addresses). */
const MAX_TRACKED_IPS = 10_000

/** See module doc. Create it, give libp2p {@link wrap}'s gater, then {@link bind} the created node. */
export class ConnectionLimiter {
  private source: ConnectionSource | undefined
  /** Connections let through the last check whose `connection:open` may not have been counted yet. */
  private admittedThisTurn = 0
  private window = { start: 0, counts: new Map<string, number>() }

  constructor (private readonly limits: ConnectionLimits, private readonly now: () => number = Date.now,
    /** Told each refusal with its reason (`per-ip-rate`, `per-peer`, `max-connections`). */
    private readonly onRefuse: (reason: string) => void = () => {}) {}

  /** Binds the libp2p node whose connections are counted. Until then nothing is refused. */
  bind (source: ConnectionSource): void {
    this.source = source
  }

  /** True (refuse) if `remoteAddr`'s IP opened its allowance of connections in this second. */
  denyInboundConnection (remoteAddr: Multiaddr): boolean {
    const ip = ipOfMultiaddr(remoteAddr)
    if (ip === undefined || this.limits.rateLimitExempt.contains(ip)) return false
    const now = this.now()
    if (now - this.window.start >= 1000 || this.window.counts.size >= MAX_TRACKED_IPS) this.window = { start: now, counts: new Map() }
    const n = (this.window.counts.get(ip) ?? 0) + 1
    this.window.counts.set(ip, n)
    return this.refuse(n > this.limits.inboundPerIpPerSecond, 'per-ip-rate')
  }

  private refuse (deny: boolean, reason: string): boolean {
    if (deny) this.onRefuse(reason)
    return deny
  }

  /** True (refuse) if `peer` already holds its share of connections. */
  denyPeer (peer: PeerId): boolean {
    return this.refuse((this.source?.getConnections(peer).length ?? 0) >= this.limits.maxConnectionsPerPeer, 'per-peer')
  }

  /** True (refuse) if the node is at `maxConnections`; otherwise counts this one in until the next turn. */
  denyUpgraded (): boolean {
    if (this.source === undefined) return false
    if (this.source.getConnections().length + this.admittedThisTurn >= this.limits.maxConnections) return this.refuse(true, 'max-connections')
    // libp2p registers the connection synchronously after this check resolves (connection:open);
    // by the next macrotask it is in getConnections() or its upgrade failed.
    if (this.admittedThisTurn++ === 0) setImmediate(() => { this.admittedThisTurn = 0 })
    return false
  }

  /**
   * `gater` with this limiter's inbound checks added; a refusal by `gater` comes first (and costs
   * the address none of its rate allowance).
   */
  wrap (gater: ConnectionGater): ConnectionGater {
    return {
      ...gater,
      denyInboundConnection: async (maConn) => (await gater.denyInboundConnection?.(maConn)) === true || this.denyInboundConnection(maConn.remoteAddr),
      denyInboundEncryptedConnection: async (peer, maConn) => (await gater.denyInboundEncryptedConnection?.(peer, maConn)) === true || this.denyPeer(peer),
      denyInboundUpgradedConnection: async (peer, maConn) => (await gater.denyInboundUpgradedConnection?.(peer, maConn)) === true || this.denyPeer(peer) || this.denyUpgraded()
    }
  }
}
