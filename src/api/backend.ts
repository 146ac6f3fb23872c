/** What the API serves, provided by the node (`node/`): the API itself only does HTTP. */
import type { OfferFilter, RecordJson } from '../offers/index.js'

/** A record in API answers: its JSON form and what the catalog did with it. */
export interface PublishResult {
  decision: string
  record: RecordJson
}

/** What an append did: where the entry is, and which parties cosigned the new checkpoint. */
export interface LedgerAppendResult {
  index: number
  /** Base64 leaf hash. */
  leafHash: string
  /** True if the same entry was already in the ledger (nothing was appended). */
  existing: boolean
  size: number
  cosigners: string[]
  /**
   * Whether every other party cosigned the new checkpoint before the ledger's cosign deadline (or
   * the node stopping). `pending`: the entry is durably appended, those parties are asked again
   * later; `code` is `LEDGER_PROTO_COSIGN_PENDING`. Absent when no daemon asked (offline append).
   */
  cosigning?: { status: 'complete' } | { status: 'pending', code: string, pending: string[] }
}

/** A provider's order as the API shows it (protocols/order-v1.md §API). */
export interface OrderJson {
  id: string
  customer: string
  /** pending (awaiting the operator), held, committed, released, expired, refused. */
  status: string
  reservations: Array<{ offer: string, quantity: number }>
  expiresAt: number
  createdAt: number
  updatedAt: number
  /** Why it was refused, released or expired. */
  code?: string
  /** The agreement body held (parties, items, prices, term, commitBy). */
  body?: unknown
  /** Terminations of the committed agreement this provider knows (order-v1 §5.3). */
  terminations?: unknown[]
}

/** The operations behind the routes. Each may throw a FulcrumError, shown to the client with its code. */
export interface ApiBackend {
  /** Publishes an offer: a draft (signed here with the node's key) or a signed record in JSON form. */
  publish: (body: unknown) => Promise<PublishResult>
  /** Withdraws one of the node's offers; undefined if the node has no such offer. */
  withdraw: (id: string) => Promise<PublishResult | undefined>
  /** The node's own live offers. */
  ownOffers: () => Promise<RecordJson[]>
  /** A page of the catalog matching a filter. */
  search: (filter: OfferFilter, limit: number | undefined, cursor: string | undefined) => Promise<{ records: RecordJson[], nextCursor?: string }>
  /** Connected peers, with the addresses they listen on (dialable, e.g. for `--peer`). */
  peers: () => Promise<Array<{ peerId: string, addresses: string[] }>>
  /**
   * Appends an agreement ledger entry (JSON `{ type, body, sigs }`, signed by every party, this
   * node among them) to the node's ledger, and asks the other parties to cosign.
   */
  appendEntry: (body: unknown) => Promise<LedgerAppendResult>
  /** The provider's orders, newest status first is not guaranteed: by id. `status` filters. */
  orders: (status: string | undefined) => Promise<OrderJson[]>
  /** One order; undefined if the node was never asked to hold it. */
  order: (id: string) => Promise<OrderJson | undefined>
  /** Operator decision on a pending hold (manual approval policy). Throws ORDER_STORE_* codes. */
  decideOrder: (id: string, approve: boolean) => Promise<OrderJson>
  /**
   * Terminates a committed agreement as this provider (order-v1 §5.3): `notice` days at least (the
   * terms' minimum applies if longer), `reason`. Throws ORDER_UNKNOWN_ORDER, ORDER_ALREADY_TERMINATED, ...
   */
  terminateOrder: (id: string, options: { notice?: number, reason?: string }) => Promise<unknown>
  /** Liveness and a few counters. */
  health: () => Record<string, unknown>
}
