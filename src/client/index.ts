/**
 * The light client: asks one or more nodes for offers matching a filter, verifies every record
 * itself (signature, expiry, filter), trusts no node, merges the answers and never joins the
 * gossip mesh. With a service type and countries it can also look providers up in the DHT index
 * and ask their nodes directly. The search itself is `search.ts` (no transport: the browser page
 * runs it on its own node); this module adds the Node light node the CLI searches through.
 */
import { createLightLibp2pNode } from '../network/index.js'
import { mergeOffers } from '../offers/index.js'
import { searchVia } from './search.js'
import type { SearchNode, SearchOptions, SearchResult } from './search.js'

export * from './search.js'
export * from './plan.js'

/** Re-exported: the light client merges what nodes answer with the one pure merge of offers/. */
export { mergeOffers }

/**
 * Searches through `options.libp2p` (an existing light node, left running) or a throwaway light
 * node (see {@link searchVia} for the errors).
 */
export async function searchOffers (options: SearchOptions & { libp2p?: SearchNode }): Promise<SearchResult> {
  if (options.libp2p !== undefined) return await searchVia(options.libp2p, options)
  const node = await createLightLibp2pNode({ dht: options.useDht === true, ...(options.allowedDialRanges === undefined ? {} : { allowedDialRanges: options.allowedDialRanges }) })
  try {
    return await searchVia(node, options)
  } finally {
    await node.stop()
  }
}
