/**
 * The catalog query protocol (protocols/discovery-v1.md §Query): a client sends a filter and gets
 * pages of signed offer records; it asks for the next page on the same stream with the cursor.
 *
 * Request `{ v: 1, filter: {...}, limit: uint, cursor?: string }`;
 * response `{ v: 1, records: [bytes...], next?: string }` or `{ v: 1, error: { code, message } }`.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { openSession } from '../network/reqresp.js'
import type { ProtocolDialer } from '../network/index.js'
import { compileFilter, verifyRecordBytes, MAX_RECORD_BYTES } from '../offers/index.js'
import type { OfferFilter, VerifiedRecord } from '../offers/index.js'
import type { CatalogView } from './components.js'
import {
  DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, MAX_PROTOCOL_MESSAGE_BYTES, MESSAGE_TIMEOUT_MS, QUERY_PROTOCOL,
  MAX_CONCURRENT_SESSIONS, MAX_SESSIONS_PER_PEER, FIRST_REQUEST_TIMEOUT_MS,
  QUERY_SESSION_TIMEOUT_MS
} from './constants.js'
import { DiscoveryError } from './errors.js'
import { asArray, asBytes, asMap, asString, asUint, badMessage, decodeMessage, encodeMessage } from './codec.js'
import { filterFromWire } from './filter-wire.js'

/** Limits of the query protocol for `openSession`/`serveProtocol`. */
export const QUERY_LIMITS = {
  maxMessageBytes: MAX_PROTOCOL_MESSAGE_BYTES,
  messageTimeoutMs: MESSAGE_TIMEOUT_MS,
  sessionTimeoutMs: QUERY_SESSION_TIMEOUT_MS,
  /** Pages per session: 100 pages of 200 offers is 20,000 offers. */
  maxRequestsPerSession: 100,
  maxConcurrentSessions: MAX_CONCURRENT_SESSIONS,
  maxSessionsPerPeer: MAX_SESSIONS_PER_PEER,
  firstRequestTimeoutMs: FIRST_REQUEST_TIMEOUT_MS
}

/** A query request. */
export interface QueryRequest {
  filter: OfferFilter
  limit: number
  cursor?: string
}

/** Encodes a request. */
export function encodeQueryRequest (req: QueryRequest): Uint8Array {
  const msg: Record<string, CanonicalValue> = { filter: JSON.parse(JSON.stringify(req.filter)) as CanonicalValue, limit: req.limit }
  if (req.cursor !== undefined) msg.cursor = req.cursor
  return encodeMessage(msg)
}

/** Decodes a request (throws DISCOVERY_BAD_MESSAGE). */
export function decodeQueryRequest (bytes: Uint8Array): QueryRequest {
  const m = decodeMessage(bytes, ['filter', 'limit', 'cursor'])
  const req: QueryRequest = { filter: filterFromWire(m.filter), limit: asUint(m.limit, 'limit') }
  if (m.cursor !== undefined) req.cursor = asString(m.cursor, 'cursor', MAX_CURSOR_LENGTH)
  return req
}

type QueryResponse = { records: Uint8Array[], next?: string } | { error: { code: string, message: string } }

function decodeQueryResponse (bytes: Uint8Array): QueryResponse {
  const m = decodeMessage(bytes, ['records', 'next', 'error'])
  if (m.error !== undefined) {
    const e = asMap(m.error, 'error')
    return { error: { code: asString(e.code, 'error.code', 64), message: asString(e.message, 'error.message', 1000) } }
  }
  const records = asArray(m.records, 'records', MAX_PAGE_SIZE).map((r, i) => {
    const b = asBytes(r, `records[${i}]`)
    if (b.length > MAX_RECORD_BYTES) badMessage(`records[${i}]`, 'record too large')
    return b
  })
  return m.next === undefined ? { records } : { records, next: asString(m.next, 'next', MAX_CURSOR_LENGTH) }
}

/** A request handler for the query protocol (plug into `serveProtocol`). */
export function queryHandler (catalog: CatalogView, now: () => number) {
  return async (request: Uint8Array): Promise<Uint8Array> => {
    try {
      const req = decodeQueryRequest(request)
      compileFilter(req.filter)
      const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, req.limit === 0 ? DEFAULT_PAGE_SIZE : req.limit))
      const page = await catalog.query(req.filter, { limit, now: now(), ...(req.cursor === undefined ? {} : { cursor: req.cursor }) })
      return encodeMessage(page.nextCursor === undefined ? { records: page.records } : { records: page.records, next: page.nextCursor })
    } catch (err) {
      if (!(err instanceof FulcrumError)) throw err
      return encodeMessage({ error: { code: err.code, message: err.message } })
    }
  }
}

/** What one node answered, after client-side verification. */
export interface QueryAnswer {
  /** Offers that verified and match the filter. */
  records: VerifiedRecord[]
  /** Records the node sent that failed verification or do not match the filter. */
  rejected: number
}

/**
 * Asks one node for every offer matching `filter` (up to `maxResults`), page by page, and
 * verifies each record itself: signature, expiry, kind and the filter. Throws NET_* codes, and
 * DISCOVERY_REMOTE_ERROR with the node's code in the message.
 */
export async function queryPeer (dialer: ProtocolDialer, peer: PeerId | Multiaddr | Multiaddr[], filter: OfferFilter,
  options: { signal?: AbortSignal, maxResults?: number, pageSize?: number, now?: () => number, portable?: boolean } = {}): Promise<QueryAnswer> {
  const compiled = compileFilter(filter)
  const now = options.now ?? Date.now
  const maxResults = options.maxResults ?? 10_000
  const session = await openSession(dialer, peer, QUERY_PROTOCOL, { ...(options.signal === undefined ? {} : { signal: options.signal }), limits: QUERY_LIMITS })
  const answer: QueryAnswer = { records: [], rejected: 0 }
  try {
    let cursor: string | undefined
    for (let page = 0; page < QUERY_LIMITS.maxRequestsPerSession && answer.records.length < maxResults; page++) {
      const limit = Math.min(options.pageSize ?? MAX_PAGE_SIZE, maxResults - answer.records.length)
      const res = decodeQueryResponse(await session.request(encodeQueryRequest({ filter, limit, ...(cursor === undefined ? {} : { cursor }) })))
      if ('error' in res) throw new FulcrumError(DiscoveryError.REMOTE_ERROR, `${res.error.code}: ${res.error.message}`)
      for (const bytes of res.records) {
        try {
          const v = verifyRecordBytes(bytes, now(), { portable: options.portable === true })
          if (v.record.kind === 'offer' && compiled.matches(v.record.body)) answer.records.push(v)
          else answer.rejected++
        } catch (err) {
          if (!(err instanceof FulcrumError)) throw err
          answer.rejected++
        }
      }
      if (res.next === undefined || res.records.length === 0) break
      cursor = res.next
    }
  } finally {
    await session.close()
  }
  return answer
}
