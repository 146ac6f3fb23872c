/**
 * Sync messages (protocols/discovery-v1.md §Sync messages). Requests: `{ v, ranges }` to
 * reconcile, `{ v, keys }` to fetch. Responses: `{ v, answers }` and `{ v, records }`.
 */
import type { CanonicalValue } from '../../encoding/index.js'
import {
  FINGERPRINT_BYTES, MAX_ITEMS_PER_RANGE, MAX_KEY_LENGTH, MAX_KEYS_PER_FETCH, MAX_RANGES_PER_MESSAGE, SPLIT_FANOUT
} from '../constants.js'
import { MAX_RECORD_BYTES } from '../../offers/index.js'
import { asArray, asBytes, asString, asUint, badMessage, decodeMessage, encodeMessage } from '../codec.js'
import type { RangeSummary } from './fingerprint.js'

/** A request of the sync protocol. */
export type SyncRequest = { ranges: RangeSummary[] } | { keys: string[] }

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

/** A response of the sync protocol. */
export type SyncResponse = { answers: RangeAnswer[] } | { records: Uint8Array[] }

const rangeToWire = (r: RangeSummary): CanonicalValue => [r.lo, r.hi, r.fingerprint, r.count]

function rangeFromWire (v: unknown, path: string): RangeSummary {
  const a = asArray(v, path, 4)
  if (a.length !== 4) badMessage(path, 'a range is [lo, hi, fingerprint, count]')
  const hi = a[1] === null ? null : asString(a[1], `${path}[1]`, MAX_KEY_LENGTH)
  return { lo: asString(a[0], `${path}[0]`, MAX_KEY_LENGTH), hi, fingerprint: asBytes(a[2], `${path}[2]`, FINGERPRINT_BYTES), count: asUint(a[3], `${path}[3]`) }
}

/** Encodes a request. */
export function encodeSyncRequest (req: SyncRequest): Uint8Array {
  return 'ranges' in req ? encodeMessage({ ranges: req.ranges.map(rangeToWire) }) : encodeMessage({ keys: req.keys })
}

/** Decodes a request (throws DISCOVERY_BAD_MESSAGE). */
export function decodeSyncRequest (bytes: Uint8Array): SyncRequest {
  const m = decodeMessage(bytes, ['ranges', 'keys'])
  if ((m.ranges === undefined) === (m.keys === undefined)) badMessage('$', 'exactly one of ranges and keys')
  if (m.ranges !== undefined) return { ranges: asArray(m.ranges, 'ranges', MAX_RANGES_PER_MESSAGE).map((r, i) => rangeFromWire(r, `ranges[${i}]`)) }
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
  return 'answers' in res ? encodeMessage({ answers: res.answers.map(answerToWire) }) : encodeMessage({ records: res.records })
}

/** Decodes a response (throws DISCOVERY_BAD_MESSAGE). */
export function decodeSyncResponse (bytes: Uint8Array): SyncResponse {
  const m = decodeMessage(bytes, ['answers', 'records'])
  if ((m.answers === undefined) === (m.records === undefined)) badMessage('$', 'exactly one of answers and records')
  if (m.answers !== undefined) return { answers: asArray(m.answers, 'answers', MAX_RANGES_PER_MESSAGE).map((a, i) => answerFromWire(a, `answers[${i}]`)) }
  return { records: asArray(m.records, 'records', MAX_KEYS_PER_FETCH).map((r, i) => {
    const b = asBytes(r, `records[${i}]`)
    if (b.length > MAX_RECORD_BYTES) badMessage(`records[${i}]`, 'record too large')
    return b
  }) }
}
