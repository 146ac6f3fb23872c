/**
 * Strict decoding helpers for discovery messages: canonical CBOR (encoding/) plus shape checks
 * that reject unknown fields, wrong types and over-long values with `DISCOVERY_BAD_MESSAGE`.
 */
import { decodeVersionedMessage, encodeVersionedMessage, expectMap, throwBadMessage } from '../encoding/index.js'
import type { CanonicalValue, MessageFormat } from '../encoding/index.js'
import { DiscoveryError } from './errors.js'
import { MAX_PROTOCOL_MESSAGE_BYTES } from './constants.js'

/** Protocol message version (protocols/discovery-v1.md §Messages). */
export const MESSAGE_VERSION = 1

/** The discovery-v1 message envelope: version 1, at most 1 MiB, `DISCOVERY_BAD_MESSAGE`. */
const FORMAT: MessageFormat = { version: MESSAGE_VERSION, maxBytes: MAX_PROTOCOL_MESSAGE_BYTES, badMessageCode: DiscoveryError.BAD_MESSAGE }

/** Throws `DISCOVERY_BAD_MESSAGE` at `path`. */
export function badMessage (path: string, message: string): never {
  return throwBadMessage(DiscoveryError.BAD_MESSAGE, path, message)
}

/** Encodes a message canonically. */
export function encodeMessage (value: Record<string, CanonicalValue>): Uint8Array {
  return encodeVersionedMessage(FORMAT, value)
}

/**
 * Decodes a message: canonical CBOR map, version 1, only the `allowed` fields (besides `v`).
 * Throws `DISCOVERY_BAD_MESSAGE`.
 */
export function decodeMessage (bytes: Uint8Array, allowed: readonly string[]): Record<string, unknown> {
  return decodeVersionedMessage(FORMAT, bytes, allowed)
}

/** A map (plain object). */
export function asMap (v: unknown, path: string): Record<string, unknown> {
  return expectMap(DiscoveryError.BAD_MESSAGE, v, path)
}

/** An array of at most `max` elements. */
export function asArray (v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) return badMessage(path, 'expected an array')
  if (v.length > max) return badMessage(path, `more than ${max} elements`)
  return v
}

/** A string of at most `max` characters. */
export function asString (v: unknown, path: string, max: number): string {
  if (typeof v !== 'string') return badMessage(path, 'expected a string')
  if (v.length > max) return badMessage(path, `longer than ${max}`)
  return v
}

/** An unsigned safe integer. */
export function asUint (v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return badMessage(path, 'expected an unsigned integer')
  return v
}

/** A byte string, of exactly `length` bytes if given. */
export function asBytes (v: unknown, path: string, length?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) return badMessage(path, 'expected bytes')
  if (length !== undefined && v.length !== length) return badMessage(path, `expected ${length} bytes`)
  return v
}
