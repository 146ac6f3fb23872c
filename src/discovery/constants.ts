/**
 * Protocol ids, topics and limits of discovery-v1. Each value cites its section of
 * protocols/discovery-v1.md and says why it is what it is.
 */

/** §Gossip: the gossipsub topic that carries signed offer records (one record per message). */
export const OFFER_TOPIC = '/fulcrum/offers/1.0.0'
/** §Sync: range-based set reconciliation of catalogs. */
export const SYNC_PROTOCOL = '/fulcrum/catalog-sync/1.0.0'
/** §Query: filtered pages of signed offers for light clients. */
export const QUERY_PROTOCOL = '/fulcrum/catalog-query/1.0.0'
/** §DHT index: prefix of the string hashed into a provider key per (service type, country). */
export const DHT_KEY_PREFIX = '/fulcrum/offers/1.0.0/'

/** §Messages: every sync and query message fits in 1 MiB (a page of up to 200 records of at most 4 KiB). */
export const MAX_PROTOCOL_MESSAGE_BYTES = 1024 * 1024
/** §Messages: a peer that takes longer than this for one message is cut off. */
export const MESSAGE_TIMEOUT_MS = 10_000
/** §Sync: a whole sync session (all rounds and fetches) ends after this, converged or not. */
export const SYNC_SESSION_TIMEOUT_MS = 60_000
/** §Query: a query session (all pages) ends after this. */
export const QUERY_SESSION_TIMEOUT_MS = 30_000

/** §Limits: inbound sync or query sessions one peer holds at once (a node syncs with a peer once at a time). */
export const MAX_SESSIONS_PER_PEER = 4
/** §Limits: inbound sync and query sessions served at once across all peers. */
export const MAX_CONCURRENT_SESSIONS = 64
/** §Limits: the first request of a session must start within this of the stream opening. */
export const FIRST_REQUEST_TIMEOUT_MS = 2_000

/** §Sync: ranges per reconciliation message, bounding the work one message can ask for. */
export const MAX_RANGES_PER_MESSAGE = 256
/** §Sync: a range holding at most this many items on the server is answered with its items. */
export const ITEMS_THRESHOLD = 32
/** §Sync: the most items listed for one range (a range the client holds nothing of); larger ones are split. */
export const MAX_ITEMS_PER_RANGE = 2048
/** §Sync: a differing range is split into this many sub-ranges (depth log16(n): 4 rounds for 65k offers). */
export const SPLIT_FANOUT = 16
/** §Sync: keys per fetch message: 200 records of at most 4 KiB stay under the message cap. */
export const MAX_KEYS_PER_FETCH = 200
/**
 * §Sync: pages of fetched records a sync verifies and stores at once while it asks for the next:
 * enough that the verification threads never wait for the network (4 x 200 records keep 8 threads
 * busy), few enough that a peer answering faster than we verify holds at most 4 MiB here.
 */
export const MAX_PAGES_VERIFYING = 4
/** §Sync: reconciliation rounds per session; log16 depth plus re-asks, far above what honest sets need. */
export const MAX_SYNC_ROUNDS = 64
/**
 * §Sync: fetch and span pages per session (819,200 records, beyond what a 60 s session moves): the
 * initiator's bound against a responder that would feed it pages of its own fresh records forever.
 */
export const MAX_FETCH_PAGES = 4096
/** §Sync: longest key (52-char peer id, '/', offer id of at most 64 characters). */
export const MAX_KEY_LENGTH = 128
/** §Sync: bytes of a range fingerprint (XOR of truncated SHA-256 item hashes). */
export const FINGERPRINT_BYTES = 16
/** §Sync: byte budget for a response's items, leaving room for the envelope under the message cap. */
export const RESPONSE_BUDGET_BYTES = 900 * 1024

/** §Query: records per page, at most: the catalog's page cap (100 x 4 KiB records, under the message cap). */
export { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '../catalog/limits.js'
/** §Query: longest cursor string (catalog cursors are short opaque strings). */
export const MAX_CURSOR_LENGTH = 512
