/**
 * C2SP signed notes (https://c2sp.org/signed-note, as implemented by golang.org/x/mod/sumdb/note):
 * a UTF-8 text ending in a newline, a blank line, then signature lines
 * `— <key name> base64(4-byte key id || signature)`. Verifier keys are written
 * `<name>+<hex key id>+base64(type || public key)`, and the key id is the first four bytes of
 * SHA-256(name || 0x0A || type || public key).
 *
 * Signatures from unknown keys are kept but ignored by verification, so that other parties can
 * add cosignatures (see cosignature.ts) without breaking the log's own signature.
 */
import { strictBase64, toBase64 } from '../encoding/base64.js'
import { FulcrumError } from '../errors/index.js'
import { verify, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from '../identity/index.js'
import { LedgerError } from './errors.js'
import { sha256 } from './hash.js'

/** Signature types of the signed-note registry used here. */
export const KeyType = {
  /** Ed25519 over the note text (signed-note §Signature types). */
  ED25519: 0x01,
  /** Ed25519 timestamped cosignature over `cosignature/v1` messages (tlog-cosignature). */
  COSIGNATURE_V1: 0x04
} as const
export type KeyTypeValue = typeof KeyType[keyof typeof KeyType]

/** Largest note accepted: a checkpoint plus a few hundred cosignature lines fits easily. */
export const MAX_NOTE_BYTES = 64 * 1024
/** Most signature lines accepted on one note (the Go reference implementation's limit). */
export const MAX_SIGNATURES = 100

/** The em dash (U+2014) and space that start every signature line. */
const SIG_PREFIX = '\u2014 '
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** One signature line of a note. */
export interface NoteSignature {
  name: string
  /** The 32-bit key id, as an unsigned integer. */
  keyId: number
  /** The signature bytes after the key id. */
  signature: Uint8Array
}

/** A parsed note: its text (ending in a newline) and its signature lines, in order. */
export interface Note {
  text: string
  signatures: NoteSignature[]
}

/** A parsed verifier key. */
export interface VerifierKey {
  name: string
  keyId: number
  type: KeyTypeValue
  publicKey: Uint8Array
}

/** Something that signs with an Ed25519 key (an `Identity` from `identity/`). */
export interface NoteSigner {
  publicKey: Uint8Array
  sign: (message: Uint8Array) => Uint8Array
}

function malformed (message: string): FulcrumError {
  return new FulcrumError(LedgerError.MALFORMED_NOTE, message)
}

/** True if `name` is a valid key name: non-empty, no Unicode space, no `+`. */
export function isValidKeyName (name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name)
}

/** True if `text` is valid note text: non-empty, ending in a newline, no other control characters. */
export function isValidNoteText (text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return text.length > 0 && text.endsWith('\n') && !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u.test(text)
}

/** The key id of a key: SHA-256(name || "\n" || type || public key)[:4], big-endian. */
export function keyIdOf (name: string, type: KeyTypeValue, publicKey: Uint8Array): number {
  const nameBytes = encoder.encode(name)
  const buf = new Uint8Array(nameBytes.length + 2 + publicKey.length)
  buf.set(nameBytes)
  buf[nameBytes.length] = 0x0a
  buf[nameBytes.length + 1] = type
  buf.set(publicKey, nameBytes.length + 2)
  const h = sha256(buf)
  return new DataView(h.buffer, h.byteOffset, 4).getUint32(0)
}

/** The verifier key string of an Ed25519 key under a name. */
export function formatVerifierKey (name: string, type: KeyTypeValue, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new FulcrumError(LedgerError.MALFORMED_VKEY, 'invalid key name')
  const material = new Uint8Array(1 + publicKey.length)
  material[0] = type
  material.set(publicKey, 1)
  return `${name}+${hex8(keyIdOf(name, type, publicKey))}+${toBase64(material)}`
}

/** Parses a verifier key, checking its key id. Throws `LEDGER_MALFORMED_VKEY`. */
export function parseVerifierKey (vkey: string): VerifierKey {
  const bad = (why: string): FulcrumError => new FulcrumError(LedgerError.MALFORMED_VKEY, `verifier key: ${why}`)
  // The base64 key may itself contain '+': split at the first two only (as sumdb/note does).
  const first = typeof vkey === 'string' ? vkey.indexOf('+') : -1
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1)
  if (second < 0) throw bad('expected name+keyid+key')
  const [name, id, b64] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)]
  if (!isValidKeyName(name)) throw bad('invalid name')
  if (!/^[0-9a-f]{8}$/.test(id)) throw bad('key id must be 8 lowercase hex digits')
  const material = strictBase64(b64)
  if (material === undefined || material.length !== 1 + PUBLIC_KEY_LENGTH) throw bad('key must be base64 of a type byte and a 32-byte key')
  const type = material[0]
  if (type !== KeyType.ED25519 && type !== KeyType.COSIGNATURE_V1) throw bad(`unsupported key type ${String(type)}`)
  const publicKey = material.slice(1)
  const keyId = parseInt(id, 16)
  if (keyIdOf(name, type, publicKey) !== keyId) throw bad('key id does not match the key')
  return { name, keyId, type, publicKey }
}

/** Parses a signed note. Throws `LEDGER_MALFORMED_NOTE` unless it has text, a blank line and 1..100 signature lines. */
export function parseNote (input: string | Uint8Array): Note {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input
  if (bytes.length > MAX_NOTE_BYTES) throw malformed(`note is larger than ${MAX_NOTE_BYTES} bytes`)
  let msg: string
  try {
    msg = typeof input === 'string' ? input : decoder.decode(bytes)
  } catch {
    throw malformed('note is not valid UTF-8')
  }
  const split = msg.lastIndexOf('\n\n')
  if (split < 0) throw malformed('no blank line before the signatures')
  const text = msg.slice(0, split + 1)
  const sigBlock = msg.slice(split + 2)
  if (!isValidNoteText(text)) throw malformed('invalid note text')
  if (sigBlock === '' || !sigBlock.endsWith('\n')) throw malformed('signature block must end in a newline')
  const lines = sigBlock.slice(0, -1).split('\n')
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`)
  return { text, signatures: lines.map(parseSignatureLine) }
}

function parseSignatureLine (line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw malformed('signature line must start with an em dash and a space')
  const rest = line.slice(SIG_PREFIX.length)
  const space = rest.indexOf(' ')
  if (space < 0) throw malformed('signature line needs a name and a signature')
  const name = rest.slice(0, space)
  const blob = strictBase64(rest.slice(space + 1))
  if (!isValidKeyName(name) || blob === undefined || blob.length < 5) throw malformed('bad signature line')
  const keyId = new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0)
  return { name, keyId, signature: blob.slice(4) }
}

/** Formats a note: text, blank line, one line per signature. */
export function formatNote (note: Note): string {
  if (!isValidNoteText(note.text)) throw malformed('invalid note text')
  if (note.signatures.length === 0) throw malformed('a note needs at least one signature')
  return `${note.text}\n${note.signatures.map(signatureLine).join('')}`
}

/** One signature line, with its final newline. */
export function signatureLine (sig: NoteSignature): string {
  const blob = new Uint8Array(4 + sig.signature.length)
  new DataView(blob.buffer).setUint32(0, sig.keyId)
  blob.set(sig.signature, 4)
  return `${SIG_PREFIX}${sig.name} ${toBase64(blob)}\n`
}

/** Signs note text with an Ed25519 key (type 0x01) under `name`. */
export function signNoteText (text: string, name: string, signer: NoteSigner): NoteSignature {
  if (!isValidNoteText(text)) throw malformed('invalid note text')
  if (!isValidKeyName(name)) throw new FulcrumError(LedgerError.MALFORMED_VKEY, 'invalid key name')
  return { name, keyId: keyIdOf(name, KeyType.ED25519, signer.publicKey), signature: signer.sign(encoder.encode(text)) }
}

/**
 * Checks that `note` carries a valid Ed25519 signature by `key` and returns it. Signatures by other
 * keys are ignored; a signature line with this key's name and id that does not verify, or the
 * lack of any, throws `LEDGER_BAD_SIGNATURE`.
 */
export function verifyNote (note: Note, key: VerifierKey): NoteSignature {
  if (key.type !== KeyType.ED25519) throw new FulcrumError(LedgerError.MALFORMED_VKEY, 'not an Ed25519 note key')
  const mine = note.signatures.filter(s => s.name === key.name && s.keyId === key.keyId)
  if (mine.length === 0) throw new FulcrumError(LedgerError.BAD_SIGNATURE, `no signature by ${key.name}`)
  const message = encoder.encode(note.text)
  for (const s of mine) {
    if (s.signature.length !== SIGNATURE_LENGTH || !verify(key.publicKey, message, s.signature)) {
      throw new FulcrumError(LedgerError.BAD_SIGNATURE, `invalid signature by ${key.name}`)
    }
  }
  return mine[0] as NoteSignature
}

/** Re-exported: notes decode base64 with the one strict decoder of encoding/. */
export { strictBase64 }

function hex8 (n: number): string {
  return n.toString(16).padStart(8, '0')
}
