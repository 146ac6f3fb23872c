/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note body
 * `<origin>\n<tree size>\n<base64 root hash>\n[extension lines]`, signed as a C2SP signed note
 * by the log's key under the key name equal to the origin.
 *
 * A Fulcrum node's origin is `fulcrum/ledger/v1/<peer id>`: unique to the node, and it tells a
 * verifier which key must sign (the Ed25519 key inside the peer id).
 */
import { toBase64 } from '../encoding/base64.js'
import { FulcrumError } from '../errors/index.js'
import { peerIdFromPublicKey, publicKeyFromPeerId } from '../identity/index.js'
import { LedgerError } from './errors.js'
import { HASH_SIZE } from './hash.js'
import {
  KeyType, formatNote, formatVerifierKey, isValidKeyName, parseNote, parseVerifierKey, signNoteText, strictBase64, verifyNote
} from './note.js'
import type { Note, NoteSigner, VerifierKey } from './note.js'

/** Prefix of the origin (and note key name) of every Fulcrum node's ledger. */
export const ORIGIN_PREFIX = 'fulcrum/ledger/v1/'
/** Most extension lines accepted after the root hash. */
export const MAX_EXTENSIONS = 16

/** A checkpoint: the log's origin, tree size and root hash. */
export interface Checkpoint {
  origin: string
  /** Tree size; sizes above 2^53 - 1 are refused as malformed by this implementation. */
  size: number
  root: Uint8Array
  /** Optional extension lines (without newlines), kept and signed but not interpreted. */
  extensions: string[]
}

/** A checkpoint together with the signed note it came from. */
export interface SignedCheckpoint {
  checkpoint: Checkpoint
  note: Note
  /** The full signed note text, byte for byte as received. */
  text: string
}

function malformed (why: string): FulcrumError {
  return new FulcrumError(LedgerError.MALFORMED_CHECKPOINT, `checkpoint: ${why}`)
}

/** The ledger origin of a node. */
export function originOf (peerId: string): string {
  return ORIGIN_PREFIX + peerId
}

/** The verifier key of a node's ledger checkpoints, derived from its peer id alone. */
export function ledgerVerifierKey (peerId: string): string {
  return formatVerifierKey(originOf(peerId), KeyType.ED25519, publicKeyFromPeerId(peerId))
}

/** The peer id in a Fulcrum origin, or `undefined` if the origin is not one. */
export function peerIdOfOrigin (origin: string): string | undefined {
  if (!origin.startsWith(ORIGIN_PREFIX)) return undefined
  const peerId = origin.slice(ORIGIN_PREFIX.length)
  try {
    return peerIdFromPublicKey(publicKeyFromPeerId(peerId)) === peerId ? peerId : undefined
  } catch {
    return undefined
  }
}

/** The checkpoint body text. */
export function formatCheckpoint (cp: Checkpoint): string {
  if (!isValidKeyName(cp.origin)) throw malformed('origin must be non-empty, without spaces or +')
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw malformed('bad size')
  if (cp.root.length !== HASH_SIZE) throw malformed('root must be 32 bytes')
  if (cp.extensions.some(e => e === '' || e.includes('\n'))) throw malformed('bad extension line')
  return [cp.origin, String(cp.size), toBase64(cp.root), ...cp.extensions].join('\n') + '\n'
}

/** Parses a checkpoint body. Throws `LEDGER_MALFORMED_CHECKPOINT`. */
export function parseCheckpoint (text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('body must end in a newline')
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3) throw malformed('needs origin, size and root lines')
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]]
  if (!isValidKeyName(origin)) throw malformed('origin must be non-empty, without spaces or +')
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) throw malformed('size must be a decimal without leading zeros')
  const size = Number(sizeLine)
  if (!Number.isSafeInteger(size)) throw malformed('size above 2^53 - 1 is not supported')
  const root = strictBase64(rootLine)
  if (root === undefined || root.length !== HASH_SIZE) throw malformed('root must be base64 of 32 bytes')
  if (extensions.length > MAX_EXTENSIONS || extensions.some(e => e === '')) throw malformed('bad extension lines')
  return { origin, size, root, extensions }
}

/** Signs a checkpoint as a note with the log key; the key name is the origin. */
export function signCheckpoint (cp: Checkpoint, signer: NoteSigner): string {
  const text = formatCheckpoint(cp)
  return formatNote({ text, signatures: [signNoteText(text, cp.origin, signer)] })
}

/**
 * Parses a signed checkpoint note and verifies the log's signature with `vkey` (a verifier key
 * string or parsed key). The origin must equal the key name. Throws `LEDGER_MALFORMED_NOTE`,
 * `LEDGER_MALFORMED_CHECKPOINT`, `LEDGER_WRONG_ORIGIN` or `LEDGER_BAD_SIGNATURE`.
 */
export function openCheckpoint (noteText: string, vkey: string | VerifierKey): SignedCheckpoint {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey
  const note = parseNote(noteText)
  const checkpoint = parseCheckpoint(note.text)
  if (checkpoint.origin !== key.name) {
    throw new FulcrumError(LedgerError.WRONG_ORIGIN, `checkpoint origin ${checkpoint.origin} is not the key name ${key.name}`)
  }
  verifyNote(note, key)
  return { checkpoint, note, text: noteText }
}

/** Opens the checkpoint of the Fulcrum node `peerId` (its key and origin follow from the id). */
export function openNodeCheckpoint (noteText: string, peerId: string): SignedCheckpoint {
  return openCheckpoint(noteText, ledgerVerifierKey(peerId))
}
