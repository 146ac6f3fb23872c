/**
 * JSON forms of offers and records, for files, the CLI and the HTTP API. The signed bytes are
 * always the canonical CBOR (record.ts); JSON is only a carrier, with the signature in base64.
 */
import { strictBase64, toBase64 } from '../encoding/base64.js'
import { FulcrumError } from '../errors/index.js'
import { OfferError } from './errors.js'
import { DEFAULT_OFFER_LIFETIME_MS } from './model.js'
import type { Offer, OfferRecord } from './model.js'
import { recordFromValue } from './record.js'
import { validateOffer } from './validate.js'

/** A signed record as JSON. */
export interface RecordJson {
  v: 1
  kind: 'offer' | 'withdrawal'
  body: Record<string, unknown>
  signature: string
}

/** The JSON form of a record. */
export function recordToJson (record: OfferRecord): RecordJson {
  return { v: 1, kind: record.kind, body: record.body as unknown as Record<string, unknown>, signature: toBase64(record.signature) }
}

/** Parses the JSON form of a record, with every check of `decodeRecord` but the encoding. */
export function recordFromJson (value: unknown): OfferRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FulcrumError(OfferError.MALFORMED, 'a signed record is an object { v, kind, body, signature }')
  }
  const { signature, ...rest } = value as Record<string, unknown>
  if (signature === undefined && !('body' in rest)) {
    throw new FulcrumError(OfferError.UNSIGNED, 'this is an unsigned offer draft, not a signed record: sign it with `fulcrum offer sign` or publish it with `fulcrum offer publish`')
  }
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) {
    throw new FulcrumError(OfferError.BAD_SIGNATURE, 'signature must be 64 bytes in base64', { path: 'signature' })
  }
  const sig = strictBase64(signature)
  if (sig === undefined) throw new FulcrumError(OfferError.BAD_SIGNATURE, 'signature must be 64 bytes in canonical base64', { path: 'signature' })
  return recordFromValue({ ...rest, sig })
}

/** True if a parsed JSON value looks like a signed record rather than an offer draft. */
export function isRecordJson (value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'signature' in value && 'body' in value
}

/** What {@link completeOffer} fills in. */
export interface CompleteOptions {
  /** The signer's peer id. */
  provider: string
  /** Current time, unix ms. */
  now: number
  lifetimeMs?: number
}

/**
 * Completes an offer draft (an offer whose `provider`, `seq`, `issuedAt` and `expiresAt` may be
 * missing) and validates it. `seq` defaults to `issuedAt`, so each new signing replaces the last;
 * certifications are sorted. A draft naming another provider is rejected with OFFER_BAD_PROVIDER.
 */
export function completeOffer (draft: unknown, options: CompleteOptions): Offer {
  if (typeof draft !== 'object' || draft === null || Array.isArray(draft)) {
    throw new FulcrumError(OfferError.INVALID_FIELD, 'an offer draft is a JSON object', { path: '$' })
  }
  const d = draft as Record<string, unknown>
  if (d.provider !== undefined && d.provider !== options.provider) {
    throw new FulcrumError(OfferError.BAD_PROVIDER, `draft names provider ${String(d.provider)}, but the signer is ${options.provider}`, { path: 'provider' })
  }
  const issuedAt = d.issuedAt ?? options.now
  const offer = {
    ...d,
    provider: options.provider,
    issuedAt,
    seq: d.seq ?? issuedAt,
    expiresAt: d.expiresAt ?? (typeof issuedAt === 'number' ? issuedAt + (options.lifetimeMs ?? DEFAULT_OFFER_LIFETIME_MS) : undefined),
    certifications: Array.isArray(d.certifications) ? [...new Set(d.certifications)].sort() : (d.certifications ?? []),
    addresses: d.addresses ?? []
  }
  return validateOffer(offer)
}
