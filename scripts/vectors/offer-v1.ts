/**
 * Builds the offer-v1 known-answer vectors (protocols/vectors/offer-v1.json).
 *
 * `node --import tsx scripts/vectors/offer-v1.ts --write` rewrites the file; without --write it
 * prints them. test/unit/offers/vectors.test.ts checks that the file and the code agree, so a
 * change to the encoding shows up as a failing test and a reviewed diff of the vectors.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { encode as cborEncode } from 'cborg'
import { encodeCanonical, signingBytes } from '../../src/encoding/index.js'
import type { CanonicalValue } from '../../src/encoding/index.js'
import { createIdentity, peerIdFromPublicKey } from '../../src/identity/index.js'
import {
  OfferError, encodeRecord, offerSigningBytes, signOffer, signWithdrawal, withdrawalSigningBytes, sha256,
  OFFER_DOMAIN_TAG, WITHDRAWAL_DOMAIN_TAG, MAX_OFFER_LIFETIME_MS, MAX_RECORD_BYTES
} from '../../src/offers/index.js'
import type { Offer } from '../../src/offers/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The fixed seed of the vectors: bytes 0x00..0x1f. Never use it for anything real. */
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i)
const NOW = Date.UTC(2026, 0, 1, 12)
/** The aggregator's fixed seed of the bundle vectors: bytes 0x20..0x3f. */
const AGGREGATOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => 32 + i)

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

  const invalid: Array<{ name: string, record: string, now: number, code: string, path: string | null }> = []
  /** An invalid record, the time it is checked at, the code and the field path (null: none) of its first failure. */
  const add = (name: string, bytes: Uint8Array | string, code: string, path: string | null, now = NOW): void => {
    invalid.push({ name, record: typeof bytes === 'string' ? bytes : hex(bytes), now, code, path })
  }
  add('a flipped signature bit', flipped, OfferError.BAD_SIGNATURE, null)
  add('a signature that covers another seq', otherSeq, OfferError.BAD_SIGNATURE, null)
  add('an offer signed with the withdrawal domain tag', raw(body, {}, WITHDRAWAL_DOMAIN_TAG), OfferError.BAD_SIGNATURE, null)
  add('a 63-byte signature', encodeCanonical({ v: 1, kind: 'offer', body: body as CanonicalValue, sig: record.signature.slice(1) }), OfferError.BAD_SIGNATURE, 'sig')
  add('record version 2', raw(body, { v: 2 }), OfferError.UNKNOWN_VERSION, 'v')
  add('an unknown kind', raw(body, { kind: 'bid' }), OfferError.UNKNOWN_KIND, 'kind')
  add('an unknown record field', raw(body, { note: 'x' }), OfferError.UNKNOWN_FIELD, 'note')
  add('an unknown body field', raw({ ...body, discount: '5' }), OfferError.UNKNOWN_FIELD, 'body.discount')
  add('a non-minimal integer (capacity as 0x18 0x28 is fine; seq 7 as 0x18 0x07 is not)', patch('6373657107', '637365711807'), OfferError.MALFORMED, null)
  add('a truncated record', good.slice(0, good.length - 10), OfferError.MALFORMED, null)
  add('a record over 4096 bytes', raw({ ...body, id: 'x'.repeat(4100) }), OfferError.TOO_LARGE, null)
  add('a float capacity', patch('686361706163697479' + '1828', '686361706163697479' + 'f93e00'), OfferError.MALFORMED, null)
  add('an expired offer', good, OfferError.EXPIRED, 'body.expiresAt', offer.expiresAt)
  add('an offer issued beyond the clock skew', good, OfferError.FROM_FUTURE, 'body.issuedAt', offer.issuedAt - 10 * 60_000)
  add('a price with a comma', raw({ ...body, price: { ...offer.price, amount: '0,045' } }), OfferError.BAD_DECIMAL, 'body.price.amount')
  add('a price in exponent notation', raw({ ...body, price: { ...offer.price, amount: '45e-3' } }), OfferError.BAD_DECIMAL, 'body.price.amount')
  add('a negative price', raw({ ...body, price: { ...offer.price, amount: '-1' } }), OfferError.BAD_DECIMAL, 'body.price.amount')
  add('an unknown currency', raw({ ...body, price: { ...offer.price, currency: 'EUX' } }), OfferError.UNKNOWN_CURRENCY, 'body.price.currency')
  add('an unknown country', raw({ ...body, location: { country: 'XX' } }), OfferError.UNKNOWN_COUNTRY, 'body.location.country')
  add('a subdivision of another country', raw({ ...body, location: { country: 'IT', subdivision: 'FR-75' } }), OfferError.UNKNOWN_COUNTRY, 'body.location.subdivision')
  add('a lifetime over 30 days', raw({ ...body, expiresAt: offer.issuedAt + MAX_OFFER_LIFETIME_MS + 1 }), OfferError.BAD_LIFETIME, 'body.expiresAt')
  add('a provider that is not a peer id', raw({ ...body, provider: 'alice' }), OfferError.BAD_PROVIDER, 'body.provider')
  add('an unknown service type', raw({ ...body, service: { type: 'compute.quantum', specs: {} } }), OfferError.UNKNOWN_SERVICE_TYPE, 'body.service.type')
  add('a missing required spec', raw({ ...body, service: { type: 'compute.vm', specs: { memoryGiB: 16 } } }), OfferError.INVALID_FIELD, 'body.service.specs.vcpu')
  add('an unknown certification', raw({ ...body, certifications: ['iso-99999'] }), OfferError.UNKNOWN_CERTIFICATION, 'body.certifications[0]')
  add('unsorted certifications', raw({ ...body, certifications: ['iso-27001', 'gaia-x-label-1'] }), OfferError.INVALID_FIELD, 'body.certifications[1]')
  add('a terms URL that is not https', raw({ ...body, terms: { ...offer.terms, url: 'http://cloud.example.it/t' } }), OfferError.INVALID_FIELD, 'body.terms.url')

  // Keys: a small-order public key (the identity point, y = 1) as a peer id; S >= L.
  add('a provider whose key has small order', raw({ ...body, provider: peerIdFromPublicKey(Uint8Array.from({ length: 32 }, (_, i) => i === 0 ? 1 : 0)) }), OfferError.BAD_PROVIDER, 'body.provider')
  add('a signature whose S is S + L (not below the group order)', encodeRecord({ ...record, signature: withScalar(record.signature, scalarOf(record.signature) + L) }), OfferError.BAD_SIGNATURE, null)
  add('a signature whose S is exactly L', encodeRecord({ ...record, signature: withScalar(record.signature, L) }), OfferError.BAD_SIGNATURE, null)
  // Map key order: the same record with its top-level keys, then its body keys, in insertion order instead of canonical order.
  const unsorted = (value: Record<string, unknown>): Uint8Array => cborEncode(value, { float64: false, mapSorter: () => 0 })
  add('a record map whose keys are not in canonical order', unsorted({ kind: 'offer', body, sig: record.signature, v: 1 }), OfferError.MALFORMED, null)
  add('a body map whose keys are not in canonical order', unsorted({ v: 1, sig: record.signature, body: { ...body }, kind: 'offer' }), OfferError.MALFORMED, null)
  add('a duplicate map key (kind twice)', 'a5' + hex(good).slice(2) + '646b696e64656f66666572', OfferError.MALFORMED, null)
  // Size: the largest accepted record is MAX_RECORD_BYTES; one byte more is refused before decoding.
  const atLimit = sizedRecord(id, offer, MAX_RECORD_BYTES)
  const overLimit = sizedRecord(id, offer, MAX_RECORD_BYTES + 1)
  add(`a record of ${MAX_RECORD_BYTES + 1} bytes (otherwise valid)`, overLimit, OfferError.TOO_LARGE, null)
  // Field paths and the order of checks: the first failing check names the code and the path.
  add('a body that is not a map', raw(['x'] as unknown as Record<string, unknown>), OfferError.INVALID_FIELD, 'body')
  add('an unknown body field and a bad price (the unknown field is found first)', raw({ ...body, discount: '5', price: { ...offer.price, amount: 'x' } }), OfferError.UNKNOWN_FIELD, 'body.discount')
  const { capacity: _capacity, ...noCapacity } = body
  add('a missing field and a bad id (presence is checked before values)', raw({ ...noCapacity, id: '-bad' }), OfferError.INVALID_FIELD, 'body.capacity')
  add('a bad id and a bad price (fields in the order of the table)', raw({ ...body, id: '-bad', price: { ...offer.price, amount: 'x' } }), OfferError.INVALID_FIELD, 'body.id')
  add('a bad field and a bad signature (structure before signature)', encodeCanonical({ v: 1, kind: 'offer', body: { ...body, capacity: -1 } as CanonicalValue, sig: record.signature }), OfferError.INVALID_FIELD, 'body.capacity')
  add('a bad signature on an expired offer (signature before time)', flipped, OfferError.BAD_SIGNATURE, null, offer.expiresAt)
  add('an unknown version and an unknown kind (version first)', raw(body, { v: 2, kind: 'bid' }), OfferError.UNKNOWN_VERSION, 'v')
  add('an unknown kind and a short signature (signature length first)', encodeCanonical({ v: 1, kind: 'bid', body: body as CanonicalValue, sig: record.signature.slice(1) }), OfferError.BAD_SIGNATURE, 'sig')
  add('an unknown certification at index 2 (array paths)', raw({ ...body, certifications: ['gaia-x-label-1', 'iso-27001', 'nope'] }), OfferError.UNKNOWN_CERTIFICATION, 'body.certifications[2]')
  add('a non-canonical address', raw({ ...body, addresses: ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.000.0.1/tcp/4001'] }), OfferError.INVALID_FIELD, 'body.addresses[1]')
  add('a spec text with a C1 control character (U+0085)', raw({ ...body, service: { type: 'x-example.vm', specs: { vcpu: 4, model: 'EPYC\u0085' } } }), OfferError.INVALID_FIELD, 'body.service.specs.model')
  add('a spec text with DEL (U+007F)', raw({ ...body, service: { type: 'x-example.vm', specs: { model: 'EPYC\u007f' } } }), OfferError.INVALID_FIELD, 'body.service.specs.model')
  add('a spec text of 65 code points', raw({ ...body, service: { type: 'x-example.vm', specs: { model: 'é'.repeat(65) } } }), OfferError.INVALID_FIELD, 'body.service.specs.model')
  add('a terms URL with an upper-case host', raw({ ...body, terms: { ...offer.terms, url: 'https://Cloud.example.it/terms' } }), OfferError.INVALID_FIELD, 'body.terms.url')
  add('a terms URL without slashes', raw({ ...body, terms: { ...offer.terms, url: 'https:cloud.example.it/terms' } }), OfferError.INVALID_FIELD, 'body.terms.url')
  add('a withdrawal past its retention', encodeRecord(wrecord), OfferError.EXPIRED, 'body.issuedAt', withdrawal.issuedAt + MAX_OFFER_LIFETIME_MS + 5 * 60_000)

  // Bundles (§Bundles): an aggregator (a second fixed key) sells the example offer twice per unit with another component.
  const agg = createIdentity(AGGREGATOR_SEED)
  const component = { provider: id.peerId, id: offer.id, seq: offer.seq, hash: hex(sha256(good)), quantity: 2 }
  const other = { provider: peerIdFromPublicKey(createIdentity(Uint8Array.from({ length: 32 }, (_, i) => 64 + i)).publicKey), id: 'fra-s3', seq: 3, hash: 'ab'.repeat(32), quantity: 1 }
  const components = [component, other].sort((a, b) => a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0)
  const bundleOffer: Offer = { ...offer, provider: agg.peerId, id: 'eu-stack', service: { type: 'x-fulcrum.bundle', specs: { parts: 2 } }, price: { amount: '99', currency: 'EUR', unit: 'month' }, capacity: 5, bundle: components }
  const bundleRecord = signOffer(bundleOffer, agg)
  const aggRaw = (b: Record<string, unknown>): Uint8Array =>
    encodeCanonical({ v: 1, kind: 'offer', body: b as CanonicalValue, sig: agg.sign(signingBytes(OFFER_DOMAIN_TAG, b as CanonicalValue)) } as CanonicalValue)
  const bb = bundleOffer as unknown as Record<string, unknown>
  add('a bundle with no component', aggRaw({ ...bb, bundle: [] }), OfferError.INVALID_FIELD, 'body.bundle')
  add('a bundle of 9 components', aggRaw({ ...bb, bundle: Array.from({ length: 9 }, (_, i) => ({ ...component, id: `c${i}` })) }), OfferError.INVALID_FIELD, 'body.bundle')
  add('a bundle naming one offer twice', aggRaw({ ...bb, bundle: [component, component] }), OfferError.INVALID_FIELD, 'body.bundle[1]')
  add('a bundle whose components are not sorted', aggRaw({ ...bb, bundle: [...components].reverse() }), OfferError.INVALID_FIELD, 'body.bundle[1]')
  add('a bundle naming the aggregator\'s own offer', aggRaw({ ...bb, bundle: [{ ...component, provider: agg.peerId }] }), OfferError.INVALID_FIELD, 'body.bundle[0].provider')
  add('a bundle component with quantity 0', aggRaw({ ...bb, bundle: [{ ...component, quantity: 0 }] }), OfferError.INVALID_FIELD, 'body.bundle[0].quantity')
  add('a bundle component hash in upper case', aggRaw({ ...bb, bundle: [{ ...component, hash: component.hash.toUpperCase() }] }), OfferError.INVALID_FIELD, 'body.bundle[0].hash')
  add('a bundle component with an unknown field', aggRaw({ ...bb, bundle: [{ ...component, price: '1' }] }), OfferError.UNKNOWN_FIELD, 'body.bundle[0].price')
  add('a bundle component provider that is not a peer id', aggRaw({ ...bb, bundle: [{ ...component, provider: 'bob' }] }), OfferError.BAD_PROVIDER, 'body.bundle[0].provider')

  /** Valid records beyond the main example, each with the time it verifies at. */
  const valid = [
    { name: `a record of exactly ${MAX_RECORD_BYTES} bytes`, record: hex(atLimit), now: NOW },
    { name: 'spec text of 64 code points outside the BMP (128 UTF-16 units)', record: hex(encodeRecord(signOffer({ ...offer, service: { type: 'x-example.vm', specs: { model: '😀'.repeat(64) } } }, id))), now: NOW },
    { name: 'a subdivision that is well formed but not assigned (IT-ZZ): not checked against ISO 3166-2', record: hex(encodeRecord(signOffer({ ...offer, location: { country: 'IT', subdivision: 'IT-ZZ' } }, id))), now: NOW },
    { name: 'an offer at the last millisecond of its life', record: hex(good), now: offer.expiresAt - 1 },
    { name: 'an offer issued 5 minutes ahead of the verifier\'s clock', record: hex(good), now: offer.issuedAt - 5 * 60_000 },
    { name: 'a bundle offer of two components (§Bundles)', record: hex(encodeRecord(bundleRecord)), now: NOW }
  ]

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
    valid,
    invalid
  }
}

/** The group order L of edwards25519. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n

/** The scalar S of a signature (bytes 32..63, little-endian). */
function scalarOf (signature: Uint8Array): bigint {
  let s = 0n
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] as number)
  return s
}

/** `signature` with its S replaced by `s` (which must fit in 32 bytes). */
function withScalar (signature: Uint8Array, s: bigint): Uint8Array {
  const out = signature.slice()
  for (let i = 32; i < 64; i++) { out[i] = Number(s & 0xffn); s >>= 8n }
  return out
}

/**
 * A valid signed record of exactly `size` bytes: the example offer with 8 long addresses, 24 long
 * custom certifications and a custom service type whose text specs are padded until the encoding
 * has that length.
 */
function sizedRecord (id: ReturnType<typeof createIdentity>, offer: Offer, size: number): Uint8Array {
  const addresses = Array.from({ length: 8 }, (_, i) => `/dns4/${'a'.repeat(63)}.${'b'.repeat(63)}.example${i}/tcp/4001`)
  const certifications = Array.from({ length: 24 }, (_, i) => `x-pad.c${String(i).padStart(2, '0')}${'p'.repeat(55)}`)
  for (let keys = 1; keys <= 24; keys++) {
    for (let last = 1; last <= 64; last++) {
      const specs: Record<string, string> = {}
      for (let k = 0; k < keys; k++) specs[`pad${String(k).padStart(2, '0')}`] = 'p'.repeat(k === keys - 1 ? last : 64)
      // Signed directly: signOffer refuses to sign a record over the limit.
      const body: Offer = { ...offer, addresses, certifications, service: { type: 'x-example.padded', specs } }
      const bytes = encodeRecord({ kind: 'offer', body, signature: id.sign(offerSigningBytes(body)) })
      if (bytes.length === size) return bytes
    }
  }
  throw new Error(`no padded record of exactly ${size} bytes`)
}

export const VECTORS_PATH = fileURLToPath(new URL('../../protocols/vectors/offer-v1.json', import.meta.url))

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = JSON.stringify(buildVectors(), null, 2) + '\n'
  if (process.argv.includes('--write')) await writeFile(VECTORS_PATH, text)
  else process.stdout.write(text)
}
