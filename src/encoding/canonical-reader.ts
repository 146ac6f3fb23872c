/**
 * A fast reader of canonical CBOR that checks canonicality while it decodes, in one pass, instead
 * of decoding and then re-encoding to compare (what {@link decodeCanonical} does, about three
 * times the cost). Verification threads decode every ledger leaf of an audit and every appended
 * entry, so this is on the hot path of both.
 *
 * It accepts only bytes that are provably the canonical encoding of their value: minimal heads,
 * definite lengths, map keys that are text strings in strictly increasing length-first order
 * (RFC 7049 canonical order, as `encodeCanonical` writes them; this also rules out duplicates),
 * valid UTF-8 (not starting with a byte-order mark), safe integers, false/true/null. Anything else (floats, tags, bigints, undefined,
 * indefinite lengths, deep nesting, malformed input) is handed to the reference
 * {@link decodeCanonical}, which then returns or throws exactly what it always did. So the result,
 * and every error code and message, is the reference decoder's; only the time differs.
 *
 * It also reports where each value of a top-level map lies in the input: a signed body's canonical
 * encoding is then a slice of the bytes, with no need to encode it again.
 */
import { decodeCanonical, decodeCheckedCanonical } from './canonical.js'

/** Where a top-level map's value lies in the input: `bytes.subarray(start, end)`. */
export interface Span { start: number, end: number }

/** A decoded value and, if the input is a map read by the fast path, the span of each of its values. */
export interface CanonicalRead {
  value: unknown
  /** Undefined if the top level is not a map or the reference decoder had to decide. */
  spans: Map<string, Span> | undefined
}

/** Deepest nesting the fast path follows (deeper input goes to the reference decoder). */
const MAX_DEPTH = 64
/** Thrown inside the reader: the input is not provably canonical, ask the reference decoder. */
const FALLBACK = Object.freeze({ fallback: true })
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

interface State { bytes: Uint8Array, pos: number, major: number }

/**
 * Decodes canonical CBOR like {@link decodeCanonical} (same value, same errors: `ENCODING_TOO_LARGE`,
 * `ENCODING_MALFORMED`, `ENCODING_NON_CANONICAL`), faster, with the spans of a top-level map's values.
 */
export function readCanonical (bytes: Uint8Array, maxBytes: number): CanonicalRead {
  const fast = bytes.byteLength <= maxBytes ? tryRead(bytes) : undefined
  return fast ?? { value: decodeCanonical(bytes, maxBytes), spans: undefined }
}

/**
 * Decodes bytes already accepted by {@link decodeCanonical} (or {@link readCanonical}); like
 * `decodeCheckedCanonical`, never use it on bytes that were not checked.
 */
export function readCheckedCanonical (bytes: Uint8Array): CanonicalRead {
  return tryRead(bytes) ?? { value: decodeCheckedCanonical(bytes), spans: undefined }
}

function tryRead (bytes: Uint8Array): CanonicalRead | undefined {
  const s: State = { bytes, pos: 0, major: 0 }
  try {
    let value: unknown
    let spans: Map<string, Span> | undefined
    if (bytes.length > 0 && bytes[0] as number >> 5 === 5) {
      spans = new Map()
      value = readMap(s, head(s), 1, spans)
    } else {
      value = item(s, 0)
    }
    if (s.pos !== bytes.length) return undefined
    return { value, spans }
  } catch (err) {
    if (err === FALLBACK) return undefined
    throw err
  }
}

/** Reads an item's head: sets `s.major`, returns its minimal argument (a safe integer). */
function head (s: State): number {
  const b = s.bytes
  const p = s.pos
  if (p >= b.length) throw FALLBACK
  const ib = b[p] as number
  const ai = ib & 31
  s.major = ib >> 5
  if (s.major === 7) {
    // Only false, true and null; floats, undefined and other simple values go to the reference.
    if (ib < 0xf4 || ib > 0xf6) throw FALLBACK
    s.pos = p + 1
    return ib
  }
  if (ai < 24) { s.pos = p + 1; return ai }
  let v: number
  let n: number
  if (ai === 24) { n = 1; v = b[p + 1] as number; if (v < 24) throw FALLBACK } else if (ai === 25) {
    n = 2; v = ((b[p + 1] as number) << 8) | (b[p + 2] as number); if (v < 0x100) throw FALLBACK
  } else if (ai === 26) {
    n = 4; v = (b[p + 1] as number) * 0x1000000 + (((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 8) | (b[p + 4] as number))
    if (v < 0x10000) throw FALLBACK
  } else if (ai === 27) {
    n = 8
    const hi = (b[p + 1] as number) * 0x1000000 + (((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 8) | (b[p + 4] as number))
    const lo = (b[p + 5] as number) * 0x1000000 + (((b[p + 6] as number) << 16) | ((b[p + 7] as number) << 8) | (b[p + 8] as number))
    // Not minimal below 2^32; beyond 2^53 - 1 the value is a bigint: both for the reference.
    if (hi === 0 || hi > 0x1fffff) throw FALLBACK
    v = hi * 0x100000000 + lo
  } else {
    throw FALLBACK
  }
  if (p + 1 + n > b.length) throw FALLBACK
  s.pos = p + 1 + n
  return v
}

function item (s: State, depth: number): unknown {
  const v = head(s)
  switch (s.major) {
    case 0: return v
    case 1:
      if (v >= Number.MAX_SAFE_INTEGER) throw FALLBACK
      return -1 - v
    case 2: { const start = s.pos; return new Uint8Array(s.bytes.subarray(start, advance(s, v))) } // a plain copy, as the reference gives
    case 3: return text(s, v)
    case 4: {
      if (depth >= MAX_DEPTH || v > s.bytes.length - s.pos) throw FALLBACK
      const out = new Array<unknown>(v)
      for (let i = 0; i < v; i++) out[i] = item(s, depth + 1)
      return out
    }
    case 5:
      if (depth >= MAX_DEPTH) throw FALLBACK
      return readMap(s, v, depth + 1, undefined)
    case 7: return v === 0xf4 ? false : v === 0xf5 ? true : null
    default: throw FALLBACK // tags
  }
}

function readMap (s: State, n: number, depth: number, spans: Map<string, Span> | undefined): Record<string, unknown> {
  if (2 * n > s.bytes.length - s.pos) throw FALLBACK
  const out: Record<string, unknown> = {}
  let prevStart = 0
  let prevLength = -1
  for (let i = 0; i < n; i++) {
    const length = head(s)
    if (s.major !== 3) throw FALLBACK
    const start = s.pos
    const key = text(s, length)
    if (!after(s.bytes, start, length, prevStart, prevLength) || key === '__proto__') throw FALLBACK
    prevStart = start
    prevLength = length
    const valueStart = s.pos
    out[key] = item(s, depth)
    spans?.set(key, { start: valueStart, end: s.pos })
  }
  return out
}

/** True if key bytes [start, start + length) sort strictly after the previous key (length first, then bytes). */
function after (b: Uint8Array, start: number, length: number, prevStart: number, prevLength: number): boolean {
  if (length !== prevLength) return length > prevLength
  for (let i = 0; i < length; i++) {
    const x = b[start + i] as number
    const y = b[prevStart + i] as number
    if (x !== y) return x > y
  }
  return false
}

function advance (s: State, length: number): number {
  const end = s.pos + length
  if (end > s.bytes.length) throw FALLBACK
  s.pos = end
  return end
}

function text (s: State, length: number): string {
  const b = s.bytes
  const start = s.pos
  const end = advance(s, length)
  if (length <= 64) {
    let out = ''
    for (let i = start; i < end; i++) {
      const c = b[i] as number
      if (c >= 0x80) return utf8Text(b, start, end)
      out += String.fromCharCode(c)
    }
    return out
  }
  return utf8Text(b, start, end)
}

function utf8Text (b: Uint8Array, start: number, end: number): string {
  let out: string
  try {
    out = utf8.decode(b.subarray(start, end))
  } catch {
    throw FALLBACK
  }
  // The reference decoder drops a leading byte-order mark (and then refuses the bytes as not
  // canonical): leave such strings to it.
  if (out.charCodeAt(0) === 0xfeff) throw FALLBACK
  return out
}

const tagBytes = new Map<string, Uint8Array>()

/**
 * `signingBytes(domainTag, body)` for a body whose canonical encoding is already at hand (a span
 * of a checked input): the tag, 0x00, then those bytes, without encoding the body again.
 */
export function signingBytesOfEncoded (domainTag: string, encodedBody: Uint8Array): Uint8Array {
  let tag = tagBytes.get(domainTag)
  if (tag === undefined) {
    tag = new TextEncoder().encode(domainTag)
    if (tagBytes.size < 64) tagBytes.set(domainTag, tag)
  }
  const out = new Uint8Array(tag.length + 1 + encodedBody.length)
  out.set(tag, 0)
  out[tag.length] = 0
  out.set(encodedBody, tag.length + 1)
  return out
}
