/**
 * The light client as one object, for the browser page (and for Node tests of the browser path):
 * search, plan, place an order, list the customer's agreements with their proofs, audit a
 * provider. It wires the shared pieces and adds nothing of its own: the search of `search.ts`,
 * the planner of `orders/` (through `plan.ts`), the customer machine of `order-protocol/` that
 * `fulcrum order place` runs, the customer's ledger of `log/`, and `audit.ts`. It is handed a
 * libp2p node (the page's, over WebSockets; the CLI's over TCP) and the customer's state
 * (`state.ts`: IndexedDB or memory), so it imports no transport and no file system.
 */
import { FulcrumError } from '../errors/index.js'
import { publicKeyFromPeerId, verifyPortable } from '../identity/index.js'
import type { OfferFilter } from '../offers/index.js'
import { checkOrderDocument } from '../orders/index.js'
import type { Plan, PlanOutcome, Verifier } from '../orders/index.js'
import { placeOrder, resumeOrders } from '../order-protocol/customer.js'
import type { CustomerComponents, OrderOutcome, ProgressEvent } from '../order-protocol/customer.js'
import { randomBytes } from '#platform/crypto'
import { auditProvider } from './audit.js'
import type { ProviderAudit } from './audit.js'
import { myAgreements } from './agreements.js'
import type { MyAgreements } from './agreements.js'
import { planPicks, planWith, providerAddresses } from './plan.js'
import type { Pick } from './plan.js'
import { searchVia } from './search.js'
import type { SearchNode, SearchResult, SourceReport } from './search.js'
import type { CustomerState } from './state.js'

/** Error codes of the light client object. */
export const LightClientError = {
  /** An order document that does not validate (the issues are in the message). */
  BAD_DOCUMENT: 'CLIENT_BAD_DOCUMENT',
  /** An audit of a provider with no known address. */
  NO_ADDRESS: 'CLIENT_NO_ADDRESS'
} as const

/** What the light client is made of. */
export interface LightClientInit {
  /** A started libp2p node that dials (the page's browser node; the customer's key should be its key). */
  node: SearchNode
  state: CustomerState
  /** Multiaddrs (with /p2p/) of the nodes searched. */
  peers: string[]
  now?: () => number
  /** Verify with @noble/ed25519 everywhere, even where the platform has a faster path (Node tests of the browser path). */
  portable?: boolean
}

/** Options of {@link LightClient.placeOrder}. */
export interface PlaceOptions {
  /** Told each step of each provider: quote, hold, held, commit, committed, refused, unreachable... */
  onProgress?: (event: ProgressEvent) => void
  commitWindowMs?: number
  /** Ask every provider for a firm quote first (order-v1 §5.2.1). */
  quote?: { withinPct?: number }
  signal?: AbortSignal
}

/** Provider signatures checked with @noble/ed25519 (see {@link LightClientInit.portable}). */
const portableVerifier: Verifier = (peerId, message, sig) => {
  try {
    return verifyPortable(publicKeyFromPeerId(peerId), message, sig)
  } catch {
    return false
  }
}

/** See module doc. */
export class LightClient {
  private readonly now: () => number

  constructor (private readonly init: LightClientInit) {
    this.now = init.now ?? Date.now
  }

  /** The customer's peer id (the key of its state). */
  get customer (): string {
    return this.init.state.identity.peerId
  }

  /** Offers matching `filter` from the peers, each verified here. */
  async search (filter: OfferFilter, options: { signal?: AbortSignal, maxResultsPerNode?: number } = {}): Promise<SearchResult> {
    return await searchVia(this.init.node, {
      peers: this.init.peers, filter, now: this.now, portable: this.init.portable === true, ...options
    })
  }

  /** Plans an order document (parsed JSON) against live offers. Throws `CLIENT_BAD_DOCUMENT` if it does not validate. */
  async planDocument (document: unknown): Promise<{ outcome: PlanOutcome, sources: SourceReport[] }> {
    const checked = checkOrderDocument(document)
    if (!checked.ok) throw new FulcrumError(LightClientError.BAD_DOCUMENT, checked.issues.map(i => `${i.code}: ${i.path}: ${i.message}`).join('; '))
    return await planWith(async (filter, max) => await this.search(filter, max === undefined ? {} : { maxResultsPerNode: max }), checked.document, this.now)
  }

  /** Plans an order of exactly the picked offers for `months` (see {@link planPicks}). */
  planPicks (picks: readonly Pick[], months: number): PlanOutcome {
    return planPicks(picks, months, this.now())
  }

  /**
   * Places `plan` with the customer machine of `fulcrum order place`: all or nothing, the
   * agreement in the customer's ledger before any commit is sent. Resolves with the outcome.
   */
  async placeOrder (plan: Plan, options: PlaceOptions = {}): Promise<OrderOutcome> {
    const c = this.components(options.onProgress, options.signal)
    return await placeOrder(c, plan, providerAddresses(plan, this.init.peers), {
      ...(options.commitWindowMs === undefined ? {} : { commitWindowMs: options.commitWindowMs }),
      ...(options.quote === undefined ? {} : { quote: options.quote })
    })
  }

  /** Finishes what an earlier session left (a reload mid-order): a decided commit is delivered, an undecided order aborted. */
  async resume (onProgress?: (event: ProgressEvent) => void): Promise<OrderOutcome[]> {
    return await resumeOrders(this.components(onProgress))
  }

  /** The customer's agreements, each with a verified inclusion proof in its own ledger. */
  async agreements (): Promise<MyAgreements> {
    return await myAgreements(this.init.state.log, this.now())
  }

  /**
   * Audits `provider` (see audit.ts), reached at `addresses`, or else where this customer reached
   * it for its orders, or at a peer of that id. Throws `CLIENT_NO_ADDRESS` if none is known.
   */
  async auditProvider (provider: string, addresses?: string[], signal?: AbortSignal): Promise<ProviderAudit> {
    const known = addresses ?? await this.addressesOf(provider)
    if (known.length === 0) throw new FulcrumError(LightClientError.NO_ADDRESS, `no address known for ${provider}`)
    const { log, seen } = this.init.state
    return await auditProvider({ dialer: this.init.node, log, seen, now: this.now }, provider, known, signal)
  }

  private async addressesOf (provider: string): Promise<string[]> {
    const out = new Set(this.init.peers.filter(p => p.endsWith(`/p2p/${provider}`)))
    for (const row of await this.init.state.store.list()) for (const a of row.addresses[provider] ?? []) out.add(a)
    return [...out]
  }

  private components (progress?: (event: ProgressEvent) => void, signal?: AbortSignal): CustomerComponents {
    const { identity, store, log } = this.init.state
    return {
      identity,
      dialer: this.init.node,
      store,
      log,
      now: this.now,
      random: randomBytes,
      ...(progress === undefined ? {} : { progress }),
      ...(signal === undefined ? {} : { signal }),
      ...(this.init.portable === true ? { verifier: portableVerifier } : {})
    }
  }
}
