/**
 * Ed25519 signatures, strict (RFC 8032 §5.1.7 plus the checks below).
 *
 * Two implementations give identical results: the platform's (`#platform/crypto`: node:crypto,
 * OpenSSL, on Node with `KeyObject`s cached per public key; @noble/ed25519 in a browser) is the
 * fast path; @noble/ed25519 is also the portable one that light clients may ask for on Node, and
 * is cross-checked against node:crypto in the tests.
 *
 * Both paths reject, before any curve arithmetic:
 * - public keys that are not canonical point encodings, or that are of small order (a small-order
 *   key makes signatures that verify for many messages);
 * - signatures whose scalar S is not below the group order L (malleability, RFC 8032 §5.1.7).
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { ed25519PublicKey, ed25519Sign, ed25519Verify, importEd25519PublicKey, randomBytes } from '#platform/crypto'
import type { Ed25519VerifyKey } from '#platform/crypto'
import { FulcrumError } from '../errors/index.js'
import { toHex } from '../encoding/base64.js'
import { IdentityError } from './errors.js'

ed.hashes.sha512 = sha512

/** Length in bytes of an Ed25519 seed (private key), public key and signature. */
export const SEED_LENGTH = 32
export const PUBLIC_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64

/** The group order L of edwards25519 (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n

/** A fresh random 32-byte seed. */
export function generateSeed (): Uint8Array {
  return randomBytes(SEED_LENGTH)
}

/** The public key of a seed. */
export function publicKeyFromSeed (seed: Uint8Array): Uint8Array {
  assertLength(seed, SEED_LENGTH, 'seed')
  return ed25519PublicKey(seed)
}

/** Signs `message` with the key derived from `seed` (the platform's implementation). */
export function sign (seed: Uint8Array, message: Uint8Array): Uint8Array {
  assertLength(seed, SEED_LENGTH, 'seed')
  return ed25519Sign(seed, message)
}

/**
 * Verifies a signature with the platform's implementation (node:crypto on Node). Returns false for
 * any signature that is not valid, including a malformed, non-canonical or small-order public key
 * and a non-canonical S.
 */
export function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH || !isCanonicalScalar(signature)) return false
  const key = verifyKey(publicKey)
  if (key === null) return false
  return ed25519Verify(key, message, signature)
}

/** The same as {@link verify}, with @noble/ed25519 (pure JavaScript, portable). */
export function verifyPortable (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH || !isCanonicalScalar(signature)) return false
  if (!isAcceptablePublicKey(publicKey)) return false
  try {
    return ed.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/**
 * True if `publicKey` is 32 bytes, a canonical encoding of a curve point, and not of small
 * order. Use it to validate keys at the boundary (peer ids, key files).
 */
export function isAcceptablePublicKey (publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return false
  try {
    const point = ed.Point.fromBytes(publicKey, false)
    return !point.isSmallOrder()
  } catch {
    return false
  }
}

/** Throws `IDENTITY_BAD_PUBLIC_KEY` unless {@link isAcceptablePublicKey}. */
export function assertAcceptablePublicKey (publicKey: Uint8Array): void {
  if (!isAcceptablePublicKey(publicKey)) {
    throw new FulcrumError(IdentityError.BAD_PUBLIC_KEY, 'not a canonical ed25519 public key of full order')
  }
}

/** L as 32 little-endian bytes, for a byte-wise comparison with S. */
const L_BYTES = Uint8Array.from({ length: 32 }, (_, i) => Number((L >> BigInt(8 * i)) & 0xffn))

function isCanonicalScalar (signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i] as number
    const l = L_BYTES[i] as number
    if (s !== l) return s < l
  }
  return false
}

/** Upper bound on cached verification keys: one per provider is expected; beyond it the cache is reset. */
const KEY_CACHE_LIMIT = 100_000
const keyCache = new Map<string, Ed25519VerifyKey | null>()

/**
 * The canonical encodings of the eight points of small order (the torsion subgroup of edwards25519:
 * orders 1, 2, 4, 4, 8, 8, 8, 8), as hex. Every other small-order encoding is non-canonical.
 */
const SMALL_ORDER_KEYS: ReadonlySet<string> = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'
])

/**
 * The checks of {@link isAcceptablePublicKey} that a verification needs before the platform's own:
 * the encoding's y is below p (canonical), and the key is not one of the eight small-order points
 * (by their encodings, with no curve arithmetic: a point decompression in JavaScript costs more than
 * the verification). An encoding that is no curve point passes here and then fails the platform's
 * verification, which decodes the key (node:crypto, like RFC 8032 §5.1.7, refuses it).
 * Only for the verification path: boundary checks of keys use {@link isAcceptablePublicKey}.
 */
export function isVerifiableKeyEncoding (publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return false
  // y >= p = 2^255 - 19: bytes 0xed..0xff, then thirty 0xff, then 0x7f (ignoring the sign bit).
  let tooLarge = ((publicKey[31] as number) & 0x7f) === 0x7f && (publicKey[0] as number) >= 0xed
  for (let i = 1; tooLarge && i < 31; i++) tooLarge = publicKey[i] === 0xff
  return !tooLarge && !SMALL_ORDER_KEYS.has(toHex(publicKey))
}

/** The platform's verification key of `publicKey` (null if not acceptable), cached: importing costs more than a verify. */
function verifyKey (publicKey: Uint8Array): Ed25519VerifyKey | null {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return null
  // One char per byte: no Buffer (browser) and not uint8arrays' toString, which loads every
  // multiformats base (CLI start-up).
  const id = String.fromCharCode(...publicKey)
  let key = keyCache.get(id)
  if (key !== undefined) return key
  key = isVerifiableKeyEncoding(publicKey) ? importEd25519PublicKey(publicKey) : null
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
  keyCache.set(id, key)
  return key
}

function assertLength (bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new FulcrumError(IdentityError.BAD_KEY, `${what} must be ${length} bytes`)
  }
}
