/**
 * Error codes of the order negotiation (protocols/order-v1.md §8). A provider sends them to the
 * customer in a `refused` message, the customer machine throws them, the CLI and the API show them.
 * Order documents and the planner have their own codes (`OrderDocError`, `ORDER_DOC_*`, `ORDER_PLAN_*`).
 */
export const OrderError = {
  /** A message that is not canonical CBOR of the expected shape, or of an unknown version or kind. */
  BAD_MESSAGE: 'ORDER_BAD_MESSAGE',
  /** A message or held signature that does not verify for its sender. */
  BAD_SIGNATURE: 'ORDER_BAD_SIGNATURE',
  /** A message addressed to another peer (a replay of someone else's message). */
  WRONG_RECIPIENT: 'ORDER_WRONG_RECIPIENT',
  /** An agreement body whose terms do not follow order-v1 §4 (items, parties, totals, deadline). */
  BAD_TERMS: 'ORDER_BAD_TERMS',
  /** A hold whose `commitBy` is past, too close, or further away than a provider holds. */
  BAD_DEADLINE: 'ORDER_BAD_DEADLINE',
  /** The sender is not a party of the order, or not the party allowed to send this message. */
  NOT_A_PARTY: 'ORDER_NOT_A_PARTY',
  /** A commit, abort or status for an order this provider never held. */
  UNKNOWN_ORDER: 'ORDER_UNKNOWN_ORDER',
  /** The order id is already used with another body. */
  CONFLICT: 'ORDER_CONFLICT',
  /** A message for an order that has ended (released or expired): replayed or too late. */
  REPLAY: 'ORDER_REPLAY',
  /** A commit that arrived after the hold expired (the provider aborted at its deadline). */
  HOLD_EXPIRED: 'ORDER_HOLD_EXPIRED',
  /** The customer may no longer decide commit: `commitBy - COMMIT_MARGIN_MS` has passed. */
  LATE_COMMIT: 'ORDER_LATE_COMMIT',
  /** A commit certificate that lacks a party's valid signature. */
  PARTIAL_COMMIT: 'ORDER_PARTIAL_COMMIT',
  /** A commit certificate whose body differs from the body this provider held. */
  COMMIT_ALTERS_HOLD: 'ORDER_COMMIT_ALTERS_HOLD',
  /** A commit for an order the customer aborted (released). */
  RELEASED: 'ORDER_RELEASED',
  /** An abort for an order this provider already committed. */
  ALREADY_COMMITTED: 'ORDER_ALREADY_COMMITTED',
  /** An item names an offer this provider does not have live. */
  UNKNOWN_OFFER: 'ORDER_UNKNOWN_OFFER',
  /** An item names an offer that has been withdrawn. */
  OFFER_WITHDRAWN: 'ORDER_OFFER_WITHDRAWN',
  /** An item names an older (or other) seq or record hash of an offer than the live one. */
  OFFER_CHANGED: 'ORDER_OFFER_CHANGED',
  /** An item's price is neither the offer's price nor a still valid quote's. */
  PRICE_MISMATCH: 'ORDER_PRICE_MISMATCH',
  /** An item asks for more units than the offer has available (capacity minus holds and commits). */
  QUANTITY_ABOVE_CAPACITY: 'ORDER_QUANTITY_ABOVE_CAPACITY',
  /** The provider's policy refuses this customer or price (deny list, not on the allow list, floor). */
  POLICY_REFUSED: 'ORDER_POLICY_REFUSED',
  /** The customer already has the most concurrent holds the provider's policy allows. */
  TOO_MANY_HOLDS: 'ORDER_TOO_MANY_HOLDS',
  /** The operator refused the hold (manual approval). */
  APPROVAL_DENIED: 'ORDER_APPROVAL_DENIED',
  /** A transition called on an order in a status that does not allow it (a caller bug or a stale event). */
  WRONG_STATUS: 'ORDER_WRONG_STATUS',
  /** A termination of an agreement that already ends (as early or earlier), or a second, different one by the same party. */
  ALREADY_TERMINATED: 'ORDER_ALREADY_TERMINATED',
  /** A termination whose notice (`effectiveAt - createdAt`) is shorter than the agreement's terms allow. */
  NOTICE_TOO_SHORT: 'ORDER_NOTICE_TOO_SHORT',
  /** The customer declined a provider's counter-offer (outside its tolerance): the order aborts before any hold. */
  COUNTER_DECLINED: 'ORDER_COUNTER_DECLINED'
} as const
export type OrderErrorCode = typeof OrderError[keyof typeof OrderError]

/** All codes, for decoders that accept a code from the wire. */
export const ORDER_ERROR_CODES: readonly string[] = Object.values(OrderError)
