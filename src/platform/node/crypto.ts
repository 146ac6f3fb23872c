/**
 * The Node implementation of `#platform/crypto` (see src/platform/index.ts): node:crypto
 * (OpenSSL), the fast path of every daemon and CLI command. Raw keys only: callers check lengths
 * and canonical encodings (identity/ed25519.ts) before they get here.
 */
import { createHash, createPrivateKey, hash, createPublicKey, randomBytes as nodeRandomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** Which implementation this is (shown by tests and benchmarks). */
export const PLATFORM: string = 'node'

// DER prefixes for raw keys (RFC 8410): PKCS#8 private key and SubjectPublicKeyInfo.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

const privateKeyCache = new WeakMap<Uint8Array, KeyObject>()

/** Inputs up to this size are hashed one-shot from a reused buffer (every leaf and node hash of the log). */
const ONE_SHOT_MAX = 64 * 1024
const scratch = new Uint8Array(ONE_SHOT_MAX)

/**
 * SHA-256 of the concatenation of `parts`. Small inputs are copied into one reused buffer and
 * hashed one-shot (`crypto.hash`): a `Hash` object per call (two per log append) cost more than
 * the copy, and left native handles for the garbage collector; larger ones are streamed.
 */
export function sha256Parts (parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  let out: Buffer
  if (n <= ONE_SHOT_MAX) {
    let o = 0
    for (const p of parts) { scratch.set(p, o); o += p.length }
    out = hash('sha256', scratch.subarray(0, n), 'buffer')
  } else {
    const h = createHash('sha256')
    for (const p of parts) h.update(p)
    out = h.digest()
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** `n` bytes from the operating system's CSPRNG. */
export function randomBytes (n: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(n))
}

/** The Ed25519 public key of a 32-byte seed. */
export function ed25519PublicKey (seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length))
}

/** An Ed25519 signature of `message` under the key of `seed`. */
export function ed25519Sign (seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, privateKeyObject(seed)))
}

/** A public key ready for {@link ed25519Verify}: an OpenSSL `KeyObject` (identity/ed25519.ts caches them per key). */
export type Ed25519VerifyKey = KeyObject

/** Imports a raw public key. Precondition: a canonical point encoding of full order (identity/ed25519.ts checks it). */
export function importEd25519PublicKey (publicKey: Uint8Array): Ed25519VerifyKey {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
}

/** Verifies an Ed25519 signature. Precondition: `signature` is 64 bytes with a canonical S (identity/ed25519.ts checks it). */
export function ed25519Verify (key: Ed25519VerifyKey, message: Uint8Array, signature: Uint8Array): boolean {
  return nodeVerify(null, message, key, signature)
}

function privateKeyObject (seed: Uint8Array): KeyObject {
  let key = privateKeyCache.get(seed)
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    privateKeyCache.set(seed, key)
  }
  return key
}
