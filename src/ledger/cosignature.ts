/**
 * C2SP tlog-cosignature v1 (Ed25519): a witness or counterparty states that, as of `time`, the
 * checkpoint is the largest consistent one it has seen for the origin. The signature covers
 * `cosignature/v1\ntime <t>\n` followed by the checkpoint body, and the signature line carries
 * `key id || u64 big-endian timestamp || Ed25519 signature`, with key type 0x04 in the key id.
 *
 * Fulcrum cosigners use the name `fulcrum/witness/v1/<peer id>`. A node signs with the same
 * Ed25519 key as its checkpoints and entries: the three messages cannot collide, because a
 * cosigned message starts with `cosignature/v1\n`, a checkpoint with the origin
 * `fulcrum/ledger/v1/...`, and entry signing bytes with a tag and a 0x00 byte.
 */
import { FulcrumError } from '../errors/index.js'
import { publicKeyFromPeerId, verify, SIGNATURE_LENGTH } from '../identity/index.js'
import { LedgerError } from './errors.js'
import { KeyType, formatVerifierKey, keyIdOf, parseVerifierKey } from './note.js'
import type { Note, NoteSignature, NoteSigner, VerifierKey } from './note.js'

/** Prefix of a Fulcrum node's cosigner name. */
export const COSIGNER_PREFIX = 'fulcrum/witness/v1/'
/** Cosignature timestamps are below 2^63 (tlog-cosignature §Format). */
const MAX_TIMESTAMP = (1n << 63n) - 1n
const encoder = new TextEncoder()

/** A verified cosignature. */
export interface Cosignature {
  name: string
  /** Seconds since the epoch at which it was made. */
  time: number
}

/** The cosigner name of a node. */
export function cosignerNameOf (peerId: string): string {
  return COSIGNER_PREFIX + peerId
}

/** The cosigner verifier key (type 0x04) of a node. */
export function cosignerVerifierKey (peerId: string): string {
  return formatVerifierKey(cosignerNameOf(peerId), KeyType.COSIGNATURE_V1, publicKeyFromPeerId(peerId))
}

/** The exact bytes a v1 cosignature signs. */
export function cosignedMessage (checkpointText: string, time: number): Uint8Array {
  return encoder.encode(`cosignature/v1\ntime ${time}\n${checkpointText}`)
}

function checkTime (time: number): void {
  if (!Number.isSafeInteger(time) || time < 0 || BigInt(time) > MAX_TIMESTAMP) {
    throw new FulcrumError(LedgerError.BAD_COSIGNATURE, 'cosignature time must be a non-negative integer')
  }
}

/** Cosigns checkpoint body text at `time` (seconds since the epoch, given by the caller). */
export function cosign (checkpointText: string, name: string, signer: NoteSigner, time: number): NoteSignature {
  checkTime(time)
  const sig = signer.sign(cosignedMessage(checkpointText, time))
  const blob = new Uint8Array(8 + SIGNATURE_LENGTH)
  new DataView(blob.buffer).setBigUint64(0, BigInt(time))
  blob.set(sig, 8)
  return { name, keyId: keyIdOf(name, KeyType.COSIGNATURE_V1, signer.publicKey), signature: blob }
}

/**
 * Finds and verifies the cosignature by `key` on `note`. Returns it, or throws
 * `LEDGER_BAD_COSIGNATURE` if there is none or it does not verify.
 */
export function verifyCosignature (note: Note, vkey: string | VerifierKey): Cosignature {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey
  if (key.type !== KeyType.COSIGNATURE_V1) throw new FulcrumError(LedgerError.MALFORMED_VKEY, 'not a cosignature/v1 key')
  const sig = note.signatures.find(s => s.name === key.name && s.keyId === key.keyId)
  if (sig === undefined) throw new FulcrumError(LedgerError.BAD_COSIGNATURE, `no cosignature by ${key.name}`)
  if (sig.signature.length !== 8 + SIGNATURE_LENGTH) throw new FulcrumError(LedgerError.BAD_COSIGNATURE, 'cosignature has the wrong length')
  const t = new DataView(sig.signature.buffer, sig.signature.byteOffset, 8).getBigUint64(0)
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new FulcrumError(LedgerError.BAD_COSIGNATURE, 'cosignature time out of range')
  const time = Number(t)
  if (!verify(key.publicKey, cosignedMessage(note.text, time), sig.signature.subarray(8))) {
    throw new FulcrumError(LedgerError.BAD_COSIGNATURE, `cosignature by ${key.name} does not verify`)
  }
  return { name: key.name, time }
}
