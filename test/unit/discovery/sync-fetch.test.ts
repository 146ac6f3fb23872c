import { strict as assert } from 'node:assert'
import { Catalog } from '../../../src/catalog/index.js'
import { createIdentity } from '../../../src/identity/index.js'
import { encodeRecord, signOffer, recordKey, decodeRecord } from '../../../src/offers/index.js'
import {
  Ingestor, SyncIndex, SyncSnapshot, fetchKeys, answerSpan, decodeSyncRequest, encodeSyncResponse, MAX_FETCH_PAGES, MAX_KEYS_PER_FETCH, MAX_PAGES_VERIFYING, DiscoveryError,
  syncHandler, syncOver
} from '../../../src/discovery/index.js'
import type { CatalogView, KeyRange, PageRequester, SyncResponse } from '../../../src/discovery/index.js'
import { catalogView } from '../../../src/node/index.js'
import { inlinePool, runTask } from '../../../src/verify/index.js'
import type { VerifyPool } from '../../../src/verify/index.js'
import { FulcrumError, isFulcrumError } from '../../../src/errors/index.js'
import { NetworkError } from '../../../src/network/index.js'
import type { Session } from '../../../src/network/index.js'
import { makeOffer } from '../../helpers/offers.js'
import { tempDir } from '../../helpers/tmp.js'

const NOW = Date.UTC(2026, 5, 1)
const provider = createIdentity()
const offer = (id: string): Uint8Array =>
  encodeRecord(signOffer(makeOffer(provider, { id, seq: NOW, issuedAt: NOW - 1000, expiresAt: NOW + 3_600_000 }), provider))
/** A record whose body was changed after signing. */
function forged (id: string): Uint8Array {
  const body = makeOffer(provider, { id, seq: NOW, issuedAt: NOW - 1000, expiresAt: NOW + 3_600_000 })
  return encodeRecord({ kind: 'offer', body: { ...body, capacity: 9999 }, signature: signOffer(body, provider).signature })
}
const keyOf = (bytes: Uint8Array): string => recordKey(decodeRecord(bytes))
/** `n` offers by key. */
const many = (n: number, prefix = 's'): Map<string, Uint8Array> => new Map(Array.from({ length: n }, (_, i) => offer(`${prefix}-${i}`)).map(b => [keyOf(b), b]))

/** A peer answering fetches from `held` (key → bytes), at most `perPage` records per answer. */
function peer (held: Map<string, Uint8Array>, perPage = MAX_KEYS_PER_FETCH): PageRequester & { asked: string[][] } {
  const asked: string[][] = []
  return {
    asked,
    request: async (m) => {
      const req = decodeSyncRequest(m)
      if (!('keys' in req)) throw new Error('fetch expected')
      asked.push(req.keys)
      const records = req.keys.flatMap(k => held.get(k) ?? []).slice(0, perPage)
      return encodeSyncResponse({ records })
    }
  }
}

/**
 * A peer answering span requests from `held` as the protocol handler does; `lie` may rewrite an
 * answer (a hostile peer).
 */
function spanPeer (held: Map<string, Uint8Array>, lie: (res: { records: Uint8Array[], next: string | null }, span: KeyRange) => SyncResponse = r => r): PageRequester & { asked: KeyRange[] } {
  const asked: KeyRange[] = []
  const snap = new SyncSnapshot([...held.keys()].map(key => ({ key, seq: NOW })))
  const view = { getBytesMany: async (keys: readonly string[]) => keys.map(k => held.get(k)) } as unknown as CatalogView
  return {
    asked,
    request: async (m) => {
      const req = decodeSyncRequest(m)
      if (!('span' in req)) throw new Error('span expected')
      asked.push(req.span)
      return encodeSyncResponse(lie(await answerSpan(snap, view, req.span), req.span))
    }
  }
}
const all: KeyRange = { lo: '', hi: null }
const badAnswer = (e: unknown): boolean => isFulcrumError(e, DiscoveryError.BAD_ANSWER)

describe('discovery: sync fetch phase', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let catalog: Catalog
  const ingestor = (pool: VerifyPool = inlinePool()): Ingestor => new Ingestor(catalogView(catalog), new SyncIndex(), () => NOW, undefined, pool)
  beforeEach(async () => { dir = await tempDir(); catalog = await Catalog.open(dir.path) })
  afterEach(async () => { await catalog.close(); await dir.cleanup() })

  it('keeps the valid records of a page with a forged one, refuses the forged one and counts it against the peer', async () => {
    const good = Array.from({ length: 9 }, (_, i) => offer(`ok-${i}`))
    const bad = forged('bad')
    const held = new Map([...good, bad].map(b => [keyOf(b), b]))
    const report = await fetchKeys(peer(held), [...held.keys()], ingestor())
    assert.deepEqual(report, { fetched: 9, stored: 9, invalid: 1 })
    assert.equal(catalog.size, 9)
    assert.equal(catalog.seqOf(provider.peerId, 'bad'), undefined)
    for (let i = 0; i < 9; i++) assert.equal(catalog.seqOf(provider.peerId, `ok-${i}`), NOW)
  })

  it('asks again for keys an answer left out, and stops at an answer that delivers none of its keys', async () => {
    const records = Array.from({ length: 30 }, (_, i) => offer(`o-${i}`))
    const held = new Map(records.map(b => [keyOf(b), b]))
    const short = peer(held, 7)
    const report = await fetchKeys(short, [...held.keys()], ingestor())
    assert.equal(report.stored, 30)
    assert.equal(short.asked.flat().length, 30 + 23 + 16 + 9 + 2, 'each left-out key asked again')

    const nothing = peer(new Map())
    const none = await fetchKeys(nothing, Array.from({ length: 3 * MAX_KEYS_PER_FETCH }, (_, i) => `${provider.peerId}/x-${i}`), ingestor())
    assert.deepEqual(none, { fetched: 0, stored: 0, invalid: 0 })
    assert.equal(nothing.asked.length, 1, 'pages asked of a peer that delivers nothing')
  })

  it('asks for the next pages while earlier ones are verified, holding at most MAX_PAGES_VERIFYING pages', async () => {
    // A pool that verifies only when told to: pages pile up in it.
    const parked: Array<() => void> = []
    const slow: VerifyPool = {
      threads: 2,
      map: async (task, items) => await new Promise(resolve => parked.push(() => { resolve(runTask(task, items)) })),
      close: async () => {}
    }
    const n = (MAX_PAGES_VERIFYING + 3) * MAX_KEYS_PER_FETCH
    const records = Array.from({ length: n }, (_, i) => offer(`p-${i}`))
    const held = new Map(records.map(b => [keyOf(b), b]))
    const fast = peer(held)
    const done = fetchKeys(fast, [...held.keys()], ingestor(slow))
    const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }
    // Bounded: when the fetch waits for verification before asking again, this fails instead of spinning.
    const asked = async (pages: number): Promise<void> => {
      for (let i = 0; i < 1000 && (fast.asked.length < pages || parked.length < Math.min(pages, MAX_PAGES_VERIFYING)); i++) await turn()
    }
    // The first MAX_PAGES_VERIFYING pages are asked for and handed to the pool, none verified yet,
    // and one more request is out (its page waits for a free place).
    await asked(MAX_PAGES_VERIFYING + 1)
    for (let i = 0; i < 20; i++) await turn()
    assert.equal(parked.length, MAX_PAGES_VERIFYING, 'pages being verified at once')
    assert.equal(fast.asked.length, MAX_PAGES_VERIFYING + 1, 'requests sent before any page was verified')
    for (let i = 0; i < 100_000 && catalog.size < n; i++) {
      parked.shift()?.()
      await turn()
    }
    assert.deepEqual(await done, { fetched: n, stored: n, invalid: 0 })
  })

  it('fails with DISCOVERY_BAD_ANSWER when the answer is not a page of records, after storing what it received', async () => {
    const records = Array.from({ length: MAX_KEYS_PER_FETCH + 5 }, (_, i) => offer(`r-${i}`))
    const held = new Map(records.map(b => [keyOf(b), b]))
    const honest = peer(held)
    let calls = 0
    const lying: PageRequester = {
      request: async (m) => {
        if (calls++ === 0) return await honest.request(m)
        return encodeSyncResponse({ answers: [{ kind: 'same' }] })
      }
    }
    await assert.rejects(fetchKeys(lying, [...held.keys()], ingestor()), (e: unknown) => isFulcrumError(e, DiscoveryError.BAD_ANSWER))
    assert.equal(catalog.size, MAX_KEYS_PER_FETCH)
  })

  describe('spans (ranges this side holds nothing of)', () => {

    it('pulls every record of a span a page at a time, each page going on from where the last one ended', async () => {
      const held = many(2 * MAX_KEYS_PER_FETCH + 50)
      const p = spanPeer(held)
      const report = await fetchKeys(p, [], ingestor(), [all])
      assert.deepEqual(report, { fetched: held.size, stored: held.size, invalid: 0 })
      assert.equal(catalog.size, held.size)
      assert.equal(p.asked.length, 3, 'pages asked')
      const sorted = [...held.keys()].sort()
      assert.deepEqual(p.asked.map(s => s.lo), ['', sorted[MAX_KEYS_PER_FETCH], sorted[2 * MAX_KEYS_PER_FETCH]])
    })

    it('fails with DISCOVERY_BAD_ANSWER when a page holds a record outside the part of the span it answers (sending more than asked)', async () => {
      const held = many(MAX_KEYS_PER_FETCH + 10)
      const sorted = [...held.keys()].sort()
      const first = sorted[0] as string
      // Answers the second page with the first page's records again, plus its own.
      const replay = spanPeer(held, (res, span) => span.lo === '' ? res : { records: [held.get(first) as Uint8Array, ...res.records], next: res.next })
      await assert.rejects(fetchKeys(replay, [], ingestor(), [all]), badAnswer)
      // A record beyond `next`: the page claims less of the span than it answers.
      const ahead = spanPeer(held, res => ({ records: res.records, next: res.next === null ? null : sorted[5] as string }))
      await assert.rejects(fetchKeys(ahead, [], ingestor(), [all]), badAnswer)
    })

    it('fails with DISCOVERY_BAD_ANSWER when `next` does not go on inside the span (a peer that would never end it), or is missing', async () => {
      const held = many(MAX_KEYS_PER_FETCH + 10)
      const sorted = [...held.keys()].sort()
      const stuck = spanPeer(held, (res, span) => ({ records: res.records, next: span.lo }))
      await assert.rejects(fetchKeys(stuck, [], ingestor(), [{ lo: sorted[3] as string, hi: null }]), badAnswer)
      assert.equal(stuck.asked.length, 1, 'no second request')
      const outside = spanPeer(held, res => ({ records: res.records.slice(0, 1), next: 'zzz' }))
      await assert.rejects(fetchKeys(outside, [], ingestor(), [{ lo: '', hi: sorted[100] as string }]), badAnswer)
      const plain = spanPeer(held, res => ({ records: res.records }))
      await assert.rejects(fetchKeys(plain, [], ingestor(), [all]), badAnswer)
    })

    it('ends a span at a page that stores nothing (records this node holds or its limits refuse are not verified range after range)', async () => {
      const held = many(20 * MAX_KEYS_PER_FETCH, 'f')
      catalog.configure({ maxRecords: 1_000_000, maxRecordsPerProvider: 10 }, undefined)
      const p = spanPeer(held)
      const report = await fetchKeys(p, [], ingestor(), [all])
      assert.equal(report.stored, 10)
      assert.ok(p.asked.length <= MAX_PAGES_VERIFYING + 2, `${p.asked.length} pages asked of 20`)
    })

    it('gives up with DISCOVERY_LIMIT_EXCEEDED after MAX_FETCH_PAGES pages of a span that never ends', async () => {
      let asked = 0
      const endless: PageRequester = {
        request: async (m) => {
          const req = decodeSyncRequest(m)
          if (!('span' in req)) throw new Error('span expected')
          asked++
          return encodeSyncResponse({ records: [], next: `a${String(asked).padStart(6, '0')}` })
        }
      }
      await assert.rejects(fetchKeys(endless, [], ingestor(), [{ lo: 'a', hi: null }]), (e: unknown) => isFulcrumError(e, DiscoveryError.LIMIT_EXCEEDED))
      assert.equal(asked, MAX_FETCH_PAGES)
    })

    it('fetches listed keys first, then the spans', async () => {
      const held = many(30)
      const sorted = [...held.keys()].sort()
      const spans = spanPeer(held)
      const both: PageRequester & { kinds: string[] } = {
        kinds: [],
        request: async (m) => {
          const req = decodeSyncRequest(m)
          both.kinds.push(Object.keys(req)[0] as string)
          if ('keys' in req) return encodeSyncResponse({ records: req.keys.flatMap(k => held.get(k) ?? []) })
          return await spans.request(m)
        }
      }
      const report = await fetchKeys(both, sorted.slice(0, 5), ingestor(), [{ lo: sorted[10] as string, hi: null }])
      assert.deepEqual(both.kinds, ['keys', 'span'])
      assert.equal(report.stored, 5 + 20)
    })
  })

  describe('a responder of the first edition (no span request)', () => {
    /**
     * Sessions answered as syncHandler answers, from `held`. `firstEdition` ends the session at any
     * span request, as that edition's decoder does; otherwise a span request after `endAtSpanPage`
     * answered ones ends it (a stream that fails mid-span).
     */
    function responder (held: Map<string, Uint8Array>, firstEdition: boolean, endAtSpanPage = 0): { open: () => Promise<Session>, sessions: number, spans: number } {
      const index = new SyncIndex()
      for (const key of held.keys()) index.update({ key, seq: NOW, expiresAt: NOW + 3_600_000 })
      const view = { getBytesMany: async (keys: readonly string[]) => keys.map(k => held.get(k)) } as unknown as CatalogView
      const handle = syncHandler(index, view, () => NOW)
      const r = {
        sessions: 0,
        spans: 0,
        open: async (): Promise<Session> => {
          r.sessions++
          return {
            close: async () => {},
            request: async (m: Uint8Array) => {
              if ('span' in decodeSyncRequest(m) && (++r.spans > endAtSpanPage || firstEdition)) {
                throw new FulcrumError(NetworkError.STREAM_CLOSED, 'the peer reset the stream')
              }
              return await handle(m)
            }
          }
        }
      }
      return r
    }

    it('syncs again without spans when the peer ends the session at the first span request, and gets everything', async () => {
      const held = many(450)
      const old = responder(held, true)
      const report = await syncOver(old.open, new SyncIndex(), ingestor(), () => NOW)
      assert.equal(report.stored, 450)
      assert.equal(catalog.size, 450)
      assert.deepEqual([old.sessions, old.spans], [2, 1], 'one session refused at its span, one without spans')
    })

    it('does not retry when a span was answered before the session ended, or with a current responder', async () => {
      const held = many(450)
      const current = responder(held, false, Infinity)
      assert.equal((await syncOver(current.open, new SyncIndex(), ingestor(), () => NOW)).stored, 450)
      assert.equal(current.sessions, 1)
      const broken = responder(many(450), false, 1)
      await assert.rejects(syncOver(broken.open, new SyncIndex(), ingestor(), () => NOW), (e: unknown) => isFulcrumError(e, NetworkError.STREAM_CLOSED))
      assert.equal(broken.sessions, 1)
    })
  })
})
