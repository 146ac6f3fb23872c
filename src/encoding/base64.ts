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

/** Decodes standard padded base64, or `undefined` if the string is not its canonical form. */
export function strictBase64 (s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined
  let binary: string
  try {
    binary = atob(s)
  } catch {
    return undefined
  }
  const b = Uint8Array.from(binary, c => c.charCodeAt(0))
  return toBase64(b) === s ? b : undefined // leftover bits that are not zero: not the canonical form
}
