/**
 * Text forms of bytes (base64 with padding, lowercase hex) without Node's `Buffer`, so that the
 * pure core runs unchanged in a browser. The output is exactly `Buffer`'s.
 */
import { fromString, toString } from 'uint8arrays'

/** Standard padded base64 (RFC 4648 §4), as `Buffer.toString('base64')`. */
export function toBase64 (bytes: Uint8Array): string {
  return toString(bytes, 'base64pad')
}

/** Lowercase hex, as `Buffer.toString('hex')`. */
export function toHex (bytes: Uint8Array): string {
  return toString(bytes, 'base16')
}

/** Decodes standard padded base64, or `undefined` if the string is not its canonical form. */
export function strictBase64 (s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined
  try {
    const b = fromString(s, 'base64pad')
    return toBase64(b) === s ? b : undefined
  } catch {
    return undefined // leftover bits that are not zero: not the canonical form
  }
}
