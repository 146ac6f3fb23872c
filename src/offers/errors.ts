/** Error codes of offers and withdrawals (see protocols/offer-v1.md §Errors). */
export const OfferError = {
  /** A field is missing, of the wrong type or out of range; `path` names it. */
  INVALID_FIELD: 'OFFER_INVALID_FIELD',
  /** An object holds a field the protocol version does not define; `path` names it. */
  UNKNOWN_FIELD: 'OFFER_UNKNOWN_FIELD',
  /** The record's version is not one this implementation knows. */
  UNKNOWN_VERSION: 'OFFER_UNKNOWN_VERSION',
  /** The record's kind is neither `offer` nor `withdrawal`. */
  UNKNOWN_KIND: 'OFFER_UNKNOWN_KIND',
  /** The service type is not in the vocabulary and not a namespaced custom type. */
  UNKNOWN_SERVICE_TYPE: 'OFFER_UNKNOWN_SERVICE_TYPE',
  /** A country or subdivision code is not ISO 3166. */
  UNKNOWN_COUNTRY: 'OFFER_UNKNOWN_COUNTRY',
  /** A currency is not an ISO 4217 code. */
  UNKNOWN_CURRENCY: 'OFFER_UNKNOWN_CURRENCY',
  /** A certification is not in the vocabulary and not namespaced. */
  UNKNOWN_CERTIFICATION: 'OFFER_UNKNOWN_CERTIFICATION',
  /** A price or percentage is not a decimal string of the allowed form. */
  BAD_DECIMAL: 'OFFER_BAD_DECIMAL',
  /** The provider field is not a valid Ed25519 peer id. */
  BAD_PROVIDER: 'OFFER_BAD_PROVIDER',
  /** The signature does not verify for the provider's key over these exact bytes. */
  BAD_SIGNATURE: 'OFFER_BAD_SIGNATURE',
  /** A JSON offer without a signature: a draft, to be signed first. */
  UNSIGNED: 'OFFER_UNSIGNED',
  /** The record's expiry time has passed. */
  EXPIRED: 'OFFER_EXPIRED',
  /** The record was issued further in the future than the allowed clock skew. */
  FROM_FUTURE: 'OFFER_FROM_FUTURE',
  /** expiresAt - issuedAt exceeds the maximum lifetime, or is not positive. */
  BAD_LIFETIME: 'OFFER_BAD_LIFETIME',
  /** The encoded record exceeds MAX_RECORD_BYTES. */
  TOO_LARGE: 'OFFER_TOO_LARGE',
  /** A query filter is malformed; `path` names the criterion. */
  BAD_FILTER: 'OFFER_BAD_FILTER',
  /** The bytes are not a canonical CBOR record. */
  MALFORMED: 'OFFER_MALFORMED'
} as const
export type OfferErrorCode = typeof OfferError[keyof typeof OfferError]
