/**
 * The initiator side of catalog sync (protocols/discovery-v1.md §Sync): reconciles key ranges
 * with one peer until every range is the same, listed, or one this side holds nothing of; then
 * fetches only the records it lacks or holds an older seq of (the whole of each range it holds
 * nothing of, as spans), and ingests them (each one verified; see fetch.ts).
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../../errors/index.js'
import { openSession } from '../../network/index.js'
import type { ProtocolDialer, Session } from '../../network/index.js'
import { DiscoveryError } from '../errors.js'
import {
  MAX_PROTOCOL_MESSAGE_BYTES, MAX_RANGES_PER_MESSAGE, MAX_SYNC_ROUNDS, MAX_FETCH_PAGES, MESSAGE_TIMEOUT_MS,
  MAX_CONCURRENT_SESSIONS, MAX_SESSIONS_PER_PEER, FIRST_REQUEST_TIMEOUT_MS,
  SYNC_PROTOCOL, SYNC_SESSION_TIMEOUT_MS
} from '../constants.js'
import type { Ingestor } from '../ingest.js'
import { Fetch } from './fetch.js'
import { decodeSyncResponse, encodeSyncRequest } from './messages.js'
import { inRange, sameFingerprint } from './fingerprint.js'
import type { KeyRange, RangeSummary, SyncIndex } from './fingerprint.js'

/** What a sync with one peer did. */
export interface SyncReport {
  rounds: number
  /** Keys that differed and were fetched. */
  fetched: number
  /** Records stored (new or newer). */
  stored: number
  /** Records the peer sent that failed verification (forged, malformed). */
  invalid: number
}

/** Limits of the sync protocol as used by `openSession`/`serveProtocol`. */
export const SYNC_LIMITS = {
  maxMessageBytes: MAX_PROTOCOL_MESSAGE_BYTES,
  messageTimeoutMs: MESSAGE_TIMEOUT_MS,
  sessionTimeoutMs: SYNC_SESSION_TIMEOUT_MS,
  maxRequestsPerSession: MAX_SYNC_ROUNDS + MAX_FETCH_PAGES,
  maxConcurrentSessions: MAX_CONCURRENT_SESSIONS,
  maxSessionsPerPeer: MAX_SESSIONS_PER_PEER,
  firstRequestTimeoutMs: FIRST_REQUEST_TIMEOUT_MS
}

function checkCover (range: KeyRange, subs: RangeSummary[]): void {
  let lo = range.lo
  subs.forEach((s, i) => {
    if (s.lo !== lo || (s.hi !== null && s.hi <= s.lo) || (i === subs.length - 1) !== (s.hi === range.hi)) {
      throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'sub-ranges do not cover the range')
    }
    lo = s.hi ?? ''
  })
}

/**
 * Keys being fetched by some sync session of this node. Concurrent syncs with several peers (a
 * late joiner connects to a few at once) then fetch and verify each missing record once, not once
 * per peer; a key whose session fails is fetched by the next sync.
 */
export class FetchClaims {
  private readonly keys = new Set<string>()

  /** The keys of `want` that no other session is fetching, now claimed by the caller. */
  claim (want: string[]): string[] {
    const mine = want.filter(k => !this.keys.has(k))
    for (const k of mine) this.keys.add(k)
    return mine
  }

  /** Releases claimed keys (fetched or not). */
  release (keys: string[]): void {
    for (const k of keys) this.keys.delete(k)
  }
}

/** Reconciles with `peer` and pulls what differs. Throws NET_* and DISCOVERY_* codes. */
export async function syncWithPeer (dialer: ProtocolDialer, peer: PeerId | Multiaddr | Multiaddr[], index: SyncIndex,
  ingestor: Ingestor, now: () => number, options: { signal?: AbortSignal, claims?: FetchClaims } = {}): Promise<SyncReport> {
  const open = async (): Promise<Session> => await openSession(dialer, peer, SYNC_PROTOCOL, { ...(options.signal === undefined ? {} : { signal: options.signal }), limits: SYNC_LIMITS })
  return await syncOver(open, index, ingestor, now, options.claims)
}

/**
 * {@link syncWithPeer} over the sessions `open` gives. A responder of the protocol's first edition
 * knows no span request and ends the session at the first one (NET_STREAM_CLOSED): the sync then
 * runs once more, in a new session, without spans (every differing key listed, then fetched), as
 * that edition syncs (protocols/discovery-v1.md §Sync).
 */
export async function syncOver (open: () => Promise<Session>, index: SyncIndex, ingestor: Ingestor, now: () => number,
  claims: FetchClaims = new FetchClaims()): Promise<SyncReport> {
  const first = await syncIn(await open(), index, ingestor, now, claims, true)
  if (!('refused' in first)) return first
  const again = await syncIn(await open(), index, ingestor, now, claims, false)
  if ('refused' in again) throw again.refused
  return again
}

/** One session of sync; `{ refused }` if `spans` and the peer ended it at the first span request. */
async function syncIn (session: Session, index: SyncIndex, ingestor: Ingestor, now: () => number, claims: FetchClaims,
  spans: boolean): Promise<SyncReport | { refused: unknown }> {
  let claimed: string[] = []
  try {
    const reconciled = await reconcile(session, index, now, { spans })
    // Records the catalog's limits would refuse are not fetched (they would be every sync).
    claimed = claims.claim(reconciled.want.filter(k => ingestor.admits(k)))
    const fetch = new Fetch(session, ingestor, claimed, reconciled.spans)
    try {
      return { rounds: reconciled.rounds, ...(await fetch.run()) }
    } catch (err) {
      if (spans && fetch.refusedSpans(err)) return { refused: err }
      throw err
    }
  } finally {
    claims.release(claimed)
    await session.close()
  }
}

/** The part of a session that reconciliation uses (a network session, or a direct call in tests). */
export type Requester = Pick<Session, 'request'>

/**
 * Runs reconciliation rounds until no range differs; returns the keys the peer holds that this
 * side lacks or holds at a lower seq, and the ranges the peer holds records in and this side holds
 * nothing of (`spans`: fetched whole, their keys are not listed). A side that holds nothing at all
 * asks no round: everything is one span. With `spans: false` (a responder of the protocol's first
 * edition) there are none: ranges this side holds nothing of are asked about again like any other,
 * and such a responder lists their items. Throws DISCOVERY_LIMIT_EXCEEDED after MAX_SYNC_ROUNDS and
 * DISCOVERY_BAD_ANSWER for answers that do not fit the question.
 */
export async function reconcile (session: Requester, index: SyncIndex, now: () => number,
  options: { spans?: boolean } = {}): Promise<{ want: string[], spans: KeyRange[], rounds: number }> {
  const useSpans = options.spans ?? true
  const all: KeyRange = { lo: '', hi: null }
  if (useSpans && index.snapshot(now()).size === 0) return { want: [], spans: [all], rounds: 0 }
  let pending: KeyRange[] = [all]
  const want = new Set<string>()
  const spans: KeyRange[] = []
  let rounds = 0
  while (pending.length > 0) {
    if (rounds++ >= MAX_SYNC_ROUNDS) throw new FulcrumError(DiscoveryError.LIMIT_EXCEEDED, `no convergence in ${MAX_SYNC_ROUNDS} rounds`)
    const batch = pending.slice(0, MAX_RANGES_PER_MESSAGE)
    const next = pending.slice(MAX_RANGES_PER_MESSAGE)
    const snap = index.snapshot(now())
    const res = decodeSyncResponse(await session.request(encodeSyncRequest({ ranges: batch.map(r => snap.summarize(r)) })))
    if (!('answers' in res) || res.answers.length !== batch.length) throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'one answer per range expected')
    res.answers.forEach((answer, i) => {
      const range = batch[i] as KeyRange
      if (answer.kind === 'later') next.push(range)
      if (answer.kind === 'items') {
        for (const [key, seq] of answer.items) {
          if (!inRange(key, range)) throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'item outside its range')
          const mine = snap.seqOf(key)
          if (mine === undefined || mine < seq) want.add(key)
        }
      }
      if (answer.kind === 'split') {
        checkCover(range, answer.ranges)
        for (const sub of answer.ranges) {
          if (sub.count === 0) continue
          const mine = snap.summarize(sub)
          if (mine.count === 0 && useSpans) spans.push({ lo: sub.lo, hi: sub.hi })
          else if (mine.count !== sub.count || !sameFingerprint(mine.fingerprint, sub.fingerprint)) next.push({ lo: sub.lo, hi: sub.hi })
        }
      }
    })
    pending = next
  }
  return { want: [...want], spans, rounds }
}
