/**
 * Error codes of the order protocol's shell (protocols/order-v1.md §Transport, §Provider policy):
 * the provider's policy refusals, capacity, and its store. The refusals a peer learns are codes of
 * the negotiation (`OrderError` in `src/orders/errors.ts`, the only codes a `refused` message may
 * carry); the name here says which check refused, the reason text gives the detail. Store codes
 * (`ORDER_STORE_*`) never go on the wire.
 */
export const OrderShellError = {
  /** The provider's policy does not serve this customer (deny list, or not on the allow list). */
  CUSTOMER_NOT_ALLOWED: 'ORDER_POLICY_REFUSED',
  /** The customer already has as many open holds at this provider as its policy allows. */
  TOO_MANY_HOLDS: 'ORDER_TOO_MANY_HOLDS',
  /** The provider holds as many orders as it allows in total (a flood of fresh identities). */
  PROVIDER_BUSY: 'ORDER_TOO_MANY_HOLDS',
  /** A price below the provider's floor for that offer. */
  PRICE_BELOW_FLOOR: 'ORDER_POLICY_REFUSED',
  /** The hold asks to last longer than the provider grants (commitBy too far ahead). */
  HOLD_TOO_LONG: 'ORDER_BAD_DEADLINE',
  /** The operator refused the order through the API. */
  REFUSED_BY_OPERATOR: 'ORDER_APPROVAL_DENIED',
  /** Manual approval was required and nobody approved before the hold's deadline. */
  APPROVAL_TIMEOUT: 'ORDER_APPROVAL_DENIED',
  /** Not enough free capacity on an offer for the quantity asked (held + committed + asked > capacity). */
  NO_CAPACITY: 'ORDER_QUANTITY_ABOVE_CAPACITY',
  /** (customer) A decided commit that some provider has not acknowledged (or refused) by the end of `order place`. */
  COMMIT_UNACKNOWLEDGED: 'ORDER_COMMIT_UNACKNOWLEDGED',
  /** (store) An order id that the store does not know. */
  STORE_UNKNOWN_ORDER: 'ORDER_STORE_UNKNOWN_ORDER',
  /** (store) A transition the stored status does not allow (e.g. commit after release). */
  STORE_BAD_TRANSITION: 'ORDER_STORE_BAD_TRANSITION',
  /** (store) The order store is held by another process. */
  STORE_LOCKED: 'ORDER_STORE_LOCKED',
  /** (store) The order store cannot be read or written. */
  STORE_IO: 'ORDER_STORE_IO',
  /** (store) A stored record does not decode. */
  STORE_CORRUPT: 'ORDER_STORE_CORRUPT'
} as const
export type OrderShellErrorCode = typeof OrderShellError[keyof typeof OrderShellError]
