/**
 * Signed records: signing bytes, signing, the canonical wire encoding and verification
 * (protocols/offer-v1.md §Record, §Signing, §Verification).
 *
 * Wire form: canonical CBOR map `{ v: 1, kind: "offer" | "withdrawal", body: <map>, sig: bytes(64) }`.
 * Signing bytes: `signingBytes(domainTag(kind), body)`: the domain tag, 0x00, the canonical body.
 */
import { sha256Parts } from '#platform/crypto'
import { FulcrumError } from '../errors/index.js'
import { encodeCanonical, readCanonical, readCheckedCanonical, signingBytes, signingBytesOfEncoded, EncodingError } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { publicKeyFromPeerId, verify, verifyPortable, SIGNATURE_LENGTH } from '../identity/index.js'
import type { Identity } from '../identity/index.js'
import { OfferError } from './errors.js'
import {
  MAX_CLOCK_SKEW_MS, MAX_RECORD_BYTES, OFFER_DOMAIN_TAG, RECORD_VERSION, WITHDRAWAL_DOMAIN_TAG, recordExpiresAt
} from './model.js'
import type { Offer, OfferRecord, Withdrawal } from './model.js'
import { validateOffer, validateWithdrawal } from './validate.js'

/** A record whose encoding, structure, signature and validity time have been checked. */
export interface VerifiedRecord {
  readonly record: OfferRecord
  /** The canonical encoding, exactly as signed and as sent on the wire. */
  readonly bytes: Uint8Array
  /** SHA-256 of `bytes`: tells two records with the same (provider, id, seq) apart. */
  readonly digest: Uint8Array
}

/** The exact bytes a provider signs for an offer. */
export function offerSigningBytes (offer: Offer): Uint8Array {
  return signingBytes(OFFER_DOMAIN_TAG, offer as unknown as CanonicalValue)
}

/** The exact bytes a provider signs for a withdrawal. */
export function withdrawalSigningBytes (withdrawal: Withdrawal): Uint8Array {
  return signingBytes(WITHDRAWAL_DOMAIN_TAG, withdrawal as unknown as CanonicalValue)
}

function recordSigningBytes (record: OfferRecord): Uint8Array {
  return record.kind === 'offer' ? offerSigningBytes(record.body) : withdrawalSigningBytes(record.body)
}

/**
 * Signs an offer. Precondition: `offer.provider` is `identity.peerId` (else OFFER_BAD_PROVIDER);
 * the offer is validated first, so nothing invalid is ever signed.
 */
export function signOffer (offer: Offer, identity: Identity): OfferRecord {
  validateOffer(offer)
  assertOwnKey(offer.provider, identity)
  return assertSize({ kind: 'offer', body: offer, signature: identity.sign(offerSigningBytes(offer)) })
}

/** Signs a withdrawal of the provider's offer `id` as of `seq`. */
export function signWithdrawal (withdrawal: Withdrawal, identity: Identity): OfferRecord {
  validateWithdrawal(withdrawal)
  assertOwnKey(withdrawal.provider, identity)
  return assertSize({ kind: 'withdrawal', body: withdrawal, signature: identity.sign(withdrawalSigningBytes(withdrawal)) })
}

/**
 * Throws OFFER_TOO_LARGE for a record whose encoding exceeds MAX_RECORD_BYTES. The field limits
 * alone do not keep every valid body under it (24 long specs, 24 long certifications and 8 long
 * addresses together exceed it), and a record built from JSON has not been through `decodeRecord`:
 * without this, a node could sign or accept a record that every peer refuses.
 */
function assertSize (record: OfferRecord, bytes: Uint8Array = encodeRecord(record)): OfferRecord {
  if (bytes.length > MAX_RECORD_BYTES) {
    throw new FulcrumError(OfferError.TOO_LARGE, `encoded record is ${bytes.length} bytes, the limit is ${MAX_RECORD_BYTES}`)
  }
  return record
}

function assertOwnKey (provider: string, identity: Identity): void {
  if (provider !== identity.peerId) {
    throw new FulcrumError(OfferError.BAD_PROVIDER, `provider ${provider} is not this key's peer id ${identity.peerId}`, { path: 'provider' })
  }
}

/** The canonical wire encoding of a record. */
export function encodeRecord (record: OfferRecord): Uint8Array {
  return encodeCanonical({ v: RECORD_VERSION, kind: record.kind, body: record.body as unknown as CanonicalValue, sig: record.signature })
}

/**
 * Decodes a record strictly: size, canonical CBOR, version, kind, every field. Does not check
 * the signature or the time (see {@link verifyRecordBytes}).
 */
export function decodeRecord (bytes: Uint8Array): OfferRecord {
  return decodeRecordBytes(bytes).record
}

/**
 * Decodes a record whose bytes {@link verifyRecordBytes} has already accepted (in a verification
 * thread): the same record, without repeating the canonical-encoding check.
 */
export function decodeCheckedRecord (bytes: Uint8Array): OfferRecord {
  return recordFromValue(readCheckedCanonical(bytes).value)
}

/** Checks the envelope of a decoded record (the same checks for CBOR and JSON input). */
export function recordFromValue (value: unknown): OfferRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FulcrumError(OfferError.MALFORMED, 'a record is a map { v, kind, body, sig }')
  }
  const r = value as Record<string, unknown>
  if (r.v !== RECORD_VERSION) throw new FulcrumError(OfferError.UNKNOWN_VERSION, `record version ${String(r.v)} is not supported`, { path: 'v' })
  for (const key of Object.keys(r)) {
    if (!['v', 'kind', 'body', 'sig'].includes(key)) throw new FulcrumError(OfferError.UNKNOWN_FIELD, 'unknown field', { path: key })
  }
  if (!(r.sig instanceof Uint8Array) || r.sig.length !== SIGNATURE_LENGTH) {
    throw new FulcrumError(OfferError.BAD_SIGNATURE, `sig must be ${SIGNATURE_LENGTH} bytes`, { path: 'sig' })
  }
  const prefix = (err: unknown): never => {
    if (err instanceof FulcrumError) {
      const path = err.path === undefined || err.path === '$' ? 'body' : `body.${err.path}`
      throw new FulcrumError(err.code, err.message.replace(/^[^:]*: /, ''), { path })
    }
    throw err
  }
  if (r.kind === 'offer') {
    try { return { kind: 'offer', body: validateOffer(r.body), signature: r.sig } } catch (err) { return prefix(err) }
  }
  if (r.kind === 'withdrawal') {
    try { return { kind: 'withdrawal', body: validateWithdrawal(r.body), signature: r.sig } } catch (err) { return prefix(err) }
  }
  throw new FulcrumError(OfferError.UNKNOWN_KIND, `unknown record kind ${JSON.stringify(r.kind)}`, { path: 'kind' })
}

/** Options of verification. */
export interface VerifyOptions {
  /** Use the portable @noble/ed25519 path instead of node:crypto (light clients without OpenSSL). */
  portable?: boolean
}

/**
 * Verifies a record at time `now` (unix ms): the provider's signature over the exact signing
 * bytes, not expired, not issued beyond the clock skew, and its encoding within MAX_RECORD_BYTES.
 * Throws `OFFER_TOO_LARGE`, `OFFER_BAD_SIGNATURE`, `OFFER_EXPIRED` or `OFFER_FROM_FUTURE`.
 */
export function verifyRecord (record: OfferRecord, now: number, options: VerifyOptions = {}): VerifiedRecord {
  const bytes = encodeRecord(record)
  assertSize(record, bytes)
  checkRecord(record, now, options)
  return { record, bytes, digest: sha256(bytes) }
}

/** Decodes and verifies wire bytes: {@link decodeRecord} then {@link verifyRecord}'s checks. */
export function verifyRecordBytes (bytes: Uint8Array, now: number, options: VerifyOptions = {}): VerifiedRecord {
  return verifyDecodedRecord(decodeRecordBytes(bytes), now, options)
}

/** Wire bytes decoded by {@link decodeRecordBytes}, not verified yet. */
export interface DecodedRecord {
  readonly record: OfferRecord
  readonly bytes: Uint8Array
  /** The signing bytes located in `bytes` (undefined: rebuilt from the record when verified). */
  readonly signed: Uint8Array | undefined
}

/**
 * {@link decodeRecord}, keeping what {@link verifyDecodedRecord} needs: for a caller that reads the
 * record before verifying it (gossip's admission check reads the provider), so each hop decodes once.
 * The signing bytes are the body's bytes as they lie in the input (canonical, so the same bytes an
 * encoding of the decoded body gives), not an encoding of the body again.
 */
export function decodeRecordBytes (bytes: Uint8Array): DecodedRecord {
  let read
  try {
    read = readCanonical(bytes, MAX_RECORD_BYTES)
  } catch (err) {
    if (err instanceof FulcrumError && err.code === EncodingError.TOO_LARGE) {
      throw new FulcrumError(OfferError.TOO_LARGE, err.message, { cause: err })
    }
    throw new FulcrumError(OfferError.MALFORMED, `not a canonical record: ${(err as Error).message}`, { cause: err })
  }
  const record = recordFromValue(read.value)
  const body = read.spans?.get('body')
  const tag = record.kind === 'offer' ? OFFER_DOMAIN_TAG : WITHDRAWAL_DOMAIN_TAG
  return { record, bytes, signed: body === undefined ? undefined : signingBytesOfEncoded(tag, bytes.subarray(body.start, body.end)) }
}

/** The checks of {@link verifyRecordBytes} on bytes already decoded by {@link decodeRecordBytes}. */
export function verifyDecodedRecord (decoded: DecodedRecord, now: number, options: VerifyOptions = {}): VerifiedRecord {
  checkRecord(decoded.record, now, options, decoded.signed)
  return { record: decoded.record, bytes: decoded.bytes, digest: sha256(decoded.bytes) }
}

/**
 * Checks only the provider's signature, whatever the time: for evidence about old records.
 * Throws `OFFER_BAD_SIGNATURE`.
 */
export function verifyRecordSignature (record: OfferRecord, options: VerifyOptions = {}): void {
  checkSignature(record, recordSigningBytes(record), options)
}

/** Checks the provider's signature over `signed`, the record's signing bytes. */
function checkSignature (record: OfferRecord, signed: Uint8Array, options: VerifyOptions): void {
  const key = publicKeyFromPeerId(record.body.provider)
  const ok = (options.portable === true ? verifyPortable : verify)(key, signed, record.signature)
  if (!ok) throw new FulcrumError(OfferError.BAD_SIGNATURE, `signature does not verify for provider ${record.body.provider}`)
}

function checkRecord (record: OfferRecord, now: number, options: VerifyOptions, signed?: Uint8Array): void {
  checkSignature(record, signed ?? recordSigningBytes(record), options)
  if (record.body.issuedAt > now + MAX_CLOCK_SKEW_MS) {
    throw new FulcrumError(OfferError.FROM_FUTURE, `issued ${record.body.issuedAt - now} ms in the future`, { path: 'body.issuedAt' })
  }
  if (now >= recordExpiresAt(record)) {
    // A withdrawal has no expiresAt: its retention runs from issuedAt.
    throw new FulcrumError(OfferError.EXPIRED, `expired at ${new Date(recordExpiresAt(record)).toISOString()}`, { path: record.kind === 'offer' ? 'body.expiresAt' : 'body.issuedAt' })
  }
}

/** SHA-256 of a record's bytes: its digest. */
export function sha256 (bytes: Uint8Array): Uint8Array {
  return sha256Parts([bytes])
}
