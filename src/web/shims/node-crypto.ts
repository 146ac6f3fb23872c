/**
 * The part of `node:crypto` the light client reaches, for the page's bundle only
 * (scripts/build-web.ts maps `node:crypto` here): SHA-256 and SHA-512 hashes (@noble/hashes),
 * random bytes (Web Crypto). Key functions (sign, verify, key objects) throw: the page signs
 * nothing with node's path and verifies with the portable @noble one. Temporary: replaced by the
 * platform interfaces (#platform) once they are on main.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js'

type Hasher = ReturnType<typeof sha256.create> | ReturnType<typeof sha512.create>

/** `createHash('sha256' | 'sha512')` with `update(bytes)` and `digest()` returning bytes. */
export function createHash (algorithm: string): { update: (data: Uint8Array | string) => { digest: () => Uint8Array }, digest: () => Uint8Array } {
  const h: Hasher = algorithm === 'sha256' ? sha256.create() : algorithm === 'sha512' ? sha512.create() : unsupported(`createHash(${algorithm})`)
  const api = {
    update: (data: Uint8Array | string) => { h.update(typeof data === 'string' ? new TextEncoder().encode(data) : data); return api },
    digest: () => h.digest()
  }
  return api
}

/** Random bytes from the browser's CSPRNG. */
export function randomBytes (n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n))
}

function unsupported (what: string): never {
  throw new Error(`node:crypto ${what} is not available in the browser build`)
}

export const createPrivateKey = (): never => unsupported('createPrivateKey')
export const createPublicKey = (): never => unsupported('createPublicKey')
export const sign = (): never => unsupported('sign')
export const verify = (): never => unsupported('verify')
