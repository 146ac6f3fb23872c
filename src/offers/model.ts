/**
 * The offer-v1 data model and its limits (protocols/offer-v1.md).
 */

/** A provider's signed statement that it sells a service on the given terms until `expiresAt`. */
export interface Offer {
  /** Peer id of the provider: the key that signs the offer. */
  provider: string
  /** The provider's id for this offer, stable across seqs. */
  id: string
  /** Version of the offer: a higher seq replaces a lower one for the same (provider, id). */
  seq: number
  /** Unix time in milliseconds when the offer was signed. */
  issuedAt: number
  /** Unix time in milliseconds after which the offer is void. */
  expiresAt: number
  service: { type: string, specs: Record<string, number | string> }
  location: { country: string, subdivision?: string, site?: string }
  /** ISO 3166-1 country whose law governs the provider. */
  jurisdiction: string
  /** Sorted, unique. */
  certifications: string[]
  price: { amount: string, currency: string, unit: string }
  /** How many billing units can still be ordered. */
  capacity: number
  /** Availability commitment in percent, a decimal string such as "99.95". */
  sla: { availability: string }
  /** Where the contract terms are, and the SHA-256 (lowercase hex) of that document. */
  terms: { url: string, sha256: string }
  /** Multiaddrs at which the provider's node can be reached. */
  addresses: string[]
  /**
   * Present only on a **bundle offer** (an aggregator's offer made of other providers' offers,
   * protocols/offer-v1.md §Bundles): the component offers one unit of this offer is made of.
   */
  bundle?: BundleComponent[]
}

/** One component of a bundle offer: `quantity` units of the signed offer (provider, id, seq, record hash) per bundle unit. */
export interface BundleComponent {
  provider: string
  id: string
  seq: number
  /** SHA-256 of the component offer's encoded record, 64 lowercase hex characters. */
  hash: string
  /** Units of the component offer per unit of the bundle (at least 1). */
  quantity: number
}

/** A provider's signed statement that offer (provider, id) ends as of `seq`. */
export interface Withdrawal {
  provider: string
  id: string
  seq: number
  issuedAt: number
}

/** A signed offer or withdrawal. */
export type OfferRecord =
  | { kind: 'offer', body: Offer, signature: Uint8Array }
  | { kind: 'withdrawal', body: Withdrawal, signature: Uint8Array }

/** Record format version (protocols/offer-v1.md §Record). */
export const RECORD_VERSION = 1
/** Domain tags of the signing bytes (protocols/offer-v1.md §Signing). */
export const OFFER_DOMAIN_TAG = 'fulcrum/offer/v1'
export const WITHDRAWAL_DOMAIN_TAG = 'fulcrum/offer-withdrawal/v1'

/** Largest encoded record: a full offer is about 700 bytes; 4 KiB leaves room and bounds memory. */
export const MAX_RECORD_BYTES = 4096
/** Longest offer lifetime: a stale price must age out even if its provider vanishes. */
export const MAX_OFFER_LIFETIME_MS = 30 * 24 * 3600 * 1000
/** Default lifetime when a draft gives none: republished well before, 7 days survives outages. */
export const DEFAULT_OFFER_LIFETIME_MS = 7 * 24 * 3600 * 1000
/** How far in the future `issuedAt` may be: tolerates unsynchronised clocks, no more. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
/** How long a withdrawal is kept: until every offer it could replace has expired. */
export const WITHDRAWAL_RETENTION_MS = MAX_OFFER_LIFETIME_MS + MAX_CLOCK_SKEW_MS

/** Limits on field sizes; together they keep a record under MAX_RECORD_BYTES. */
export const LIMITS = {
  idLength: 64,
  specs: 24,
  specString: 64,
  certifications: 24,
  addresses: 8,
  addressLength: 200,
  urlLength: 400,
  siteLength: 64,
  /** Components of a bundle offer: a composed service is a handful of parts; 8 keeps a bundle far under MAX_RECORD_BYTES (§Bundles). */
  bundleComponents: 8
} as const

/** The catalog key of a record: provider and offer id. */
export function recordKey (record: OfferRecord): string {
  return `${record.body.provider}/${record.body.id}`
}

/** When a record stops mattering: an offer at its expiry, a withdrawal after its retention. */
export function recordExpiresAt (record: OfferRecord): number {
  return record.kind === 'offer' ? record.body.expiresAt : record.body.issuedAt + WITHDRAWAL_RETENTION_MS
}
