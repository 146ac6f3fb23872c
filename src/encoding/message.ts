/**
 * Versioned protocol message envelopes: a canonical CBOR map `{ v: <version>, ...fields }`.
 *
 * Shared by the peer protocols (discovery-v1, ledger-v1). Each protocol passes its own
 * {@link MessageFormat}, so it keeps its own version, size limit and stable error code
 * (`DISCOVERY_BAD_MESSAGE`, `LEDGER_PROTO_BAD_MESSAGE`, ...).
 */
import { FulcrumError } from '../errors/index.js'
import { encodeCanonical } from './canonical.js'
import { readCanonical } from './canonical-reader.js'
import type { CanonicalValue } from './canonical.js'

/** How one protocol frames its messages. */
export interface MessageFormat {
  /** The value of the `v` field every message carries. */
  readonly version: number
  /** The largest encoded message accepted, in bytes. */
  readonly maxBytes: number
  /** The protocol's error code for a malformed message, thrown with the offending field's `path`. */
  readonly badMessageCode: string
}

/** Throws a {@link FulcrumError} with the protocol's bad-message `code` at `path`. */
export function throwBadMessage (code: string, path: string, message: string): never {
  throw new FulcrumError(code, message, { path })
}

/** Encodes a message canonically, with the format's version as field `v`. */
export function encodeVersionedMessage (format: MessageFormat, value: Record<string, CanonicalValue>): Uint8Array {
  return encodeCanonical({ v: format.version, ...value })
}

/**
 * Decodes a message strictly: canonical CBOR of at most `format.maxBytes` bytes, a map, `v` equal
 * to `format.version`, and no fields besides `v` and `allowed`. Throws `format.badMessageCode`
 * (path `$` for the envelope, else the field's name).
 */
export function decodeVersionedMessage (format: MessageFormat, bytes: Uint8Array, allowed: readonly string[]): Record<string, unknown> {
  let value: unknown
  try {
    value = readCanonical(bytes, format.maxBytes).value
  } catch (err) {
    throw new FulcrumError(format.badMessageCode, `not canonical CBOR: ${(err as Error).message}`, { path: '$', cause: err })
  }
  const m = expectMap(format.badMessageCode, value, '$')
  if (m.v !== format.version) throwBadMessage(format.badMessageCode, 'v', `unknown message version ${String(m.v)}`)
  for (const k of Object.keys(m)) if (k !== 'v' && !allowed.includes(k)) throwBadMessage(format.badMessageCode, k, 'unknown field')
  return m
}

/** `v` as a map (a plain object, not an array or bytes), or throws `code` at `path`. */
export function expectMap (code: string, v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return throwBadMessage(code, path, 'expected a map')
  return v as Record<string, unknown>
}
