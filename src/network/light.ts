/**
 * The light libp2p node of clients (search, orders, audits), apart from the daemon's node so that
 * a browser bundle of the light client imports neither TCP nor gossipsub: its transports come from
 * `#platform/transports` (TCP and WebSockets on Node, WebSockets only in a browser).
 */
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import type { ServiceFactoryMap } from 'libp2p'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import type { KadDHT } from '@libp2p/kad-dht'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { parseRanges, rangeConnectionGater } from './gater.js'
import { lightTransports } from '#platform/transports'

/** The DHT protocol id: a private DHT, never the public IPFS one (`/ipfs/kad/1.0.0`). */
export const DHT_PROTOCOL = '/fulcrum/kad/1.0.0'

/** Default dial ranges of a light client and of a node: loopback only. */
export const DEFAULT_DIAL_RANGES = ['127.0.0.0/8']

/** Options of {@link createLightLibp2pNode}. */
export interface LightNodeInit {
  /**
   * An Ed25519 seed for the client's peer id (default: a fresh key). A customer placing an order
   * uses its identity's seed, because providers accept order messages only from their signer.
   */
  seed?: Uint8Array
  /** CIDR ranges the client may dial (default 127.0.0.0/8). */
  allowedDialRanges?: string[]
  /** Include identify, ping and the DHT in client mode, for provider lookups (default false). */
  dht?: boolean
}

/** libp2p services of a light client: no gossipsub; the DHT (client mode) only when asked for. */
export type LightServices = {
  identify?: Identify
  ping?: Ping
  dht?: KadDHT
}

/**
 * A light libp2p node for clients (TCP and WebSockets in Node, WebSockets in a browser): a throwaway key, no listening address and no gossip mesh. Without
 * `dht` it runs no service at all (a query needs only a stream), which keeps a one-shot search to a
 * dial, a noise handshake and the query; with `dht` it adds identify, ping and the private DHT in
 * client mode (it looks up providers but stores nothing for others).
 */
export async function createLightLibp2pNode (init: LightNodeInit = {}): Promise<Libp2p<LightServices>> {
  const ranges = parseRanges(init.allowedDialRanges ?? DEFAULT_DIAL_RANGES)
  return await createLibp2p<LightServices>({
    ...(init.seed === undefined ? {} : { privateKey: await generateKeyPairFromSeed('Ed25519', init.seed) }),
    addresses: { listen: [] },
    transports: lightTransports(),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: rangeConnectionGater(ranges),
    services: (init.dht === true
      ? { identify: identify(), ping: ping(), dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: true, peerInfoMapper: passthroughMapper }) }
      : {}) as ServiceFactoryMap<LightServices>
  })
}
