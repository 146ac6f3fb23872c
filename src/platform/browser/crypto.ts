/**
 * The browser implementation of `#platform/crypto` (see src/platform/index.ts): pure JavaScript
 * (@noble/ed25519, @noble/hashes) and the Web Crypto CSPRNG, with the same contract as
 * `platform/node/crypto.ts` and byte-identical results (cross-checked in test/unit/platform/).
 */
import * as ed from '@noble/ed25519'
import { sha256, sha512 } from '@noble/hashes/sha2.js'

ed.hashes.sha512 = sha512

/** Which implementation this is (shown by tests and benchmarks). */
export const PLATFORM: string = 'browser'

/** SHA-256 of the concatenation of `parts`. */
export function sha256Parts (parts: readonly Uint8Array[]): Uint8Array {
  const h = sha256.create()
  for (const p of parts) h.update(p)
  return h.digest()
}

/** Web Crypto hands out at most this many random bytes per call (its QuotaExceededError bound). */
const MAX_RANDOM_PER_CALL = 65_536

/** `n` bytes from the browser's CSPRNG (`crypto.getRandomValues`). */
export function randomBytes (n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += MAX_RANDOM_PER_CALL) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + MAX_RANDOM_PER_CALL)))
  return out
}

/** The Ed25519 public key of a 32-byte seed. */
export function ed25519PublicKey (seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed)
}

/** An Ed25519 signature of `message` under the key of `seed` (RFC 8032: deterministic). */
export function ed25519Sign (seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed.sign(message, seed)
}

/** A public key ready for {@link ed25519Verify}: noble takes the raw bytes. */
export type Ed25519VerifyKey = Uint8Array

/** Imports a raw public key. Same precondition as the node implementation. */
export function importEd25519PublicKey (publicKey: Uint8Array): Ed25519VerifyKey {
  return publicKey.slice()
}

/**
 * Verifies an Ed25519 signature, strictly (`zip215: false`: RFC 8032 §5.1.7, as OpenSSL does).
 * Same preconditions as the node implementation.
 */
export function ed25519Verify (key: Ed25519VerifyKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, key, { zip215: false })
  } catch {
    return false
  }
}
