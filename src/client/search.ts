/**
 * The light client's search over a libp2p node it is given (the CLI's throwaway node, or the
 * page's browser node): asks each node for offers matching a filter, verifies every record itself
 * (signature, expiry, filter), trusts no node, and merges the answers. Imports no transport, so a
 * browser bundle can use it (`client/index.ts` adds the Node light node for the CLI).
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError, describeError } from '../errors/index.js'
import { parseMultiaddrs } from '../network/bootstrap.js'
import type { ProtocolDialer } from '../network/reqresp.js'
import { queryPeer } from '../discovery/query.js'
import { findProviders } from '../discovery/dht-index.js'
import { compileFilter, mergeOffers } from '../offers/index.js'
import type { OfferFilter, VerifiedRecord } from '../offers/index.js'

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

/** Options of a search. */
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

/** A node a search runs on: it dials protocols; with a DHT (client mode) it can also look providers up. */
export type SearchNode = ProtocolDialer & { dial?: (t: Multiaddr | Multiaddr[], o?: { signal?: AbortSignal }) => Promise<unknown>, services?: { dht?: KadDHT } }

/**
 * Searches through `node` (see module doc). Throws CLIENT_NO_PEERS, CLIENT_ALL_PEERS_FAILED,
 * OFFER_BAD_FILTER, NET_BAD_ADDRESS. The DHT is used when the node has one and `useDht` is set.
 */
export async function searchVia (node: SearchNode, options: SearchOptions): Promise<SearchResult> {
  compileFilter(options.filter)
  const targets: Array<Multiaddr | Multiaddr[]> = parseMultiaddrs(options.peers)
  if (targets.length === 0) throw new FulcrumError(ClientError.NO_PEERS, 'no node to ask: give --peer, FULCRUM_PEERS or config peers')
  const signal = AbortSignal.any([AbortSignal.timeout(SEARCH_TIMEOUT_MS), ...(options.signal === undefined ? [] : [options.signal])])
  const dht = options.useDht === true ? node.services?.dht : undefined
  if (dht !== undefined && node.dial !== undefined) {
    // Connect first: the DHT routes through the nodes it is connected to (identify adds them).
    const dial = node.dial.bind(node)
    await Promise.allSettled(targets.map(async t => await dial(t, { signal })))
    targets.push(...await dhtTargets(dht, options.filter, targets, signal))
  }
  const answers = await Promise.all(targets.slice(0, MAX_NODES_ASKED).map(async (target) => await askOne(node, target, options, signal)))
  const sources = answers.map(a => a.source)
  if (sources.every(s => s.error !== undefined)) {
    throw new FulcrumError(ClientError.ALL_PEERS_FAILED, `no node answered: ${sources.map(s => `${s.peer}: ${s.error ?? ''}`).join('; ')}`)
  }
  return { ...mergeOffers(answers.map(a => a.records)), sources }
}

async function askOne (node: ProtocolDialer, target: Multiaddr | Multiaddr[], options: SearchOptions,
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
