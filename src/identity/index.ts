/**
 * Identities: Ed25519 keys, strict signatures and libp2p peer ids. Pure: no disk, no network
 * (key files live in `datadir/`).
 */
import { peerIdFromPublicKey } from './peer-id.js'
import { generateSeed, publicKeyFromSeed, sign } from './ed25519.js'

export * from './errors.js'
export * from './ed25519.js'
export * from './peer-id.js'

/** A key pair with its peer id. The seed is secret: never print or log it. */
export interface Identity {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
  readonly peerId: string
  /** Signs with this identity's key. */
  sign: (message: Uint8Array) => Uint8Array
}

/** The identity of a seed, or of a fresh random seed. */
export function createIdentity (seed: Uint8Array = generateSeed()): Identity {
  const publicKey = publicKeyFromSeed(seed)
  return {
    seed,
    publicKey,
    peerId: peerIdFromPublicKey(publicKey),
    sign: (message) => sign(seed, message)
  }
}
