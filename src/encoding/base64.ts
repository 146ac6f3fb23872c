/**
 * Text forms of bytes (base64 with padding, lowercase hex) without Node's `Buffer`, so that the
 * pure core runs unchanged in a browser, and without uint8arrays' bases (which load every
 * multiformats codec: CLI start-up). The output is exactly `Buffer`'s; `btoa`/`atob` are in
 * every browser and in Node (16+).
 */

/** Bytes per `String.fromCharCode` call: well below engines' argument limits. */
const CHUNK = 8192
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Standard padded base64 (RFC 4648 §4), as `Buffer.toString('base64')`. */
export function toBase64 (bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return btoa(binary)
}

/** Lowercase hex, as `Buffer.toString('hex')`. */
export function toHex (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += HEX[b] as string
  return out
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Value of each base64 character by char code (-1: not in the alphabet, '=' included). */
const VALUE = Int8Array.from({ length: 128 }, (_, c) => ALPHABET.indexOf(String.fromCharCode(c)))

const valueAt = (s: string, i: number): number => {
  const c = s.charCodeAt(i)
  return c < 128 ? VALUE[c] as number : -1
}

/**
 * Decodes standard padded base64, or `undefined` if the string is not its canonical form (a
 * character outside the alphabet, a bad length or padding, or leftover bits that are not zero).
 * One pass over the text with a table (audits decode every leaf of a bundle with it).
 */
export function strictBase64 (s: string): Uint8Array | undefined {
  const n = s.length
  if (n % 4 !== 0) return undefined
  const pad = n === 0 || s.charCodeAt(n - 1) !== 61 ? 0 : s.charCodeAt(n - 2) === 61 ? 2 : 1
  const out = new Uint8Array(n / 4 * 3 - pad)
  let o = 0
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n
    const a = valueAt(s, i)
    const b = valueAt(s, i + 1)
    const c = last && pad === 2 ? 0 : valueAt(s, i + 2)
    const d = last && pad >= 1 ? 0 : valueAt(s, i + 3)
    if ((a | b | c | d) < 0) return undefined
    out[o++] = (a << 2) | (b >> 4)
    if (o < out.length) out[o++] = ((b & 0x0f) << 4) | (c >> 2)
    if (o < out.length) out[o++] = ((c & 0x03) << 6) | d
    // The last quantum's unused bits must be zero, else another string is the canonical form.
    if (last && ((pad === 2 && (b & 0x0f) !== 0) || (pad === 1 && (c & 0x03) !== 0))) return undefined
  }
  return out
}
