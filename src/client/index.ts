/**
 * The light client: asks one or more nodes for offers matching a filter, verifies every record
 * itself (signature, expiry, filter), trusts no node, merges the answers and never joins the
 * gossip mesh. With a service type and countries it can also look providers up in the DHT index
 * and ask their nodes directly.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError, describeError } from '../errors/index.js'
import { createLightLibp2pNode } from '../network/light.js'
import type { LightServices } from '../network/light.js'
import { parseMultiaddrs } from '../network/bootstrap.js'
import { queryPeer } from '../discovery/query.js'
import { findProviders } from '../discovery/dht-index.js'
import { compileFilter, mergeOffers } from '../offers/index.js'
import type { OfferFilter, VerifiedRecord } from '../offers/index.js'

/** Re-exported: the light client merges what nodes answer with the one pure merge of offers/. */
export { mergeOffers }

/** Error codes of the light client. */
export const ClientError = {
  /** No node to ask: no --peer, FULCRUM_PEERS or config peers. */
  NO_PEERS: 'CLIENT_NO_PEERS',
  /** Every node asked failed to answer. */
  ALL_PEERS_FAILED: 'CLIENT_ALL_PEERS_FAILED'
} as const

/** A whole search gives up after this long, whatever the nodes do. */
export const SEARCH_TIMEOUT_MS = 20_000
/** Nodes asked at most: the given peers plus providers found in the DHT. */
export const MAX_NODES_ASKED = 16
/** Results kept at most per node. */
export const MAX_RESULTS_PER_NODE = 10_000

/** Options of {@link searchOffers}. */
export interface SearchOptions {
  /** Multiaddrs (with /p2p/) of the nodes to ask. */
  peers: string[]
  filter: OfferFilter
  /** Also ask the providers of (type, country) found in the DHT (needs `filter.type` and `filter.countries`). */
  useDht?: boolean
  allowedDialRanges?: string[]
  maxResultsPerNode?: number
  signal?: AbortSignal
  now?: () => number
  /** Verify with the portable (pure JavaScript) ed25519 path. */
  portable?: boolean
  /**
   * A light node to ask through (e.g. the web page's, kept open between searches); it is left
   * running. Default: a fresh one, stopped at the end. `useDht` needs its `dht` service.
   */
  libp2p?: Libp2p<LightServices>
}

/** What one node contributed. */
export interface SourceReport {
  peer: string
  offers: number
  /** Records that failed verification or did not match the filter. */
  rejected: number
  /** The error code if the node did not answer. */
  error?: string
}

/** The merged, verified answer of a search. */
export interface SearchResult {
  /** Verified offers, one per (provider, id) at its highest seq, cheapest first. */
  offers: VerifiedRecord[]
  sources: SourceReport[]
  /** Keys for which nodes served two different records with the same seq (provider equivocation): left out. */
  conflicts: string[]
}

/** Asks the nodes (see module doc). Throws CLIENT_NO_PEERS, CLIENT_ALL_PEERS_FAILED, OFFER_BAD_FILTER, NET_BAD_ADDRESS. */
export async function searchOffers (options: SearchOptions): Promise<SearchResult> {
  compileFilter(options.filter)
  const targets: Array<Multiaddr | Multiaddr[]> = parseMultiaddrs(options.peers)
  if (targets.length === 0) throw new FulcrumError(ClientError.NO_PEERS, 'no node to ask: give --peer, FULCRUM_PEERS or config peers')
  const signal = AbortSignal.any([AbortSignal.timeout(SEARCH_TIMEOUT_MS), ...(options.signal === undefined ? [] : [options.signal])])
  const node = options.libp2p ??
    await createLightLibp2pNode({ dht: options.useDht === true, ...(options.allowedDialRanges === undefined ? {} : { allowedDialRanges: options.allowedDialRanges }) })
  try {
    const dht = node.services.dht
    if (dht !== undefined) {
      // Connect first: the DHT routes through the nodes it is connected to (identify adds them).
      await Promise.allSettled(targets.map(async t => await node.dial(t, { signal })))
      targets.push(...await dhtTargets(dht, options.filter, targets, signal))
    }
    const answers = await Promise.all(targets.slice(0, MAX_NODES_ASKED).map(async (target) => await askOne(node, target, options, signal)))
    const sources = answers.map(a => a.source)
    if (sources.every(s => s.error !== undefined)) {
      throw new FulcrumError(ClientError.ALL_PEERS_FAILED, `no node answered: ${sources.map(s => `${s.peer}: ${s.error ?? ''}`).join('; ')}`)
    }
    return { ...mergeOffers(answers.map(a => a.records)), sources }
  } finally {
    if (options.libp2p === undefined) await node.stop()
  }
}

async function askOne (node: Libp2p<LightServices>, target: Multiaddr | Multiaddr[], options: SearchOptions,
  signal: AbortSignal): Promise<{ records: VerifiedRecord[], source: SourceReport }> {
  const peer = (Array.isArray(target) ? target[0] : target)?.toString() ?? ''
  try {
    const answer = await queryPeer(node, target, options.filter, {
      signal, maxResults: options.maxResultsPerNode ?? MAX_RESULTS_PER_NODE, portable: options.portable === true, ...(options.now === undefined ? {} : { now: options.now })
    })
    return { records: answer.records, source: { peer, offers: answer.records.length, rejected: answer.rejected } }
  } catch (err) {
    return { records: [], source: { peer, offers: 0, rejected: 0, error: err instanceof FulcrumError ? err.code : describeError(err) } }
  }
}

/** Providers of (type, country) from the DHT, reached through the nodes already known. */
async function dhtTargets (dht: KadDHT, filter: OfferFilter,
  known: Array<Multiaddr | Multiaddr[]>, signal: AbortSignal): Promise<Multiaddr[][]> {
  if (filter.type === undefined || filter.countries === undefined) return []
  const out: Multiaddr[][] = []
  for (const country of filter.countries) {
    try {
      for (const p of await findProviders(dht, filter.type, country, signal)) {
        const addrs = p.multiaddrs.map(a => multiaddr(`${a.toString()}/p2p/${p.id.toString()}`))
        if (addrs.length > 0 && !known.some(k => String(Array.isArray(k) ? k[0] : k).endsWith(p.id.toString()))) out.push(addrs)
      }
    } catch {}
  }
  return out
}
