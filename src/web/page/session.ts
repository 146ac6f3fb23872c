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

/** The browser's light client session (see module doc). */
export class BrowserSession {
  private node: Promise<Libp2p<LightServices>> | undefined

  constructor (private readonly allowedDialRanges: string[]) {}

  /** The light node, created on first use. */
  async libp2p (): Promise<Libp2p<LightServices>> {
    this.node ??= createLightLibp2pNode({ allowedDialRanges: this.allowedDialRanges })
    return await this.node
  }

  /** Searches `peers` for `filter`; every offer in the result was verified here. */
  async search (peers: string[], filter: OfferFilter, signal?: AbortSignal): Promise<SearchResult> {
    return await searchVia(await this.libp2p(), { peers, filter, portable: true, ...(signal === undefined ? {} : { signal }) })
  }

  /** Closes the light node's connections. */
  async stop (): Promise<void> {
    const node = this.node
    this.node = undefined
    await (await node)?.stop()
  }
}
