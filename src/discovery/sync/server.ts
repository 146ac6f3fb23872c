/**
 * The responder side of catalog sync (protocols/discovery-v1.md §Sync): answers reconciliation
 * rounds from the in-memory sync index and fetches from the catalog, within a byte budget.
 */
import { ITEMS_THRESHOLD, MAX_ITEMS_PER_RANGE, MAX_KEYS_PER_FETCH, RESPONSE_BUDGET_BYTES, SPLIT_FANOUT } from '../constants.js'
import type { CatalogView } from '../components.js'
import { decodeSyncRequest, encodeSyncResponse } from './messages.js'
import type { RangeAnswer } from './messages.js'
import { sameFingerprint } from './fingerprint.js'
import type { KeyRange, RangeSummary, SyncIndex, SyncSnapshot } from './fingerprint.js'

/** Rough wire size of a range summary and of an item, for the response budget. */
const RANGE_OVERHEAD = 40
const ITEM_OVERHEAD = 14

/**
 * Answers one range of a reconciliation request; returns the answer and its approximate size.
 * Items are listed (rather than the range split) when they are few, or when the asker holds at
 * least twice as many: then at least as many items differ as this side holds, and splitting would
 * end up listing them all anyway, a round and a rebuilt index later each time (a node filling up,
 * asked by the peers it is syncing from, answered ten to twenty rounds per join).
 */
export function answerRange (snap: SyncSnapshot, theirs: RangeSummary): [RangeAnswer, number] {
  const mine = snap.summarize(theirs)
  if (mine.count === theirs.count && sameFingerprint(mine.fingerprint, theirs.fingerprint)) return [{ kind: 'same' }, 2]
  if (mine.count <= MAX_ITEMS_PER_RANGE && (mine.count <= ITEMS_THRESHOLD || theirs.count === 0 || theirs.count >= 2 * mine.count)) {
    const items = snap.items(theirs)
    return [{ kind: 'items', items }, items.reduce((n, [k]) => n + k.length + ITEM_OVERHEAD, 4)]
  }
  const ranges = snap.split(theirs, SPLIT_FANOUT).map(r => snap.summarize(r))
  return [{ kind: 'split', ranges }, ranges.reduce((n, r) => n + r.lo.length + (r.hi?.length ?? 0) + RANGE_OVERHEAD, 4)]
}

/** Records of `keys` (in order) until the byte budget; also how many keys it went through. */
async function pageOf (catalog: CatalogView, keys: readonly string[]): Promise<{ records: Uint8Array[], used: number }> {
  const records: Uint8Array[] = []
  let budget = RESPONSE_BUDGET_BYTES
  let used = 0
  for (const bytes of await catalog.getBytesMany(keys)) {
    if (bytes !== undefined) {
      if (bytes.length > budget) break
      budget -= bytes.length
      records.push(bytes)
    }
    used++
  }
  return { records, used }
}

/**
 * Answers a span request: the records of the first {@link MAX_KEYS_PER_FETCH} live keys of the
 * span in key order (within the byte budget, which always holds one record), and `next`, the first
 * key not covered (null when the span is done). A peer that asks for everything gets one page per
 * request, as a fetch by keys would.
 */
export async function answerSpan (snap: SyncSnapshot, catalog: CatalogView, span: KeyRange): Promise<{ records: Uint8Array[], next: string | null }> {
  const [start, end] = snap.bounds(span)
  const keys: string[] = []
  for (let i = start; i < Math.min(end, start + MAX_KEYS_PER_FETCH); i++) keys.push(snap.keyAt(i))
  const { records, used } = await pageOf(catalog, keys)
  return { records, next: start + used < end ? snap.keyAt(start + used) : null }
}

/** A request handler for the sync protocol (plug into `serveProtocol`). */
export function syncHandler (index: SyncIndex, catalog: CatalogView, now: () => number) {
  return async (request: Uint8Array): Promise<Uint8Array> => {
    const req = decodeSyncRequest(request)
    if ('ranges' in req) {
      const snap = index.snapshot(now())
      let budget = RESPONSE_BUDGET_BYTES
      const answers = req.ranges.map((range, i): RangeAnswer => {
        if (budget <= 0) return { kind: 'later' }
        const [answer, size] = answerRange(snap, range)
        if (size > budget && i > 0) return { kind: 'later' }
        budget -= size
        return answer
      })
      return encodeSyncResponse({ answers })
    }
    if ('span' in req) return encodeSyncResponse(await answerSpan(index.snapshot(now()), catalog, req.span))
    return encodeSyncResponse({ records: (await pageOf(catalog, req.keys)).records })
  }
}
