/**
 * The fetch phase of catalog sync (protocols/discovery-v1.md §Sync, fetching): asks the peer for
 * the records it holds and this side lacks, one page of keys per request, and hands each page to
 * the ingestor (verification in the node's thread pool, then the catalog) without waiting for it:
 * the next request is on the wire while earlier pages are verified and stored, so transfer,
 * verification on every core and the catalog writes overlap. Ranges this side held nothing of are
 * fetched as spans (pages of the peer's records in key order), without listing their keys first.
 */
import { FulcrumError, isFulcrumError } from '../../errors/index.js'
import { NetworkError } from '../../network/errors.js'
import { recordKey } from '../../offers/index.js'
import { DiscoveryError } from '../errors.js'
import { MAX_FETCH_PAGES, MAX_KEYS_PER_FETCH, MAX_PAGES_VERIFYING } from '../constants.js'
import type { Ingestor } from '../ingest.js'
import { isPeerFault } from '../ingest.js'
import { decodeSyncResponse, encodeSyncRequest } from './messages.js'
import { inRange } from './fingerprint.js'
import type { KeyRange } from './fingerprint.js'

/** What the fetch phase did. */
export interface FetchReport {
  /** Keys that differed and were delivered. */
  fetched: number
  /** Records stored (new or newer). */
  stored: number
  /** Records the peer sent that failed verification (forged, malformed): each is held against it. */
  invalid: number
}

/** The part of a session that fetching uses (a network session, or a direct call in tests). */
export interface PageRequester {
  request: (message: Uint8Array) => Promise<Uint8Array>
}

/**
 * Fetches `want` from the peer behind `session` in pages of {@link MAX_KEYS_PER_FETCH} keys, then
 * the `spans`, each a page at a time from where the last answer said it goes on (`next`, which must
 * lie after the page's start and inside the span: DISCOVERY_BAD_ANSWER otherwise). A span page
 * holding a record outside the part of the span it answers is DISCOVERY_BAD_ANSWER too (its valid
 * records are stored, as any valid record is), and a span page that stores nothing (all refused by
 * the catalog's limits, held already or invalid) ends that span: a sync does not verify a peer's
 * whole range of records that this node's limits refuse. At most {@link MAX_FETCH_PAGES} requests
 * (DISCOVERY_LIMIT_EXCEEDED after them, the pages received being stored). Keys a
 * response left out (it holds fewer records than keys asked: its byte budget) are asked again; an
 * empty page, or one that delivers none of its keys, ends the fetch, so requests make progress. At most {@link MAX_PAGES_VERIFYING} pages are being
 * verified and stored at once (bounds memory against a peer that answers faster than we verify).
 * A record that fails verification is counted in `invalid` when it is the peer's fault and never
 * stored; the valid records of the same page are kept. Throws DISCOVERY_BAD_ANSWER for an answer
 * that is not a page of records, NET_* codes from the session, and catalog write failures.
 */
export async function fetchKeys (session: PageRequester, want: readonly string[], ingestor: Ingestor, spans: readonly KeyRange[] = []): Promise<FetchReport> {
  return await new Fetch(session, ingestor, want, spans).run()
}

/** One fetch phase (see {@link fetchKeys}). */
export class Fetch {
  readonly report: FetchReport = { fetched: 0, stored: 0, invalid: 0 }
  private readonly queue: string[]
  /** Spans still to fetch; the first one's `lo` moves on with each answer. */
  private open: KeyRange[]
  private readonly ingesting = new Set<Promise<void>>()
  private failure: { err: unknown } | undefined
  private stalled = false
  private pages = 0
  /** Span requests sent, and answered. */
  private spanAsks = 0
  private spanAnswers = 0

  constructor (private readonly session: PageRequester, private readonly ingestor: Ingestor, want: readonly string[], spans: readonly KeyRange[]) {
    this.queue = [...want]
    this.open = spans.map(s => ({ ...s }))
  }

  async run (): Promise<FetchReport> {
    try {
      while (this.failure === undefined && !this.stalled) {
        if (await this.next()) continue
        // Pages being ingested may put back keys their response left out.
        if (this.ingesting.size === 0) break
        await Promise.race(this.ingesting)
      }
    } finally {
      // Whatever ended the loop, the pages already received are verified and stored (or refused).
      await Promise.all(this.ingesting)
    }
    if (this.failure !== undefined) throw this.failure.err
    return this.report
  }

  /** Sends the next request and hands its page to verification; false when there is none to send. */
  private async next (): Promise<boolean> {
    if (this.queue.length === 0 && this.open.length === 0) return false
    if (this.pages++ >= MAX_FETCH_PAGES) throw new FulcrumError(DiscoveryError.LIMIT_EXCEEDED, `more than ${MAX_FETCH_PAGES} pages in one sync`)
    if (this.queue.length > 0) await this.nextKeys()
    else await this.nextSpanPage()
    return true
  }

  private async nextKeys (): Promise<void> {
    const asked = this.queue.splice(0, MAX_KEYS_PER_FETCH)
    const res = decodeSyncResponse(await this.session.request(encodeSyncRequest({ keys: asked })))
    if (!('records' in res) || res.next !== undefined) throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'records expected')
    if (res.records.length === 0) { this.stalled = true; return }
    await this.room()
    this.start(this.ingestKeys(asked, res.records))
  }

  private async nextSpanPage (): Promise<void> {
    const span = this.open[0] as KeyRange
    this.spanAsks++
    const res = decodeSyncResponse(await this.session.request(encodeSyncRequest({ span: { lo: span.lo, hi: span.hi } })))
    this.spanAnswers++
    if (!('records' in res) || res.next === undefined) throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'a page of a span expected')
    const rest = res.next
    if (rest !== null && (rest <= span.lo || (span.hi !== null && rest >= span.hi))) throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'a span must go on inside itself')
    const part = { lo: span.lo, hi: rest ?? span.hi }
    if (rest === null) this.open = this.open.filter(s => s !== span)
    else span.lo = rest
    await this.room()
    this.start(this.ingestSpan(span, part, res.records))
  }

  /**
   * True if `err` (what {@link run} threw) is the peer ending the session at this phase's first span
   * request: what a responder of the protocol's first edition, which has no span request, does.
   */
  refusedSpans (err: unknown): boolean {
    return this.spanAsks > 0 && this.spanAnswers === 0 && isFulcrumError(err, NetworkError.STREAM_CLOSED)
  }

  /** Waits until fewer than MAX_PAGES_VERIFYING pages are being ingested. */
  private async room (): Promise<void> {
    while (this.ingesting.size >= MAX_PAGES_VERIFYING) await Promise.race(this.ingesting)
  }

  private start (page: Promise<void>): void {
    const job: Promise<void> = page
      .catch((err: unknown) => { this.failure ??= { err } })
      .finally(() => { this.ingesting.delete(job) })
    this.ingesting.add(job)
  }

  /** Verifies and stores a page; counts each record whose key `counts` accepts; returns how many it stored. */
  private async ingest (records: Uint8Array[], counts: (key: string) => boolean): Promise<number> {
    let stored = 0
    for (const o of await this.ingestor.ingestMany(records)) {
      if (o.status === 'invalid') {
        if (isPeerFault(o)) this.report.invalid++
        continue
      }
      if (!counts(recordKey(o.verified.record))) continue
      this.report.fetched++
      if (o.status === 'store') { this.report.stored++; stored++ }
    }
    return stored
  }

  private async ingestKeys (asked: string[], records: Uint8Array[]): Promise<void> {
    const missing = new Set(asked)
    // A record the page did not ask for (or delivered twice) is not progress.
    await this.ingest(records, key => missing.delete(key))
    if (missing.size === asked.length) this.stalled = true
    // Keys the answer left out for its byte budget are asked again; not those whose record failed.
    else if (records.length < asked.length) this.queue.push(...missing)
  }

  private async ingestSpan (span: KeyRange, part: KeyRange, records: Uint8Array[]): Promise<void> {
    let outside = false
    const stored = await this.ingest(records, key => { outside ||= !inRange(key, part); return !outside })
    if (outside) throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'a record outside the span it answers')
    // Nothing stored: the rest of this span is left to the next reconciliation.
    if (stored === 0 && records.length > 0) this.open = this.open.filter(s => s !== span)
  }
}
