/**
 * Peer ids: an Ed25519 public key as a libp2p peer id, so that the signer of an offer or an
 * agreement *is* the network peer that serves it.
 *
 * A libp2p Ed25519 peer id is the base58btc encoding (no multibase prefix) of the identity
 * multihash (0x00, length 0x24) of the protobuf `PublicKey { Type = Ed25519 (1), Data = key }`,
 * i.e. the 36 bytes `08 01 12 20 || key` (libp2p peer-ids spec). It always starts with `12D3KooW`.
 */
import { base58btc } from 'multiformats/bases/base58'
import { FulcrumError } from '../errors/index.js'
import { IdentityError } from './errors.js'
import { PUBLIC_KEY_LENGTH, isAcceptablePublicKey } from './ed25519.js'

const PREFIX = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
/** Length of a peer id string for an Ed25519 key. */
const PEER_ID_LENGTH = 52

/** The peer id of an Ed25519 public key. */
export function peerIdFromPublicKey (publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new FulcrumError(IdentityError.BAD_PUBLIC_KEY, `public key must be ${PUBLIC_KEY_LENGTH} bytes`)
  }
  const bytes = new Uint8Array(PREFIX.length + PUBLIC_KEY_LENGTH)
  bytes.set(PREFIX)
  bytes.set(publicKey, PREFIX.length)
  return base58btc.baseEncode(bytes)
}

/**
 * The public key inside a peer id. Throws `IDENTITY_BAD_PEER_ID` unless `peerId` is the canonical
 * string of an acceptable Ed25519 key (see `isAcceptablePublicKey`).
 */
export function publicKeyFromPeerId (peerId: string): Uint8Array {
  const cached = keyCache.get(peerId)
  if (cached !== undefined) return cached
  const key = decodePeerId(peerId)
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
  keyCache.set(peerId, key)
  return key
}

/** Decoded peer ids: decoding checks the point, which costs more than a signature check's setup. */
const keyCache = new Map<string, Uint8Array>()
/** One entry per provider is expected; past this the cache starts over. */
const KEY_CACHE_LIMIT = 100_000

function decodePeerId (peerId: string): Uint8Array {
  if (typeof peerId !== 'string' || peerId.length !== PEER_ID_LENGTH) {
    throw new FulcrumError(IdentityError.BAD_PEER_ID, 'not an Ed25519 peer id')
  }
  let bytes: Uint8Array
  try {
    bytes = base58btc.baseDecode(peerId)
  } catch {
    throw new FulcrumError(IdentityError.BAD_PEER_ID, 'peer id is not base58btc')
  }
  if (bytes.length !== PREFIX.length + PUBLIC_KEY_LENGTH || !PREFIX.every((b, i) => bytes[i] === b)) {
    throw new FulcrumError(IdentityError.BAD_PEER_ID, 'peer id is not an identity multihash of an Ed25519 key')
  }
  const key = bytes.slice(PREFIX.length)
  if (!isAcceptablePublicKey(key)) {
    throw new FulcrumError(IdentityError.BAD_PEER_ID, 'peer id holds a non-canonical or small-order key')
  }
  return key
}

/** True if `peerId` is a valid Ed25519 peer id (see {@link publicKeyFromPeerId}). */
export function isPeerId (peerId: unknown): peerId is string {
  try {
    publicKeyFromPeerId(peerId as string)
    return true
  } catch {
    return false
  }
}
