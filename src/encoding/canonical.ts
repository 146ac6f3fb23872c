/**
 * Canonical binary encoding for everything that is signed: deterministic CBOR (RFC 8949 §4.2.1
 * core deterministic encoding, with RFC 7049 length-first map key order as produced by cborg).
 *
 * The decoder is strict: it rejects indefinite lengths, duplicate map keys, undefined, non-minimal
 * integers and floats, and then re-encodes the decoded value and requires the very same bytes, so
 * that every value has exactly one accepted encoding (decode-then-encode is the identity).
 *
 * Floats are never used in signed objects: quantities are unsigned integers and decimals are
 * strings (see protocols/encoding-v1.md).
 */
import { encode as cborEncode, decode as cborDecode } from 'cborg'
import { equals } from 'uint8arrays/equals'
import { FulcrumError } from '../errors/index.js'

/** Error codes raised by the canonical codec. */
export const EncodingError = {
  /** The bytes are not well-formed CBOR, or use a feature the canonical form forbids. */
  MALFORMED: 'ENCODING_MALFORMED',
  /** The bytes decode, but are not the one canonical encoding of the value. */
  NON_CANONICAL: 'ENCODING_NON_CANONICAL',
  /** The input is larger than the caller's limit. */
  TOO_LARGE: 'ENCODING_TOO_LARGE',
  /** The value holds a type that has no canonical encoding here (float, undefined, ...). */
  UNSUPPORTED_VALUE: 'ENCODING_UNSUPPORTED_VALUE'
} as const
export type EncodingErrorCode = typeof EncodingError[keyof typeof EncodingError]

/** A value that the canonical codec can represent. */
export type CanonicalValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | CanonicalValue[]
  | { [key: string]: CanonicalValue }

const ENCODE_OPTIONS = { float64: false } as const
const DECODE_OPTIONS = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: true,
  useMaps: false
} as const

/**
 * Encodes a value canonically.
 *
 * Precondition: integers are safe integers or bigints, no floats, no undefined (an optional
 * field is omitted, not undefined). Violations throw `ENCODING_UNSUPPORTED_VALUE`.
 */
export function encodeCanonical (value: CanonicalValue): Uint8Array {
  assertEncodable(value, '')
  return cborEncode(value, ENCODE_OPTIONS)
}

/**
 * Decodes canonical CBOR. Throws `ENCODING_TOO_LARGE` if `bytes` is longer than `maxBytes`,
 * `ENCODING_MALFORMED` for anything that is not one strict CBOR item, and
 * `ENCODING_NON_CANONICAL` if the bytes are not the canonical encoding of what they decode to.
 */
export function decodeCanonical (bytes: Uint8Array, maxBytes: number): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new FulcrumError(EncodingError.TOO_LARGE, `encoded object is ${bytes.byteLength} bytes, the limit is ${maxBytes}`)
  }
  let value: unknown
  try {
    value = cborDecode(bytes, DECODE_OPTIONS)
  } catch (err) {
    throw new FulcrumError(EncodingError.MALFORMED, `malformed CBOR: ${(err as Error).message}`, { cause: err })
  }
  let again: Uint8Array
  try {
    again = encodeCanonical(value as CanonicalValue)
  } catch (err) {
    throw new FulcrumError(EncodingError.NON_CANONICAL, 'value has no canonical encoding', { cause: err })
  }
  if (!equals(again, bytes)) {
    throw new FulcrumError(EncodingError.NON_CANONICAL, 'bytes are not the canonical encoding of their value')
  }
  return value
}

/**
 * Decodes bytes that {@link decodeCanonical} has already accepted (for example in a verification
 * thread), without the canonical re-encoding check: the same value, at about a third of the cost.
 * Never use it on bytes that were not checked: it accepts non-canonical encodings.
 */
export function decodeCheckedCanonical (bytes: Uint8Array): unknown {
  return cborDecode(bytes, DECODE_OPTIONS)
}

function assertEncodable (value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new FulcrumError(EncodingError.UNSUPPORTED_VALUE, 'only safe integers can be encoded (no floats)', { path: path || '$' })
      }
      return
    case 'object':
      if (value === null || value instanceof Uint8Array) return
      if (Array.isArray(value)) {
        value.forEach((v, i) => { assertEncodable(v, `${path}[${i}]`) })
        return
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) break
      for (const [k, v] of Object.entries(value)) assertEncodable(v, path === '' ? k : `${path}.${k}`)
      return
  }
  throw new FulcrumError(EncodingError.UNSUPPORTED_VALUE, `cannot encode a ${typeof value}`, { path: path || '$' })
}

/**
 * Builds the exact bytes to sign for an object: the ASCII domain tag, one 0x00 byte, then the
 * canonical encoding of the body. Distinct tags keep a signature over one object type from ever
 * verifying as another (see protocols/encoding-v1.md §Signing).
 */
export function signingBytes (domainTag: string, body: CanonicalValue): Uint8Array {
  const tag = new TextEncoder().encode(domainTag)
  const encoded = encodeCanonical(body)
  const out = new Uint8Array(tag.length + 1 + encoded.length)
  out.set(tag, 0)
  out[tag.length] = 0
  out.set(encoded, tag.length + 1)
  return out
}

