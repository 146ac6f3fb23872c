/** What the API serves, provided by the node (`node/`): the API itself only does HTTP. */
import type { z } from 'zod'
import type { OfferFilter, RecordJson } from '../offers/index.js'
import type * as S from './schemas.js'

/** A record in API answers: its JSON form and what the catalog did with it. */
export type PublishResult = z.infer<typeof S.PUBLISH_RESULT>

/**
 * What an append did: where the entry is, and which parties cosigned the new checkpoint.
 * `cosigning` says whether every other party cosigned before the ledger's cosign deadline (or the
 * node stopping). `pending`: the entry is durably appended, those parties are asked again later;
 * `code` is `LEDGER_PROTO_COSIGN_PENDING`. Absent when no daemon asked (offline append).
 */
export type LedgerAppendResult = z.infer<typeof S.APPEND_RESULT>

/** A provider's order as the API shows it (protocols/order-v1.md §API). */
export type OrderJson = z.infer<typeof S.ORDER>
/** What `GET /v1/status` answers. */
export type StatusJson = z.infer<typeof S.STATUS>
/** The latest checkpoint. */
export type CheckpointJson = z.infer<typeof S.CHECKPOINT>
/** A page of ledger entries. */
export type EntryPage = z.infer<typeof S.ENTRY_PAGE>
/** An inclusion proof. */
export type InclusionProofJson = z.infer<typeof S.INCLUSION_PROOF>
/** A consistency proof. */
export type ConsistencyProofJson = z.infer<typeof S.CONSISTENCY_PROOF>
/** An agreement of the ledger. */
export type AgreementJson = z.infer<typeof S.AGREEMENT>
/** A termination of a committed agreement. */
export type TerminationJson = z.infer<typeof S.TERMINATION>
/** A page of orders (ascending by id). */
export type OrderPage = z.infer<typeof S.ORDER_PAGE>

/** The operations behind the routes. Each may throw a FulcrumError, shown to the client with its code. */
export interface ApiBackend {
  /** Publishes an offer: a draft (signed here with the node's key) or a signed record in JSON form. */
  publish: (body: unknown) => Promise<PublishResult>
  /** Withdraws one of the node's offers; undefined if the node has no such offer. */
  withdraw: (id: string) => Promise<PublishResult | undefined>
  /** The node's own live offers. */
  ownOffers: () => Promise<RecordJson[]>
  /**
   * The record held for offer `id`: of `provider` if given, else the node's own, else the one
   * provider's that uses the id (API_AMBIGUOUS if several do); undefined if none.
   */
  offer: (id: string, provider: string | undefined) => Promise<{ record: RecordJson, own: boolean } | undefined>
  /** A page of the catalog matching a filter. */
  search: (filter: OfferFilter, limit: number | undefined, cursor: string | undefined) => Promise<{ records: RecordJson[], nextCursor?: string }>
  /** Connected peers, with the addresses they listen on (dialable, e.g. for `--peer`). */
  peers: () => Promise<Array<{ peerId: string, addresses: string[] }>>
  /**
   * Appends an agreement ledger entry (JSON `{ type, body, sigs }`, signed by every party, this
   * node among them) to the node's ledger, and asks the other parties to cosign.
   */
  appendEntry: (body: unknown) => Promise<LedgerAppendResult>
  /** A page of the provider's orders, ascending by id, after the id `cursor`; `status` filters. */
  orders: (query: { status?: string, limit: number, cursor?: string }) => Promise<OrderPage>
  /** One order; undefined if the node was never asked to hold it. */
  order: (id: string) => Promise<OrderJson | undefined>
  /** Operator decision on a pending hold (manual approval policy). Throws ORDER_STORE_* codes. */
  decideOrder: (id: string, approve: boolean) => Promise<OrderJson>
  /**
   * Terminates a committed agreement as this provider (order-v1 §5.3): `notice` days at least (the
   * terms' minimum applies if longer), `reason`. Throws ORDER_UNKNOWN_ORDER, ORDER_ALREADY_TERMINATED, ...
   */
  terminateOrder: (id: string, options: { notice?: number | undefined, reason?: string | undefined }) => Promise<TerminationJson>
  /** The node now (see {@link StatusJson}). */
  status: () => Promise<StatusJson>
  /** Asks the daemon to stop once the answer is sent; returns its process id. */
  requestStop: () => { pid: number }
  /** The ledger's latest checkpoint. */
  checkpoint: () => Promise<CheckpointJson>
  /** Entries from `start`, at most `limit` (LOG_OUT_OF_RANGE past the end). */
  entries: (start: number, limit: number) => Promise<EntryPage>
  /** Inclusion proof of the entry at `index` or of document `id` in the tree of `size` (default: current). */
  inclusionProof: (at: { index?: number, id?: string }, size: number | undefined) => Promise<InclusionProofJson>
  /** Consistency proof between two sizes (LOG_OUT_OF_RANGE unless 0 < size1 <= size2 <= size). */
  consistencyProof: (size1: number, size2: number | undefined) => Promise<ConsistencyProofJson>
  /** The agreements of the ledger in log order, from position `start`, at most `limit`. */
  agreements: (start: number, limit: number) => Promise<{ agreements: AgreementJson[], next?: number }>
  /** One agreement; undefined if the ledger has none with this id. */
  agreement: (id: string) => Promise<AgreementJson | undefined>
}
