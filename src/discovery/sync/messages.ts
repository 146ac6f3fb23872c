/**
 * Sync messages (protocols/discovery-v1.md §Sync messages). Requests: `{ v, ranges }` to
 * reconcile, `{ v, keys }` to fetch by key, `{ v, span }` to fetch a range the initiator holds
 * nothing of. Responses: `{ v, answers }`, `{ v, records }` and `{ v, records, next }`.
 */
import type { CanonicalValue } from '../../encoding/index.js'
import {
  FINGERPRINT_BYTES, MAX_ITEMS_PER_RANGE, MAX_KEY_LENGTH, MAX_KEYS_PER_FETCH, MAX_RANGES_PER_MESSAGE, SPLIT_FANOUT
} from '../constants.js'
import { MAX_RECORD_BYTES } from '../../offers/index.js'
import { asArray, asBytes, asString, asUint, badMessage, decodeMessage, encodeMessage } from '../codec.js'
import type { KeyRange, RangeSummary } from './fingerprint.js'

/** A request of the sync protocol. */
export type SyncRequest = { ranges: RangeSummary[] } | { keys: string[] } | { span: KeyRange }

/** The answer for one range. */
export type RangeAnswer =
  /** `[0]`: both sides hold the same items. */
  | { kind: 'same' }
  /** `[1, [[key, seq]...]]`: every item the server holds in the range. */
  | { kind: 'items', items: Array<[string, number]> }
  /** `[2, [range...]]`: sub-ranges with the server's fingerprints; they cover the range exactly. */
  | { kind: 'split', ranges: RangeSummary[] }
  /** `[3]`: not answered in this response (budget); ask again. */
  | { kind: 'later' }

/**
 * A response of the sync protocol. `next` answers a span request only: where the rest of the span
 * starts (ask again from there), or null when the span is done.
 */
export type SyncResponse = { answers: RangeAnswer[] } | { records: Uint8Array[], next?: string | null }

const rangeToWire = (r: RangeSummary): CanonicalValue => [r.lo, r.hi, r.fingerprint, r.count]

function rangeFromWire (v: unknown, path: string): RangeSummary {
  const a = asArray(v, path, 4)
  if (a.length !== 4) badMessage(path, 'a range is [lo, hi, fingerprint, count]')
  const hi = a[1] === null ? null : asString(a[1], `${path}[1]`, MAX_KEY_LENGTH)
  return { lo: asString(a[0], `${path}[0]`, MAX_KEY_LENGTH), hi, fingerprint: asBytes(a[2], `${path}[2]`, FINGERPRINT_BYTES), count: asUint(a[3], `${path}[3]`) }
}

/** Encodes a request. */
export function encodeSyncRequest (req: SyncRequest): Uint8Array {
  if ('ranges' in req) return encodeMessage({ ranges: req.ranges.map(rangeToWire) })
  return 'keys' in req ? encodeMessage({ keys: req.keys }) : encodeMessage({ span: [req.span.lo, req.span.hi] })
}

const optionalKey = (v: unknown, path: string): string | null => (v === null ? null : asString(v, path, MAX_KEY_LENGTH))

/** Decodes a request (throws DISCOVERY_BAD_MESSAGE). */
export function decodeSyncRequest (bytes: Uint8Array): SyncRequest {
  const m = decodeMessage(bytes, ['ranges', 'keys', 'span'])
  if ([m.ranges, m.keys, m.span].filter(x => x !== undefined).length !== 1) badMessage('$', 'exactly one of ranges, keys and span')
  if (m.ranges !== undefined) return { ranges: asArray(m.ranges, 'ranges', MAX_RANGES_PER_MESSAGE).map((r, i) => rangeFromWire(r, `ranges[${i}]`)) }
  if (m.span !== undefined) {
    const s = asArray(m.span, 'span', 2)
    if (s.length !== 2) badMessage('span', 'a span is [lo, hi]')
    const span = { lo: asString(s[0], 'span[0]', MAX_KEY_LENGTH), hi: optionalKey(s[1], 'span[1]') }
    if (span.hi !== null && span.hi <= span.lo) badMessage('span', 'hi must be null or above lo')
    return { span }
  }
  return { keys: asArray(m.keys, 'keys', MAX_KEYS_PER_FETCH).map((k, i) => asString(k, `keys[${i}]`, MAX_KEY_LENGTH)) }
}

function answerToWire (a: RangeAnswer): CanonicalValue {
  switch (a.kind) {
    case 'same': return [0]
    case 'items': return [1, a.items]
    case 'split': return [2, a.ranges.map(rangeToWire)]
    case 'later': return [3]
  }
}

function answerFromWire (v: unknown, path: string): RangeAnswer {
  const a = asArray(v, path, 2)
  const tag = a[0]
  if (tag === 0 && a.length === 1) return { kind: 'same' }
  if (tag === 3 && a.length === 1) return { kind: 'later' }
  if (tag === 1 && a.length === 2) {
    const items = asArray(a[1], `${path}[1]`, MAX_ITEMS_PER_RANGE).map((it, i) => {
      const pair = asArray(it, `${path}[1][${i}]`, 2)
      return [asString(pair[0], `${path}[1][${i}][0]`, MAX_KEY_LENGTH), asUint(pair[1], `${path}[1][${i}][1]`)] as [string, number]
    })
    return { kind: 'items', items }
  }
  if (tag === 2 && a.length === 2) {
    return { kind: 'split', ranges: asArray(a[1], `${path}[1]`, SPLIT_FANOUT).map((r, i) => rangeFromWire(r, `${path}[1][${i}]`)) }
  }
  return badMessage(path, 'unknown range answer')
}

/** Encodes a response. */
export function encodeSyncResponse (res: SyncResponse): Uint8Array {
  if ('answers' in res) return encodeMessage({ answers: res.answers.map(answerToWire) })
  return res.next === undefined ? encodeMessage({ records: res.records }) : encodeMessage({ records: res.records, next: res.next })
}

/** Decodes a response (throws DISCOVERY_BAD_MESSAGE). */
export function decodeSyncResponse (bytes: Uint8Array): SyncResponse {
  const m = decodeMessage(bytes, ['answers', 'records', 'next'])
  if ((m.answers === undefined) === (m.records === undefined)) badMessage('$', 'exactly one of answers and records')
  if (m.answers !== undefined) {
    if (m.next !== undefined) badMessage('next', 'only with records')
    return { answers: asArray(m.answers, 'answers', MAX_RANGES_PER_MESSAGE).map((a, i) => answerFromWire(a, `answers[${i}]`)) }
  }
  const records = asArray(m.records, 'records', MAX_KEYS_PER_FETCH).map((r, i) => {
    const b = asBytes(r, `records[${i}]`)
    if (b.length > MAX_RECORD_BYTES) badMessage(`records[${i}]`, 'record too large')
    return b
  })
  return m.next === undefined ? { records } : { records, next: optionalKey(m.next, 'next') }
}
