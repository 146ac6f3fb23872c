/**
 * The page's light client: one light libp2p node (WebSockets, no listening address), kept open
 * between searches, that asks nodes through the CLI's own search (`searchVia`) and verifies every
 * record in this browser with the portable @noble/ed25519 path. Nothing a node says is shown
 * before it passed those checks. The node carries the customer's key (kept in IndexedDB with the
 * customer's orders and ledger, src/client/state.ts): providers accept order messages only from
 * their signer, so the light client that places orders must dial under that key.
 */
import type { Libp2p } from '@libp2p/interface'
import { createLightLibp2pNode } from '../../network/light.js'
import type { LightServices } from '../../network/light.js'
import { searchVia } from '../../client/search.js'
import type { SearchResult } from '../../client/search.js'
import type { OfferFilter } from '../../offers/index.js'
import { LightClient, openBrowserState } from '../../client/browser.js'
import type { CustomerState } from '../../client/browser.js'

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
  private state: Promise<CustomerState> | undefined

  constructor (private readonly allowedDialRanges: string[]) {}

  /** The customer's state in this browser (key, orders, ledger, audit baselines), opened on first use. */
  async customer (): Promise<CustomerState> {
    this.state ??= openBrowserState()
    return await this.state
  }

  /** The light node under the customer's key, created on first use (a throwaway key if this browser cannot keep state). */
  async libp2p (): Promise<Libp2p<LightServices>> {
    this.node ??= (async () => {
      const seed = await this.customer().then(s => s.identity.seed, () => undefined)
      return await createLightLibp2pNode({ allowedDialRanges: this.allowedDialRanges, ...(seed === undefined ? {} : { seed }) })
    })()
    return await this.node
  }

  /** The light client (search, plan, orders, agreements, audits) over `peers`, on this session's node and state. */
  async client (peers: string[]): Promise<LightClient> {
    return new LightClient({ node: await this.libp2p(), state: await this.customer(), peers, portable: true })
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
