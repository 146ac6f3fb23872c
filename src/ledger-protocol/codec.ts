/**
 * ledger-v1 messages (protocols/ledger-v1.md §Messages): canonical CBOR maps `{ v: 1, op, ... }`
 * for requests and `{ v: 1, ... }` or `{ v: 1, error: { code, message, size? } }` for responses.
 * Decoding is strict: unknown versions, ops and fields are rejected with `LEDGER_PROTO_BAD_MESSAGE`.
 */
import { FulcrumError } from '../errors/index.js'
import { decodeVersionedMessage, encodeVersionedMessage, fieldReader } from '../encoding/index.js'
import type { CanonicalValue, MessageFormat } from '../encoding/index.js'
import { HASH_SIZE, MAX_ENTRY_BYTES, MAX_ID_LENGTH, MAX_NOTE_BYTES } from '../ledger/index.js'
import { LedgerProtocolError } from './errors.js'
import { MAX_ENTRIES_PER_PAGE, MAX_MESSAGE_BYTES, MAX_PROOF_HASHES } from './constants.js'

/** Message version. */
export const MESSAGE_VERSION = 1

/** The ledger-v1 message envelope: version 1, at most `MAX_MESSAGE_BYTES`, `LEDGER_PROTO_BAD_MESSAGE`. */
const FORMAT: MessageFormat = { version: MESSAGE_VERSION, maxBytes: MAX_MESSAGE_BYTES, badMessageCode: LedgerProtocolError.BAD_MESSAGE }

/** Requests, by `op`. */
export type LedgerRequest =
  | { op: 'checkpoint' }
  | { op: 'entries', start: number, end: number }
  | { op: 'inclusion', size: number, index?: number, leafHash?: Uint8Array, id?: string }
  | { op: 'consistency', size1: number, size2: number }
  | { op: 'cosign', checkpoint: string, oldSize: number, proof: Uint8Array[], entry?: Uint8Array, entryIndex?: number, entryProof?: Uint8Array[] }

/** An error answer. `size` is set on `LEDGER_PROTO_CONFLICT` (the witness's known size). */
export interface ErrorAnswer { code: string, message: string, size?: number }

/** The ledger-v1 field readers (`encoding/fields.ts`), failing with `LEDGER_PROTO_BAD_MESSAGE`. */
const fields = fieldReader(LedgerProtocolError.BAD_MESSAGE)
const { bad, uint, list } = fields
const str = (v: unknown, path: string, max: number): string => fields.str(v, path, max)
const bytes = (v: unknown, path: string, length?: number, max = Infinity): Uint8Array => fields.bytes(v, path, length, max)
const hashes = (v: unknown, path: string): Uint8Array[] => list(v, path, MAX_PROOF_HASHES, (x, p) => bytes(x, p, HASH_SIZE))

/** Encodes a message with the version field. */
export function encodeMessage (value: Record<string, CanonicalValue>): Uint8Array {
  return encodeVersionedMessage(FORMAT, value)
}

/** Decodes a message map, allowing only `fields` besides `v` (throws `LEDGER_PROTO_BAD_MESSAGE`). */
export function decodeMessage (data: Uint8Array, fields: readonly string[]): Record<string, unknown> {
  return decodeVersionedMessage(FORMAT, data, fields)
}

/** Encodes a request. */
export function encodeRequest (req: LedgerRequest): Uint8Array {
  return encodeMessage(req as unknown as Record<string, CanonicalValue>)
}

/** Decodes a request (throws `LEDGER_PROTO_BAD_MESSAGE`). */
export function decodeRequest (data: Uint8Array): LedgerRequest {
  const m = decodeMessage(data, ['op', 'start', 'end', 'size', 'index', 'leafHash', 'id', 'size1', 'size2', 'checkpoint', 'oldSize', 'proof', 'entry', 'entryIndex', 'entryProof'])
  const only = (...keys: string[]): void => {
    for (const k of Object.keys(m)) if (!['v', 'op', ...keys].includes(k)) bad(k, `not a field of ${String(m.op)}`)
  }
  switch (m.op) {
    case 'checkpoint': only(); return { op: 'checkpoint' }
    case 'entries': only('start', 'end'); return { op: 'entries', start: uint(m.start, 'start'), end: uint(m.end, 'end') }
    case 'consistency': only('size1', 'size2'); return { op: 'consistency', size1: uint(m.size1, 'size1'), size2: uint(m.size2, 'size2') }
    case 'cosign': {
      only('checkpoint', 'oldSize', 'proof', 'entry', 'entryIndex', 'entryProof')
      const req: LedgerRequest = { op: 'cosign', checkpoint: str(m.checkpoint, 'checkpoint', MAX_NOTE_BYTES), oldSize: uint(m.oldSize, 'oldSize'), proof: hashes(m.proof, 'proof') }
      const shared = ['entry', 'entryIndex', 'entryProof'].filter(k => m[k] !== undefined)
      if (shared.length === 0) return req
      if (shared.length !== 3) bad('entry', 'give all of entry, entryIndex, entryProof or none')
      return { ...req, entry: bytes(m.entry, 'entry', undefined, MAX_ENTRY_BYTES), entryIndex: uint(m.entryIndex, 'entryIndex'), entryProof: hashes(m.entryProof, 'entryProof') }
    }
    case 'inclusion': {
      only('size', 'index', 'leafHash', 'id')
      const keys = ['index', 'leafHash', 'id'].filter(k => m[k] !== undefined)
      if (keys.length !== 1) bad('$', 'give exactly one of index, leafHash, id')
      const req: LedgerRequest = { op: 'inclusion', size: uint(m.size, 'size') }
      if (m.index !== undefined) req.index = uint(m.index, 'index')
      if (m.leafHash !== undefined) req.leafHash = bytes(m.leafHash, 'leafHash', HASH_SIZE)
      if (m.id !== undefined) req.id = str(m.id, 'id', MAX_ID_LENGTH)
      return req
    }
    default: return bad('op', `unknown op ${String(m.op)}`)
  }
}

/** Encodes an error answer. */
export function encodeError (e: ErrorAnswer): Uint8Array {
  return encodeMessage({ error: e.size === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, size: e.size } })
}

/**
 * Decodes an answer with the given fields. An error answer throws `LEDGER_PROTO_REMOTE` (or
 * `LEDGER_PROTO_CONFLICT`, with the witness's size in `path`-free field `size` of the cause).
 */
export function decodeAnswer (data: Uint8Array, fields: readonly string[]): Record<string, unknown> {
  const m = decodeMessage(data, [...fields, 'error'])
  if (m.error === undefined) return m
  const e = m.error as Record<string, unknown>
  const code = str(e?.code, 'error.code', 64)
  const message = str(e?.message, 'error.message', 1024)
  if (code === LedgerProtocolError.CONFLICT) {
    throw new FulcrumError(LedgerProtocolError.CONFLICT, message, { cause: { size: uint(e.size, 'error.size') } })
  }
  throw new FulcrumError(LedgerProtocolError.REMOTE, `peer answered ${code}: ${message}`, { cause: { code } })
}

/** Answer field decoders, shared by the client. */
export const read = {
  uint,
  str,
  hashes,
  leaf: (v: unknown, p: string): Uint8Array => bytes(v, p, undefined, MAX_ENTRY_BYTES),
  leaves: (v: unknown, p: string): Uint8Array[] => list(v, p, MAX_ENTRIES_PER_PAGE, (x, q) => bytes(x, q, undefined, MAX_ENTRY_BYTES))
}
