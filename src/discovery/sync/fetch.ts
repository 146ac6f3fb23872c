/**
 * The fetch phase of catalog sync (protocols/discovery-v1.md §Sync, fetching): asks the peer for
 * the records it holds and this side lacks, one page of keys per request, and hands each page to
 * the ingestor (verification in the node's thread pool, then the catalog) without waiting for it:
 * the next request is on the wire while earlier pages are verified and stored, so transfer,
 * verification on every core and the catalog writes overlap.
 */
import { FulcrumError } from '../../errors/index.js'
import { recordKey } from '../../offers/index.js'
import { DiscoveryError } from '../errors.js'
import { MAX_KEYS_PER_FETCH, MAX_PAGES_VERIFYING } from '../constants.js'
import type { Ingestor } from '../ingest.js'
import { isPeerFault } from '../ingest.js'
import { decodeSyncResponse, encodeSyncRequest } from './messages.js'

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
 * Fetches `want` from the peer behind `session` in pages of {@link MAX_KEYS_PER_FETCH} keys. Keys a
 * response left out (it holds fewer records than keys asked: its byte budget) are asked again; an
 * empty page, or one that delivers none of its keys, ends the fetch, so requests make progress. At most {@link MAX_PAGES_VERIFYING} pages are being
 * verified and stored at once (bounds memory against a peer that answers faster than we verify).
 * A record that fails verification is counted in `invalid` when it is the peer's fault and never
 * stored; the valid records of the same page are kept. Throws DISCOVERY_BAD_ANSWER for an answer
 * that is not a page of records, NET_* codes from the session, and catalog write failures.
 */
export async function fetchKeys (session: PageRequester, want: readonly string[], ingestor: Ingestor): Promise<FetchReport> {
  const report: FetchReport = { fetched: 0, stored: 0, invalid: 0 }
  const queue = [...want]
  const ingesting = new Set<Promise<void>>()
  let failure: { err: unknown } | undefined
  let stalled = false

  const ingestPage = async (asked: string[], records: Uint8Array[]): Promise<void> => {
    const missing = new Set(asked)
    for (const o of await ingestor.ingestMany(records)) {
      if (o.status === 'invalid') {
        if (isPeerFault(o)) report.invalid++
        continue
      }
      // A record the page did not ask for (or delivered twice) is not progress.
      if (!missing.delete(recordKey(o.verified.record))) continue
      report.fetched++
      if (o.status === 'store') report.stored++
    }
    if (missing.size === asked.length) stalled = true
    // Keys the answer left out for its byte budget are asked again; not those whose record failed.
    else if (records.length < asked.length) queue.push(...missing)
  }
  const start = (asked: string[], records: Uint8Array[]): void => {
    const job: Promise<void> = ingestPage(asked, records)
      .catch((err: unknown) => { failure ??= { err } })
      .finally(() => { ingesting.delete(job) })
    ingesting.add(job)
  }

  try {
    while (failure === undefined && !stalled) {
      if (queue.length === 0) {
        // Pages being ingested may put back keys their response left out.
        if (ingesting.size === 0) break
        await Promise.race(ingesting)
        continue
      }
      const asked = queue.splice(0, MAX_KEYS_PER_FETCH)
      const res = decodeSyncResponse(await session.request(encodeSyncRequest({ keys: asked })))
      if (!('records' in res)) throw new FulcrumError(DiscoveryError.BAD_ANSWER, 'records expected')
      if (res.records.length === 0) break
      while (ingesting.size >= MAX_PAGES_VERIFYING) await Promise.race(ingesting)
      start(asked, res.records)
    }
  } finally {
    // Whatever ended the loop, the pages already received are verified and stored (or refused).
    await Promise.all(ingesting)
  }
  if (failure !== undefined) throw failure.err
  return report
}
