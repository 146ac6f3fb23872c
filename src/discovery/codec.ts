/**
 * Strict decoding helpers for discovery messages: canonical CBOR (encoding/) plus shape checks
 * that reject unknown fields, wrong types and over-long values with `DISCOVERY_BAD_MESSAGE`.
 */
import { decodeVersionedMessage, encodeVersionedMessage, fieldReader, throwBadMessage } from '../encoding/index.js'
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

/** The discovery-v1 field readers (`encoding/fields.ts`), failing with `DISCOVERY_BAD_MESSAGE`. */
export const read = fieldReader(DiscoveryError.BAD_MESSAGE)
/** A map (plain object). */
export const asMap = read.map
/** An array of at most `max` elements. */
export const asArray = read.array
/** A string of at most `max` characters. */
export const asString = read.str
/** An unsigned safe integer. */
export const asUint = read.uint
/** A byte string, of exactly `length` bytes if given. */
export const asBytes = (v: unknown, path: string, length?: number): Uint8Array => read.bytes(v, path, length)
