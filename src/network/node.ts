/**
 * The libp2p node factory: TCP, noise, yamux, identify, ping, a private Kademlia DHT and
 * gossipsub, confined to configured address ranges. Nothing here knows about offers: protocols
 * register on the returned node.
 */
import { createLibp2p } from 'libp2p'
import type { Libp2p, PrivateKey, Transport } from '@libp2p/interface'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { kadDHT, removePrivateAddressesMapper, passthroughMapper } from '@libp2p/kad-dht'
import type { KadDHT } from '@libp2p/kad-dht'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import { parseRanges, rangeConnectionGater } from './gater.js'
import { parseMultiaddrs } from './bootstrap.js'
import { NetworkError } from './errors.js'
import { ConnectionLimiter } from './limits.js'
import { libp2pLogger } from './libp2p-log.js'
import { DEFAULT_DIAL_RANGES, DHT_PROTOCOL } from './light.js'
import type { Telemetry } from '../metrics/telemetry.js'


/**
 * Inbound connections in their handshake at once (libp2p refuses more; with no allow-list this
 * holds for every address). libp2p's default of 10 is too few for a bootstrap node that many nodes
 * dial together (STACK.md: 49 dialers left 11 unconnected at 10); 64 handshakes are cheap.
 */
export const MAX_INCOMING_PENDING_CONNECTIONS = 64
/**
 * A socket that has not finished its handshake (noise, muxer) within this is closed, whatever its
 * address. libp2p's default of 10 s: a loopback handshake takes milliseconds, but a node whose
 * event loop is loaded (seen here: an honest handshake past 5 s on a machine at load 24) must not
 * drop honest peers. A silent socket holds one of the pending slots that long.
 */
export const INBOUND_UPGRADE_TIMEOUT_MS = 10_000
/**
 * libp2p's connection monitor pings every connection this often and closes it when a ping fails.
 * With libp2p's defaults (every 10 s, a timeout from 5 s, the ping handler's own 10 s) a node whose
 * event loop was busy closed healthy connections (50 nodes in 5 processes starting on 2 cores: 3,691
 * closed in 4 minutes), and each close cost a re-dial, a noise handshake, identify and a sync, i.e.
 * more load: the federation never settled. Pinging every 30 s with a 30 s timeout (never two pings
 * on one connection at once: the ping protocol allows one outbound stream) still closes a dead
 * peer's connection within a minute, and costs a third of the pings.
 */
export const CONNECTION_PING_INTERVAL_MS = 30_000
/** The least time a connection-monitor ping may take (see {@link CONNECTION_PING_INTERVAL_MS}); also the ping handler's deadline. */
export const CONNECTION_PING_TIMEOUT_MS = 30_000
/**
 * Connections with one peer id: two when both dial each other at once, with room for a reconnect
 * while the old connection closes; one identity cannot take many of the node's connections.
 */
export const MAX_CONNECTIONS_PER_PEER = 4
/**
 * New inbound connections per second from one IP address (libp2p's default), for addresses outside
 * `rateLimitExemptRanges`.
 */
export const INBOUND_CONNECTIONS_PER_IP_PER_SECOND = 5

/**
 * Gossipsub RPCs larger than this are dropped before decoding: an RPC holds a few offers of at
 * most 8 KiB each plus control messages, so 1 MiB is generous while bounding memory per peer.
 */
const MAX_GOSSIP_RPC_BYTES = 1024 * 1024

/**
 * Message ids gossipsub's fast id already computed, by the message's data: gossipsub asks for the
 * fast id of every message received, then for the id of each new one, and both are this hash.
 */
const contentIds = new WeakMap<Uint8Array, Uint8Array>()

/** SHA-256 of a gossip message's data: its message id. */
function contentId (data: Uint8Array): Uint8Array {
  let id = contentIds.get(data)
  if (id === undefined) {
    id = new Uint8Array(createHash('sha256').update(data).digest())
    contentIds.set(data, id)
  }
  return id
}

/** libp2p services of a Fulcrum node. */
export type FulcrumServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

/** A started or stopped Fulcrum libp2p node. */
export type FulcrumLibp2p = Libp2p<FulcrumServices>

/** Options of {@link createLibp2pNode}. */
export interface Libp2pNodeInit {
  /** The node's Ed25519 seed (the identity's seed: the libp2p peer id is the identity's peer id). */
  seed: Uint8Array
  /** Listen multiaddrs, e.g. `/ip4/127.0.0.1/tcp/0`. */
  listen: string[]
  /**
   * WebSocket listen multiaddrs, e.g. `/ip4/127.0.0.1/tcp/0/ws`: what browsers dial. Connections
   * arriving there pass the same gater, limits and protocols as TCP ones.
   */
  webSocketListen?: string[]
  /** CIDR ranges the node may dial (default 127.0.0.0/8). */
  allowedDialRanges?: string[]
  /** CIDR ranges inbound connections may come from (default: any address). */
  allowedInboundRanges?: string[]
  /**
   * Upper bound on open connections, for every address: inbound connections beyond it are refused
   * (outbound ones the node opens itself are pruned back to it by libp2p).
   */
  maxConnections?: number
  /** Connections with one peer id at most (default {@link MAX_CONNECTIONS_PER_PEER}). */
  maxConnectionsPerPeer?: number
  /** New inbound connections per second per IP (default {@link INBOUND_CONNECTIONS_PER_IP_PER_SECOND}). */
  inboundConnectionsPerIpPerSecond?: number
  /**
   * CIDR ranges exempt from the per-IP rate limit only (default 127.0.0.0/8: a loopback federation
   * dials from one address). Every other limit still applies to them.
   */
  rateLimitExemptRanges?: string[]
  /** Handshake deadline of inbound connections (default {@link INBOUND_UPGRADE_TIMEOUT_MS}). */
  inboundUpgradeTimeoutMs?: number
  /** Told each connection the limiter refuses (metrics). */
  telemetry?: Telemetry
  /** libp2p's own metrics (connections, streams, transfer, DHT, gossipsub), e.g. `@libp2p/prometheus-metrics`. */
  metrics?: Libp2pOptions['metrics']
  /**
   * IPs exempt from gossipsub's IP colocation penalty: several honest nodes behind one address
   * (loopback, one NAT) would otherwise score each other out of the mesh.
   */
  ipColocationWhitelist?: string[]
  /** Gossipsub peer-score parameters per topic (set by the protocols that own the topics). */
  topicScoreParams?: Record<string, Partial<TopicScoreParams>>
  /** Application-specific score of a peer (e.g. rate-limit penalties); weighted by gossipsub. */
  appSpecificScore?: (peerId: string) => number
  /**
   * Keep loopback and private addresses in DHT peer records. True for loopback federations and
   * private networks; false on the public internet, where private addresses are useless to others.
   */
  keepPrivateAddresses?: boolean
  /** Start the node before returning (default true). */
  start?: boolean
}

/** Defaults for ranges and limits that {@link Libp2pNodeInit} leaves out. */
export const LIBP2P_DEFAULTS = {
  allowedDialRanges: DEFAULT_DIAL_RANGES,
  /** Enough for a 50-node federation on one machine with room for clients. */
  maxConnections: 300,
  rateLimitExemptRanges: ['127.0.0.0/8'],
  ipColocationWhitelist: ['127.0.0.1']
}

/** The protocol names of a listen address of each kind: TCP, or WebSockets over TCP. */
const LISTEN_SHAPES = {
  tcp: { names: ['tcp'], example: '/ip4/ADDR/tcp/PORT or /ip6/ADDR/tcp/PORT' },
  ws: { names: ['tcp', 'ws'], example: '/ip4/ADDR/tcp/PORT/ws or /ip6/ADDR/tcp/PORT/ws' }
} as const

/**
 * Parses listen addresses: each must be a multiaddr the transport can listen on, for `kind` tcp
 * (default) `/ip4/ADDR/tcp/PORT` or `/ip6/ADDR/tcp/PORT`, for ws the same ending in `/ws`.
 * Throws `NET_BAD_ADDRESS` naming the first bad one.
 */
export function parseListenAddrs (addrs: readonly string[], kind: keyof typeof LISTEN_SHAPES = 'tcp'): Multiaddr[] {
  const shape = LISTEN_SHAPES[kind]
  return parseMultiaddrs(addrs, 'listen address').map((ma, i) => {
    const names = ma.getComponents().map(c => c.name)
    if ((names[0] !== 'ip4' && names[0] !== 'ip6') || names.slice(1).join('/') !== shape.names.join('/')) {
      throw new FulcrumError(NetworkError.BAD_ADDRESS,
        `listen address ${JSON.stringify(addrs[i])} is not a ${kind === 'tcp' ? 'TCP' : 'WebSocket'} address; expected ${shape.example}`)
    }
    return ma
  })
}

/** Why a listen failed, for the common errno codes; anything else keeps the system's message. */
const LISTEN_ERRNO: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use (another process, perhaps another fulcrum daemon, listens on that port)',
  EADDRNOTAVAIL: 'address not available (no such local address on this machine)',
  EACCES: 'permission denied (ports below 1024 need privileges)'
}

/** `NET_LISTEN_FAILED` for a failed `libp2p.start()`, naming each address that failed and why. */
function listenError (err: unknown, failures: ReadonlyMap<string, unknown>, listen: readonly string[]): unknown {
  if ((err as Error | undefined)?.name !== 'UnsupportedListenAddressesError') return err
  const causes = failures.size > 0
    ? [...failures].map(([addr, e]) => {
        const code = (e as NodeJS.ErrnoException).code
        return `${addr}: ${(code !== undefined ? LISTEN_ERRNO[code] : undefined) ?? (e as Error).message}${code === undefined ? '' : ` [${code}]`}`
      })
    : [`${listen.join(', ')}: ${(err as Error).message}`]
  return new FulcrumError(NetworkError.LISTEN_FAILED, `cannot listen on ${causes.join('; ')}`, { cause: [...failures.values()][0] ?? err })
}

/**
 * A transport that records the error of every listen that fails (libp2p keeps only their text) and
 * bounds its listeners' sockets: sockets beyond `maxSockets` are dropped before libp2p sees them, a
 * hard bound on inbound sockets (and their memory) whatever happens above. TCP takes the bound as
 * an option; the WebSocket listener's socket server is the `server` it exposes.
 */
function recordingTransport<C> (factory: (components: C) => Transport, failures: Map<string, unknown>, maxSockets: number,
  firstByteDeadlineMs?: number): (components: C) => Transport {
  return (components) => {
    const transport = factory(components)
    const createListener = transport.createListener.bind(transport)
    transport.createListener = (options) => {
      const listener = createListener(options)
      const server = (listener as { server?: { maxConnections?: number, on?: (e: 'connection', f: (s: Socket) => void) => void } }).server
      if (server !== undefined) server.maxConnections = maxSockets
      if (firstByteDeadlineMs !== undefined) server?.on?.('connection', socket => { closeIfSilent(socket, firstByteDeadlineMs) })
      const listen = listener.listen.bind(listener)
      listener.listen = async (ma) => {
        try {
          await listen(ma)
        } catch (err) {
          failures.set(ma.toString(), err)
          throw err
        }
      }
      return listener
    }
    return transport
  }
}

/**
 * Closes `socket` unless its first bytes arrive within `ms`. The WebSocket listener waits for a
 * socket's first byte (to tell HTTP from HTTPS) with no deadline, before libp2p's handshake timeout
 * starts: without this, a socket that never speaks would hold one of the bounded sockets for ever.
 * Once it has spoken, the HTTP upgrade and then libp2p's own deadlines take over.
 */
function closeIfSilent (socket: Socket, ms: number): void {
  socket.setTimeout(ms, () => { socket.destroy() })
  socket.once('readable', () => { socket.setTimeout(0) })
}

/**
 * The WebSocket transport dials only where the global `WebSocket` exists (Node 22+, browsers): on
 * Node 20 it would claim /ws addresses and fail each dial, so there it only listens and peers are
 * dialled over TCP.
 */
function dialsWhereWebSocketExists<C> (factory: (components: C) => Transport): (components: C) => Transport {
  return (components) => {
    const transport = factory(components)
    const dialFilter = transport.dialFilter.bind(transport)
    transport.dialFilter = (addrs) => typeof globalThis.WebSocket === 'function' ? dialFilter(addrs) : []
    return transport
  }
}

/**
 * Creates a libp2p node for Fulcrum. Its connection limits hold for every address (see limits.ts);
 * only the per-IP rate limit of new inbound connections exempts `rateLimitExemptRanges` (by default
 * 127.0.0.0/8: many local nodes would otherwise get ECONNRESET). Throws
 * `NET_BAD_ADDRESS` for a malformed CIDR range or listen address, before creating anything. Its
 * `start()` (also when `init.start` starts it here) throws `NET_LISTEN_FAILED` naming the address
 * and the cause (e.g. EADDRINUSE) if a listen address cannot be listened on; libp2p has then
 * stopped whatever it had started, other listeners included.
 */
export async function createLibp2pNode (init: Libp2pNodeInit): Promise<FulcrumLibp2p> {
  const ranges = parseRanges(init.allowedDialRanges ?? LIBP2P_DEFAULTS.allowedDialRanges)
  const inbound = init.allowedInboundRanges === undefined ? undefined : parseRanges(init.allowedInboundRanges)
  parseListenAddrs(init.listen)
  const webSocketListen = init.webSocketListen ?? []
  parseListenAddrs(webSocketListen, 'ws')
  const privateKey: PrivateKey = await generateKeyPairFromSeed('Ed25519', init.seed)
  const keepPrivate = init.keepPrivateAddresses ?? true
  const failures = new Map<string, unknown>()
  const maxConnections = init.maxConnections ?? LIBP2P_DEFAULTS.maxConnections
  const maxSockets = maxConnections + MAX_INCOMING_PENDING_CONNECTIONS
  const limiter = new ConnectionLimiter({
    maxConnections,
    maxConnectionsPerPeer: init.maxConnectionsPerPeer ?? MAX_CONNECTIONS_PER_PEER,
    inboundPerIpPerSecond: init.inboundConnectionsPerIpPerSecond ?? INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
    rateLimitExempt: parseRanges(init.rateLimitExemptRanges ?? LIBP2P_DEFAULTS.rateLimitExemptRanges)
  }, Date.now, reason => { init.telemetry?.refused('connections', reason) })
  const logger = libp2pLogger(process.env.DEBUG)
  const node = await createLibp2p<FulcrumServices>({
    privateKey,
    start: false,
    ...(logger === undefined ? {} : { logger }),
    ...(init.metrics === undefined ? {} : { metrics: init.metrics }),
    addresses: { listen: [...init.listen, ...webSocketListen] },
    transports: [
      recordingTransport(tcp({ maxConnections: maxSockets }), failures, maxSockets),
      recordingTransport(dialsWhereWebSocketExists(webSockets()), failures, maxSockets, init.inboundUpgradeTimeoutMs ?? INBOUND_UPGRADE_TIMEOUT_MS)
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: limiter.wrap(rangeConnectionGater(ranges, inbound)),
    connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS, pingTimeout: { minTimeout: CONNECTION_PING_TIMEOUT_MS, maxTimeout: CONNECTION_PING_TIMEOUT_MS } },
    connectionManager: {
      maxConnections,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS,
      inboundUpgradeTimeout: init.inboundUpgradeTimeoutMs ?? INBOUND_UPGRADE_TIMEOUT_MS,
      // The per-IP rate limit is the limiter's (with its exempt ranges); no allow-list (module doc).
      inboundConnectionThreshold: Number.MAX_SAFE_INTEGER
    },
    services: {
      identify: identify(),
      ping: ping({ timeout: CONNECTION_PING_TIMEOUT_MS }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        peerInfoMapper: keepPrivate ? passthroughMapper : removePrivateAddressesMapper
      }),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        maxInboundDataLength: MAX_GOSSIP_RPC_BYTES,
        // Every Fulcrum gossip message is a self-authenticating signed object (an offer record, a
        // checkpoint), so messages carry no libp2p-level signature, author or seqno (as in Ethereum's
        // gossip): no per-hop signature check, and the same object relayed or republished by several
        // nodes is one message (content-addressed id), validated and forwarded once per node. The
        // fast id drops duplicates before any decoding.
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: (msg) => contentId(msg.data),
        fastMsgIdFn: (msg) => Buffer.from(contentId(msg.data ?? new Uint8Array())).toString('base64'),
        scoreParams: {
          IPColocationFactorWhitelist: new Set(init.ipColocationWhitelist ?? LIBP2P_DEFAULTS.ipColocationWhitelist),
          topics: Object.fromEntries(Object.entries(init.topicScoreParams ?? {}).map(([t, p]) => [t, createTopicScoreParams(p)])),
          ...(init.appSpecificScore === undefined ? {} : { appSpecificScore: init.appSpecificScore })
        }
      })
    }
  })
  limiter.bind(node)
  const start = node.start.bind(node)
  node.start = async () => {
    failures.clear()
    try {
      await start()
    } catch (err) {
      throw listenError(err, failures, [...init.listen, ...webSocketListen])
    }
  }
  if (init.start ?? true) await node.start()
  return node
}
