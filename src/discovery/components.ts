/**
 * What discovery needs from the rest of the node, and nothing more: a view of the catalog, the
 * node's identity (for its own offers), a clock and a logger. `node/` adapts the real catalog.
 */
import type { InsertDecision, HeldRecord } from '../catalog/decide.js'
import type { OfferFilter, VerifiedRecord } from '../offers/index.js'

/** One entry of a catalog's key set, as reconciled by sync (protocols/discovery-v1.md §Sync). */
export interface SyncEntry {
  /** The record key `provider/id`. */
  key: string
  seq: number
  /** When the record stops mattering (offer expiry, withdrawal retention); expired entries are not synced. */
  expiresAt: number
}

/** A page of query results. */
export interface CatalogPage {
  /** Canonical record bytes, as signed. */
  records: Uint8Array[]
  /** Present when more results follow. */
  nextCursor?: string
}

/** The catalog as discovery uses it. */
export interface CatalogView {
  /** What the catalog holds for (provider, id), for the insert decision. */
  held: (provider: string, id: string) => Promise<HeldRecord | undefined>
  /**
   * Stores a verified record. The decision (see decideInsert) is taken and applied in memory at
   * once; `persisted` settles when it is on disk, so gossip can relay without waiting for the write.
   */
  insert: (record: VerifiedRecord, now: number) => { decision: InsertDecision, persisted: Promise<void>, evicted?: string }
  /**
   * Stores several verified records (a sync page) with one catalog write and one index update;
   * resolves once they are on disk, with one result per record, in order.
   */
  insertMany: (records: readonly VerifiedRecord[], now: number) => Promise<Array<{ decision: InsertDecision, evicted?: string }>>
  /** True if the catalog's limits would take a record under `key` now (sync fetches nothing else). */
  admits: (key: string) => boolean
  /** True if the catalog holds any record of `provider` (a known provider skips the new-provider budget). */
  knowsProvider: (provider: string) => boolean
  /** The canonical bytes of the record held for `key`, if any. */
  getBytes: (key: string) => Promise<Uint8Array | undefined>
  /** The canonical bytes held for each of `keys` (undefined where none), in one store read: a sync page. */
  getBytesMany: (keys: readonly string[]) => Promise<Array<Uint8Array | undefined>>
  /** Every record held (live or not), for building the sync index at start. */
  entries: () => AsyncIterable<SyncEntry>
  /** A page of live offers that match the filter (throws OFFER_BAD_FILTER, CATALOG_BAD_CURSOR). */
  query: (filter: OfferFilter, options: { limit: number, cursor?: string, now: number }) => Promise<CatalogPage>
  /** The records (offers and withdrawals) held for one provider. */
  byProvider: (provider: string) => Promise<VerifiedRecord[]>
}
