/**
 * Builds the offer-v1 known-answer vectors (protocols/vectors/offer-v1.json).
 *
 * `node --import tsx scripts/vectors/offer-v1.ts --write` rewrites the file; without --write it
 * prints them. test/unit/offers/vectors.test.ts checks that the file and the code agree, so a
 * change to the encoding shows up as a failing test and a reviewed diff of the vectors.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { encodeCanonical, signingBytes } from '../../src/encoding/index.js'
import type { CanonicalValue } from '../../src/encoding/index.js'
import { createIdentity } from '../../src/identity/index.js'
import {
  OfferError, encodeRecord, offerSigningBytes, signOffer, signWithdrawal, withdrawalSigningBytes, sha256,
  OFFER_DOMAIN_TAG, WITHDRAWAL_DOMAIN_TAG, MAX_OFFER_LIFETIME_MS
} from '../../src/offers/index.js'
import type { Offer } from '../../src/offers/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The fixed seed of the vectors: bytes 0x00..0x1f. Never use it for anything real. */
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i)
const NOW = Date.UTC(2026, 0, 1, 12)

export function buildVectors (): Record<string, unknown> {
  const id = createIdentity(SEED)
  const offer: Offer = {
    provider: id.peerId,
    id: 'milan-vm-4x16',
    seq: 7,
    issuedAt: Date.UTC(2026, 0, 1),
    expiresAt: Date.UTC(2026, 0, 8),
    service: { type: 'compute.vm', specs: { vcpu: 4, memoryGiB: 16, diskGiB: 100, arch: 'x86_64' } },
    location: { country: 'IT', subdivision: 'IT-MI', site: 'MIL1' },
    jurisdiction: 'IT',
    certifications: ['gaia-x-label-1', 'iso-27001'],
    price: { amount: '0.045', currency: 'EUR', unit: 'hour' },
    capacity: 40,
    sla: { availability: '99.95' },
    terms: { url: 'https://cloud.example.it/terms/v3', sha256: '5f'.repeat(32) },
    addresses: ['/ip4/127.0.0.1/tcp/4001']
  }
  const record = signOffer(offer, id)
  const withdrawal = { provider: id.peerId, id: offer.id, seq: 8, issuedAt: Date.UTC(2026, 0, 2) }
  const wrecord = signWithdrawal(withdrawal, id)

  /** A record map signed over `body` exactly as given, valid or not. */
  const raw = (body: Record<string, unknown>, extra: Record<string, unknown> = {}, tag = OFFER_DOMAIN_TAG): Uint8Array =>
    encodeCanonical({ v: 1, kind: 'offer', body: body as CanonicalValue, sig: id.sign(signingBytes(tag, body as CanonicalValue)), ...extra } as CanonicalValue)
  const body = offer as unknown as Record<string, unknown>
  const good = encodeRecord(record)
  const flippedSig = record.signature.slice(); flippedSig[0] = (flippedSig[0] as number) ^ 1
  const flipped = encodeRecord({ ...record, signature: flippedSig })
  /** Replaces one hex pattern, and insists that it was there. */
  const patch = (from: string, to: string): string => {
    if (!hex(good).includes(from)) throw new Error(`vector patch ${from} does not apply`)
    return hex(good).replace(from, to)
  }
  const otherSeq = encodeCanonical({ v: 1, kind: 'offer', body: { ...body, seq: 8 } as CanonicalValue, sig: record.signature })

  const invalid: Array<{ name: string, record: string, now: number, code: string }> = []
  const add = (name: string, bytes: Uint8Array | string, code: string, now = NOW): void => {
    invalid.push({ name, record: typeof bytes === 'string' ? bytes : hex(bytes), now, code })
  }
  add('a flipped signature bit', flipped, OfferError.BAD_SIGNATURE)
  add('a signature that covers another seq', otherSeq, OfferError.BAD_SIGNATURE)
  add('an offer signed with the withdrawal domain tag', raw(body, {}, WITHDRAWAL_DOMAIN_TAG), OfferError.BAD_SIGNATURE)
  add('a 63-byte signature', encodeCanonical({ v: 1, kind: 'offer', body: body as CanonicalValue, sig: record.signature.slice(1) }), OfferError.BAD_SIGNATURE)
  add('record version 2', raw(body, { v: 2 }), OfferError.UNKNOWN_VERSION)
  add('an unknown kind', raw(body, { kind: 'bid' }), OfferError.UNKNOWN_KIND)
  add('an unknown record field', raw(body, { note: 'x' }), OfferError.UNKNOWN_FIELD)
  add('an unknown body field', raw({ ...body, discount: '5' }), OfferError.UNKNOWN_FIELD)
  add('a non-minimal integer (capacity as 0x18 0x28 is fine; seq 7 as 0x18 0x07 is not)', patch('6373657107', '637365711807'), OfferError.MALFORMED)
  add('a truncated record', good.slice(0, good.length - 10), OfferError.MALFORMED)
  add('a record over 4096 bytes', raw({ ...body, id: 'x'.repeat(4100) }), OfferError.TOO_LARGE)
  add('a float capacity', patch('686361706163697479' + '1828', '686361706163697479' + 'f93e00'), OfferError.MALFORMED)
  add('an expired offer', good, OfferError.EXPIRED, offer.expiresAt)
  add('an offer issued beyond the clock skew', good, OfferError.FROM_FUTURE, offer.issuedAt - 10 * 60_000)
  add('a price with a comma', raw({ ...body, price: { ...offer.price, amount: '0,045' } }), OfferError.BAD_DECIMAL)
  add('a price in exponent notation', raw({ ...body, price: { ...offer.price, amount: '45e-3' } }), OfferError.BAD_DECIMAL)
  add('a negative price', raw({ ...body, price: { ...offer.price, amount: '-1' } }), OfferError.BAD_DECIMAL)
  add('an unknown currency', raw({ ...body, price: { ...offer.price, currency: 'EUX' } }), OfferError.UNKNOWN_CURRENCY)
  add('an unknown country', raw({ ...body, location: { country: 'XX' } }), OfferError.UNKNOWN_COUNTRY)
  add('a subdivision of another country', raw({ ...body, location: { country: 'IT', subdivision: 'FR-75' } }), OfferError.UNKNOWN_COUNTRY)
  add('a lifetime over 30 days', raw({ ...body, expiresAt: offer.issuedAt + MAX_OFFER_LIFETIME_MS + 1 }), OfferError.BAD_LIFETIME)
  add('a provider that is not a peer id', raw({ ...body, provider: 'alice' }), OfferError.BAD_PROVIDER)
  add('an unknown service type', raw({ ...body, service: { type: 'compute.quantum', specs: {} } }), OfferError.UNKNOWN_SERVICE_TYPE)
  add('a missing required spec', raw({ ...body, service: { type: 'compute.vm', specs: { memoryGiB: 16 } } }), OfferError.INVALID_FIELD)
  add('an unknown certification', raw({ ...body, certifications: ['iso-99999'] }), OfferError.UNKNOWN_CERTIFICATION)
  add('unsorted certifications', raw({ ...body, certifications: ['iso-27001', 'gaia-x-label-1'] }), OfferError.INVALID_FIELD)
  add('a terms URL that is not https', raw({ ...body, terms: { ...offer.terms, url: 'http://cloud.example.it/t' } }), OfferError.INVALID_FIELD)

  return {
    description: 'offer-v1 known-answer vectors: see protocols/offer-v1.md. Hex strings; times in unix ms.',
    seed: hex(SEED),
    publicKey: hex(id.publicKey),
    peerId: id.peerId,
    now: NOW,
    offer,
    offerSigningBytes: hex(offerSigningBytes(offer)),
    offerSignature: hex(record.signature),
    offerRecord: hex(good),
    offerDigest: hex(sha256(good)),
    withdrawal,
    withdrawalSigningBytes: hex(withdrawalSigningBytes(withdrawal)),
    withdrawalSignature: hex(wrecord.signature),
    withdrawalRecord: hex(encodeRecord(wrecord)),
    invalid
  }
}

export const VECTORS_PATH = fileURLToPath(new URL('../../protocols/vectors/offer-v1.json', import.meta.url))

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = JSON.stringify(buildVectors(), null, 2) + '\n'
  if (process.argv.includes('--write')) await writeFile(VECTORS_PATH, text)
  else process.stdout.write(text)
}
