/**
 * The page's light client: one light libp2p node (WebSockets, no listening address), kept open
 * between searches, that asks nodes through the CLI's own search (`searchVia`) and verifies every
 * record in this browser with the portable @noble/ed25519 path. Nothing a node says is shown
 * before it passed those checks.
 */
import type { Libp2p } from '@libp2p/interface'
import { createLightLibp2pNode } from '../../network/light.js'
import type { LightServices } from '../../network/light.js'
import { searchVia } from '../../client/search.js'
import type { SearchResult } from '../../client/search.js'
import type { OfferFilter } from '../../offers/index.js'

/**
 * Offers the page asks each node for: nodes answer cheapest first, so these are each node's
 * cheapest matches. The CLI asks for up to 10,000; a page verifying them all with the portable
 * path (about 10x slower than node:crypto) would keep a visitor waiting seconds, and a table of
 * thousands of rows helps no one: narrowing the filter is the way to see others.
 */
export const PAGE_RESULTS_PER_NODE = 200

/** The browser's light client session (see module doc). */
export class BrowserSession {
  private node: Promise<Libp2p<LightServices>> | undefined

  constructor (private readonly allowedDialRanges: string[]) {}

  /** The light node, created on first use. */
  async libp2p (): Promise<Libp2p<LightServices>> {
    this.node ??= createLightLibp2pNode({ allowedDialRanges: this.allowedDialRanges })
    return await this.node
  }

  /** Searches `peers` for `filter` (each node's cheapest {@link PAGE_RESULTS_PER_NODE}); every offer in the result was verified here. */
  async search (peers: string[], filter: OfferFilter, signal?: AbortSignal): Promise<SearchResult> {
    return await searchVia(await this.libp2p(), { peers, filter, portable: true, maxResultsPerNode: PAGE_RESULTS_PER_NODE, ...(signal === undefined ? {} : { signal }) })
  }

  /** Closes the light node's connections. */
  async stop (): Promise<void> {
    const node = this.node
    this.node = undefined
    await (await node)?.stop()
  }
}
