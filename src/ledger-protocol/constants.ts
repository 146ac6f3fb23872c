/**
 * Protocol ids, topic and limits of ledger-v1. Each value cites its section of
 * protocols/ledger-v1.md and says why it is what it is.
 */

/** §Protocol: request/response over length-prefixed streams. */
export const LEDGER_PROTOCOL = '/fulcrum/ledger/1.0.0'
/** §Gossip: signed checkpoint notes, one per message. */
export const CHECKPOINT_TOPIC = '/fulcrum/checkpoints/1.0.0'

/** §Messages: one message holds a page of entries (at most 64 KiB each) or a proof. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024
/** §Entries: entries per page; 48 entries of at most 64 KiB stay under the message cap. */
export const MAX_ENTRIES_PER_PAGE = 48
/** §Entries: byte budget for a page's leaves, leaving room for the envelope. */
export const PAGE_BYTE_BUDGET = 3 * 1024 * 1024
/** §Messages: a peer that takes longer than this for one message is cut off. */
export const MESSAGE_TIMEOUT_MS = 10_000
/** §Messages: a session (e.g. fetching many pages) ends after this. */
export const SESSION_TIMEOUT_MS = 120_000
/** §Messages: requests per session: 10,000 pages of 48 is 480,000 entries. */
export const MAX_REQUESTS_PER_SESSION = 10_000
/** §Messages: inbound sessions served at once across all peers (bounds disk reads). */
export const MAX_CONCURRENT_SESSIONS = 32
/** §Limits: inbound sessions one peer holds at once (a counterparty cosigns, observes and audits: 3). */
export const MAX_SESSIONS_PER_PEER = 4
/** §Limits: the first request of a session must start within this of the stream opening. */
export const FIRST_REQUEST_TIMEOUT_MS = 2_000
/** §Messages: a proof has at most 2 x 64 hashes (trees below 2^64 leaves). */
export const MAX_PROOF_HASHES = 128
/** §Gossip: the node re-announces its checkpoint this often on average (each wait 0.5-1.5x this), for peers that missed it. */
export const ANNOUNCE_INTERVAL_MS = 60_000
/** §Witnessing: observations of other logs running at once (each may fetch a proof). */
export const MAX_CONCURRENT_OBSERVATIONS = 4
/** §Cosigning: counterparties asked to cosign at once after an append. */
export const MAX_CONCURRENT_COSIGN_REQUESTS = 8
/**
 * §Cosigning: after an append, counterparties have this long to cosign before the append returns
 * with the rest pending (an honest peer answers in one round trip; a dial plus a request each
 * within the 10 s message timeout). Well below the API's 30 s request timeout, so an append
 * through the API always reports what happened.
 */
export const COSIGN_DEADLINE_MS = 10_000
/** §Cosigning: cosignatures kept per checkpoint (one per counterparty; the note limit is 100 lines). */
export const MAX_COSIGNATURES = 64
