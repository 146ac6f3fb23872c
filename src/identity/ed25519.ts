/**
 * Ed25519 signatures, strict (RFC 8032 §5.1.7 plus the checks below).
 *
 * Two implementations give identical results: node:crypto (OpenSSL) is the fast path used by
 * the node, with `KeyObject`s cached per public key; @noble/ed25519 is the portable one for
 * light clients and is cross-checked against node:crypto in the tests.
 *
 * Both paths reject, before any curve arithmetic:
 * - public keys that are not canonical point encodings, or that are of small order (a small-order
 *   key makes signatures that verify for many messages);
 * - signatures whose scalar S is not below the group order L (malleability, RFC 8032 §5.1.7).
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { FulcrumError } from '../errors/index.js'
import { IdentityError } from './errors.js'

ed.hashes.sha512 = sha512

/** Length in bytes of an Ed25519 seed (private key), public key and signature. */
export const SEED_LENGTH = 32
export const PUBLIC_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64

/** The group order L of edwards25519 (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n

// DER prefixes for raw keys (RFC 8410): PKCS#8 private key and SubjectPublicKeyInfo.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

/** Upper bound on cached public `KeyObject`s: one per provider is expected; beyond it the cache is reset. */
const KEY_CACHE_LIMIT = 100_000
const publicKeyCache = new Map<string, KeyObject | null>()

/** A fresh random 32-byte seed. */
export function generateSeed (): Uint8Array {
  return new Uint8Array(randomBytes(SEED_LENGTH))
}

/** The public key of a seed. */
export function publicKeyFromSeed (seed: Uint8Array): Uint8Array {
  assertLength(seed, SEED_LENGTH, 'seed')
  const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length))
}

/** Signs `message` with the key derived from `seed` (node:crypto). */
export function sign (seed: Uint8Array, message: Uint8Array): Uint8Array {
  assertLength(seed, SEED_LENGTH, 'seed')
  return new Uint8Array(nodeSign(null, message, privateKeyObject(seed)))
}

/**
 * Verifies a signature with node:crypto. Returns false for any signature that is not valid,
 * including a malformed, non-canonical or small-order public key and a non-canonical S.
 */
export function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH || !isCanonicalScalar(signature)) return false
  const key = publicKeyObject(publicKey)
  if (key === null) return false
  return nodeVerify(null, message, key, signature)
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

function publicKeyObject (publicKey: Uint8Array): KeyObject | null {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return null
  // Buffer's hex, not uint8arrays' toString: that loads every multiformats base (CLI start-up).
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
  let key = publicKeyCache.get(id)
  if (key !== undefined) return key
  key = isAcceptablePublicKey(publicKey)
    ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    : null
  if (publicKeyCache.size >= KEY_CACHE_LIMIT) publicKeyCache.clear()
  publicKeyCache.set(id, key)
  return key
}

const privateKeyCache = new WeakMap<Uint8Array, KeyObject>()
function privateKeyObject (seed: Uint8Array): KeyObject {
  let key = privateKeyCache.get(seed)
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    privateKeyCache.set(seed, key)
  }
  return key
}

function assertLength (bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new FulcrumError(IdentityError.BAD_KEY, `${what} must be ${length} bytes`)
  }
}
