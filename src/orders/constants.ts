/**
 * Limits and timing of the order negotiation (protocols/order-v1.md §3 and §6). Every value is
 * part of the protocol: both sides compute deadlines from the same constants.
 */

/** Message format version (the `v` field). */
export const ORDER_MESSAGE_VERSION = 1

/** Largest encoded message: a commit carries a whole ledger entry (at most 64 KiB) plus a little. */
export const MAX_ORDER_MESSAGE_BYTES = 72 * 1024
/** Most items in one order: a composed order names a handful; 32 keeps an entry far under 64 KiB. */
export const MAX_ORDER_ITEMS = 32
/** Longest order id, item name, offer id: the ledger's id limit, so an order id is an entry id. */
export const MAX_ORDER_ID_LENGTH = 128
/** Longest item name. */
export const MAX_ITEM_NAME_LENGTH = 64
/** Longest refusal reason: enough for a sentence, short enough to log. */
export const MAX_REASON_LENGTH = 512
/** Longest decimal amount string (offer-v1: 12 + 1 + 9 digits). */
export const MAX_AMOUNT_LENGTH = 22
/** Longest currency or unit string (offer-v1 vocabularies are short words). */
export const MAX_UNIT_LENGTH = 16
/** Longest agreement term in months: ten years. */
export const MAX_TERM_MONTHS = 120

/**
 * Most that two parties' clocks may differ. NTP keeps servers within milliseconds; 2 s tolerates a
 * badly synced host. Deadlines below leave room for it on both sides.
 */
export const ORDER_CLOCK_SKEW_MS = 2_000
/**
 * The customer decides commit only while `now < commitBy - COMMIT_MARGIN_MS`: the margin covers the
 * clock skew plus the first delivery attempt of the certificate, so a provider whose clock is ahead
 * still has its whole GRACE to receive it.
 */
export const COMMIT_MARGIN_MS = 5_000
/**
 * A hold lasts until `commitBy + GRACE_MS` (provider clock). Within GRACE a certificate decided
 * before `commitBy - COMMIT_MARGIN_MS` must reach every provider, by the customer's retries or by
 * forwarding (the protocol's timing assumption, §7).
 */
export const GRACE_MS = 30_000
/**
 * When a provider still holding past `commitBy + QUERY_AFTER_MS` starts asking the other parties for
 * the certificate (cooperative termination): after the customer must have decided, well before expiry.
 */
export const QUERY_AFTER_MS = 10_000
/** Shortest hold window a provider accepts (`commitBy - now`): a customer needs time to gather holds. */
export const MIN_HOLD_WINDOW_MS = COMMIT_MARGIN_MS + 1_000
/** Longest hold window a provider accepts: a customer cannot make a provider hold without limit. */
export const MAX_HOLD_WINDOW_MS = 10 * 60_000
/** Default commit window a customer asks for: a few request/response rounds plus retries. */
export const DEFAULT_COMMIT_WINDOW_MS = 30_000
/** How often an unanswered hold, commit, abort or status query is sent again. */
export const RETRY_INTERVAL_MS = 1_000
/**
 * How long a provider remembers an ended (released or expired) order: until any replay of its hold
 * is refused for its deadline anyway (`commitBy` is past), plus the skew.
 */
export const ENDED_RETENTION_MS = ORDER_CLOCK_SKEW_MS
/** Domain tag prefix of order messages: `fulcrum/order/<kind>/v1`. */
export const ORDER_DOMAIN_PREFIX = 'fulcrum/order/'
/** How long a quote's prices are firm: long enough to plan and send the holds, short enough to follow price changes. */
export const QUOTE_VALIDITY_MS = 60_000
/** Longest peer id field: an Ed25519 peer id is 52 characters; other strings are refused by the checks that follow. */
export const MAX_PEER_ID_LENGTH = 64
/** Longest error code in a `refused` message (codes are short SCREAMING_SNAKE words). */
export const MAX_CODE_LENGTH = 64

/** One day in ms: notice periods are given in days (`fulcrum order terminate --notice DAYS`). */
export const DAY_MS = 86_400_000
/** Longest notice period and longest minimum notice in terms: ten years, the longest term. */
export const MAX_NOTICE_DAYS = 3_650
/**
 * How long after its `createdAt` a termination may still gather signatures (§5.3): a party signs
 * one only while `now <= createdAt + TERMINATION_MAX_AGE_MS`, so an initiator cannot backdate a
 * termination (to shorten its notice) by more than this. One hour lets a light-client customer
 * that was offline come back; past it, an incomplete termination lapses and may be issued again.
 */
export const TERMINATION_MAX_AGE_MS = 60 * 60_000
/**
 * When an incomplete termination counts as lapsed for everyone: its signing window plus twice the
 * skew, so that no honest party, whatever its clock, can still complete it once another party
 * accepts its replacement.
 */
export const TERMINATION_LAPSE_MS = TERMINATION_MAX_AGE_MS + 2 * ORDER_CLOCK_SKEW_MS
/** How often a party re-sends a termination to the parties that lack signatures it has: not urgent, often enough for a restart. */
export const TERMINATION_RETRY_MS = 10_000
/**
 * How long a complete termination is pushed to the parties not known to have it: a day covers a
 * provider's restart or outage; a light-client customer pulls it (`termination-query`) anyway.
 */
export const TERMINATION_DELIVERY_MS = 24 * 60 * 60_000
