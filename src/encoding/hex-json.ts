/** JSON forms of decoded canonical values, for people and the API. */
import { toHex } from './base64.js'

/** `v` with every byte string as lowercase hex (JSON has no bytes; hashes read best as hex). */
export function hexBytes (v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v)
  if (Array.isArray(v)) return v.map(hexBytes)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexBytes(x)]))
  return v
}
