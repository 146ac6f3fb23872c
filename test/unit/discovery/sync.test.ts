import { createHash } from 'node:crypto'
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import {
  SyncIndex, SyncSnapshot, itemHash, reconcile, syncHandler, answerRange, answerSpan, encodeSyncRequest, decodeSyncRequest,
  decodeSyncResponse, encodeSyncResponse, DiscoveryError, ITEMS_THRESHOLD, SPLIT_FANOUT, MAX_RANGES_PER_MESSAGE,
  MAX_KEYS_PER_FETCH, RESPONSE_BUDGET_BYTES
} from '../../../src/discovery/index.js'
import type { CatalogView } from '../../../src/discovery/index.js'
import { encodeCanonical } from '../../../src/encoding/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

const FAR = 8_000_000_000_000
const key = (i: number): string => `12D3KooWprovider/${String(i).padStart(5, '0')}`

function indexOf (items: Array<[string, number]>): SyncIndex {
  const index = new SyncIndex()
  for (const [k, seq] of items) index.update({ key: k, seq, expiresAt: FAR })
  return index
}

/** A requester that answers from `server` directly, as the sync protocol handler would. */
function direct (server: SyncIndex): { request: (m: Uint8Array) => Promise<Uint8Array> } {
  const handler = syncHandler(server, {} as CatalogView, () => 0)
  return { request: async (m) => await handler(m) }
}

const badMessage = (e: unknown): boolean => isFulcrumError(e, DiscoveryError.BAD_MESSAGE)

describe('discovery: catalog sync', () => {
  describe('fingerprints', () => {
    it('hashes an item as the first 16 bytes of SHA-256(key || 0 || uint64be(seq)) (known answer)', () => {
      assert.equal(Buffer.from(itemHash('a/b', 1)).toString('hex'), 'b7fb2cc97ce1b8d351e65409904d0d23')
    })

    it('hashes keys of any length, one after another, as SHA-256(key || 0 || uint64be(seq)) (the reused buffer leaks nothing)', () => {
      const expected = (key: string, seq: number): string => {
        const s = Buffer.alloc(8)
        s.writeBigUInt64BE(BigInt(seq))
        return createHash('sha256').update(Buffer.concat([Buffer.from(key), Uint8Array.of(0), s])).digest().subarray(0, 16).toString('hex')
      }
      for (const [k, seq] of [['x'.repeat(3000), 7], ['y'.repeat(1024), 2 ** 40], ['abc/def', 0], ['a', Number.MAX_SAFE_INTEGER], ['z'.repeat(1025), 1]] as const) {
        assert.equal(Buffer.from(itemHash(k, seq)).toString('hex'), expected(k, seq), `key of ${k.length} chars`)
      }
    })

    it('fingerprints a range as the XOR of its items, zero when empty', () => {
      const snap = new SyncSnapshot([{ key: 'b', seq: 1 }, { key: 'a', seq: 2 }, { key: 'c', seq: 3 }])
      const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((v, i) => v ^ (b[i] as number))
      assert.deepEqual(snap.summarize({ lo: '', hi: null }).fingerprint, xor(xor(itemHash('a', 2), itemHash('b', 1)), itemHash('c', 3)))
      assert.deepEqual(snap.summarize({ lo: 'b', hi: 'c' }), { lo: 'b', hi: 'c', fingerprint: itemHash('b', 1), count: 1 })
      assert.deepEqual(snap.summarize({ lo: 'x', hi: null }).fingerprint, new Uint8Array(16))
    })

    it('splits a range into sub-ranges that cover it exactly', () => {
      const snap = new SyncSnapshot(Array.from({ length: 1000 }, (_, i) => ({ key: key(i), seq: 1 })))
      const range = { lo: key(100), hi: key(900) }
      const parts = snap.split(range, SPLIT_FANOUT)
      assert.equal(parts.length, SPLIT_FANOUT)
      assert.equal(parts[0]?.lo, range.lo)
      assert.equal(parts.at(-1)?.hi, range.hi)
      parts.slice(1).forEach((p, i) => { assert.equal(p.lo, parts[i]?.hi) })
      assert.equal(parts.reduce((n, p) => n + snap.summarize(p).count, 0), 800)
    })

    it('an index rebuilt after any updates and removals fingerprints like a snapshot made from scratch (cached hashes stay current)', () => {
      fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 80 }), (ops) => {
        const index = new SyncIndex()
        const truth = new Map<string, number>()
        for (const [i, seq, remove] of ops) {
          if (remove) { index.remove(key(i)); truth.delete(key(i)) } else {
            index.update({ key: key(i), seq, expiresAt: FAR })
            if ((truth.get(key(i)) ?? -1) < seq) truth.set(key(i), seq)
          }
          index.snapshot(0) // a rebuild between changes, as sync requests cause
        }
        const fresh = new SyncSnapshot([...truth].map(([k, seq]) => ({ key: k, seq })))
        assert.deepEqual(index.snapshot(0).summarize({ lo: '', hi: null }), fresh.summarize({ lo: '', hi: null }))
      }), { numRuns: 300 })
    })

    it('drops expired entries from snapshots', () => {
      const index = new SyncIndex()
      index.update({ key: 'a', seq: 1, expiresAt: 100 })
      index.update({ key: 'b', seq: 1, expiresAt: 300 })
      assert.deepEqual(index.snapshot(50).keys, ['a', 'b'])
      assert.deepEqual(index.snapshot(200).keys, ['b'])
    })
  })

  describe('answers', () => {
    const snap = new SyncSnapshot(Array.from({ length: 100 }, (_, i) => ({ key: key(i), seq: 1 })))
    const all = { lo: '', hi: null }

    it('answers "same" when fingerprints match', () => {
      assert.equal(answerRange(snap, snap.summarize(all))[0].kind, 'same')
    })

    it('lists the items when the asker holds none of the range', () => {
      const [a] = answerRange(snap, { ...all, fingerprint: new Uint8Array(16), count: 0 })
      assert.equal(a.kind, 'items')
      assert.equal(a.kind === 'items' ? a.items.length : 0, 100)
    })

    it('splits a large differing range and lists a small one', () => {
      const theirs = { ...all, fingerprint: new Uint8Array(16).fill(1), count: 99 }
      assert.equal(answerRange(snap, theirs)[0].kind, 'split')
      const small = { lo: key(0), hi: key(ITEMS_THRESHOLD), fingerprint: new Uint8Array(16).fill(1), count: 3 }
      assert.equal(answerRange(snap, small)[0].kind, 'items')
    })
  })

  describe('span answers', () => {
    const items = Array.from({ length: 1000 }, (_, i): [string, number] => [key(i), 1])
    /** A catalog view holding `size` bytes for every key but `missing`. */
    const view = (size: number, missing: ReadonlySet<string> = new Set()): CatalogView =>
      ({ getBytesMany: async (keys: readonly string[]) => keys.map(k => (missing.has(k) ? undefined : new Uint8Array(size).fill(k.length))) }) as unknown as CatalogView
    const span = async (request: { lo: string, hi: string | null }, catalog: CatalogView): Promise<{ records: Uint8Array[], next?: string | null }> => {
      const res = decodeSyncResponse(await syncHandler(indexOf(items), catalog, () => 0)(encodeSyncRequest({ span: request })))
      if (!('records' in res)) throw new Error('records expected')
      return res
    }

    it('answers a span of everything with one page of MAX_KEYS_PER_FETCH records and where the rest starts (a huge range costs one page)', async () => {
      const res = await span({ lo: '', hi: null }, view(100))
      assert.equal(res.records.length, MAX_KEYS_PER_FETCH)
      assert.equal(res.next, key(MAX_KEYS_PER_FETCH))
      const last = await span({ lo: key(950), hi: null }, view(100))
      assert.deepEqual([last.records.length, last.next], [50, null])
      const inner = await span({ lo: key(10), hi: key(20) }, view(100))
      assert.deepEqual([inner.records.length, inner.next], [10, null])
    })

    it('stops a span page at the byte budget and goes on from the first key left out', async () => {
      // Larger than records are (the budget is never reached with real ones), to see it hold.
      const size = 8000
      const res = await answerSpan(indexOf(items).snapshot(0), view(size), { lo: '', hi: null })
      const fit = Math.floor(RESPONSE_BUDGET_BYTES / size)
      assert.equal(res.records.length, fit)
      assert.equal(res.next, key(fit))
    })

    it('skips keys the catalog no longer holds, and still goes on after them', async () => {
      const res = await span({ lo: '', hi: null }, view(100, new Set([key(0), key(1), key(199)])))
      assert.equal(res.records.length, MAX_KEYS_PER_FETCH - 3)
      assert.equal(res.next, key(MAX_KEYS_PER_FETCH))
    })
  })

  describe('reconciliation', () => {
    it('finds exactly the keys the other side lacks or holds at a lower seq (property)', async () => {
      const arb = fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 })), { maxLength: 1500 })
      await fc.assert(fc.asyncProperty(arb, async (spec) => {
        const mine: Array<[string, number]> = []
        const theirs: Array<[string, number]> = []
        const seen = new Set<number>()
        for (const [i, seq, where] of spec) {
          if (seen.has(i)) continue
          seen.add(i)
          if (where !== 1) mine.push([key(i), seq])
          if (where !== 0) theirs.push([key(i), where === 3 ? seq + 1 : seq])
        }
        const expected = theirs.filter(([k, s]) => { const m = mine.find(x => x[0] === k); return m === undefined || m[1] < s }).map(x => x[0]).sort()
        const { want, spans } = await reconcile(direct(indexOf(theirs)), indexOf(mine), () => 0)
        // Spans are ranges this side holds nothing of: every key of theirs in one is wanted.
        const inSpan = (k: string): boolean => spans.some(r => k >= r.lo && (r.hi === null || k < r.hi))
        assert.ok(mine.every(([k]) => !inSpan(k)), 'a span holds none of this side\'s keys')
        assert.ok(want.every(k => !inSpan(k)), 'a listed key is not also in a span')
        assert.deepEqual([...want, ...theirs.map(x => x[0]).filter(inSpan)].sort(), expected)
      }), { numRuns: 40 })
    })

    it('a full node reconciling with one that holds a part of its items (a late joiner filling up) needs 2 rounds and wants nothing', async () => {
      const all: Array<[string, number]> = Array.from({ length: 10_000 }, (_, i) => [key(i), 1])
      const part = all.filter((_, i) => i % 5 < 2)
      const { want, spans, rounds } = await reconcile(direct(indexOf(part)), indexOf(all), () => 0)
      assert.deepEqual({ want, spans, rounds }, { want: [], spans: [], rounds: 2 })
    })

    it('needs few rounds: 10,000 shared items, 10 differing', async () => {
      const shared: Array<[string, number]> = Array.from({ length: 10_000 }, (_, i) => [key(i), 1])
      const theirs = [...shared.slice(10), ...Array.from({ length: 10 }, (_, i): [string, number] => [key(i), 2])]
      const { want, rounds } = await reconcile(direct(indexOf(theirs)), indexOf(shared), () => 0)
      assert.equal(want.length, 10)
      assert.ok(rounds <= 4, `${rounds} rounds`)
    })

    it('asks no round when the asker holds nothing: everything is one span, no key listed', async () => {
      let asked = 0
      const { want, spans, rounds } = await reconcile({ request: async () => { asked++; throw new Error('no round expected') } }, new SyncIndex(), () => 0)
      assert.deepEqual({ want, spans, rounds, asked }, { want: [], spans: [{ lo: '', hi: null }], rounds: 0, asked: 0 })
    })

    it('fetches as spans the sub-ranges the asker holds nothing of, and lists only the keys near the one it holds', async () => {
      const theirs: Array<[string, number]> = Array.from({ length: 10_000 }, (_, i) => [key(i), 1])
      const { want, spans, rounds } = await reconcile(direct(indexOf(theirs)), indexOf([[key(5), 1]]), () => 0)
      // Each round splits the range holding key 5 in 16 and fetches the 15 others whole.
      assert.ok(rounds <= 4, `${rounds} rounds`)
      assert.equal(spans.length, (rounds - 1) * (SPLIT_FANOUT - 1))
      assert.ok(want.length <= 2 * ITEMS_THRESHOLD, `${want.length} keys listed`)
    })

    it('rejects sub-ranges that do not cover the range, and a wrong number of answers, with DISCOVERY_BAD_ANSWER', async () => {
      const index = indexOf([['m', 1]])
      await assert.rejects(reconcile({ request: async () => encodeSyncResponse({ answers: [{ kind: 'split', ranges: [{ lo: 'z', hi: null, fingerprint: new Uint8Array(16), count: 1 }] }] }) }, index, () => 0),
        (e: unknown) => isFulcrumError(e, DiscoveryError.BAD_ANSWER))
      await assert.rejects(reconcile({ request: async () => encodeSyncResponse({ answers: [] }) }, index, () => 0),
        (e: unknown) => isFulcrumError(e, DiscoveryError.BAD_ANSWER))
    })

    it('gives up after the round limit against a peer that always answers "later"', async () => {
      const stalling = { request: async () => encodeSyncResponse({ answers: [{ kind: 'later' }] }) }
      await assert.rejects(reconcile(stalling, indexOf([['m', 1]]), () => 0), (e: unknown) => isFulcrumError(e, DiscoveryError.LIMIT_EXCEEDED))
    })
  })

  describe('messages', () => {
    it('round-trips requests and responses', () => {
      const ranges = [{ lo: '', hi: null, fingerprint: new Uint8Array(16).fill(7), count: 3 }, { lo: 'a', hi: 'b', fingerprint: new Uint8Array(16), count: 0 }]
      assert.deepEqual(decodeSyncRequest(encodeSyncRequest({ ranges })), { ranges })
      assert.deepEqual(decodeSyncRequest(encodeSyncRequest({ keys: ['a/b'] })), { keys: ['a/b'] })
      assert.deepEqual(decodeSyncRequest(encodeSyncRequest({ span: { lo: 'a', hi: null } })), { span: { lo: 'a', hi: null } })
      assert.deepEqual(decodeSyncResponse(encodeSyncResponse({ records: [Uint8Array.of(1)], next: 'a/c' })), { records: [Uint8Array.of(1)], next: 'a/c' })
      assert.deepEqual(decodeSyncResponse(encodeSyncResponse({ records: [], next: null })), { records: [], next: null })
      assert.deepEqual(decodeSyncResponse(encodeSyncResponse({ records: [] })), { records: [] })
      const answers = [{ kind: 'same' }, { kind: 'later' }, { kind: 'items', items: [['a/b', 2]] }, { kind: 'split', ranges }] as const
      assert.deepEqual(decodeSyncResponse(encodeSyncResponse({ answers: [...answers] as never })), { answers })
    })

    it('encodes the initial request of an empty node as a known vector', () => {
      const bytes = encodeSyncRequest({ ranges: [{ lo: '', hi: null, fingerprint: new Uint8Array(16), count: 0 }] })
      // { "v": 1, "ranges": [["", null, h'00' x 16, 0]] }
      assert.equal(Buffer.from(bytes).toString('hex'), 'a26176016672616e676573818460f650' + '00'.repeat(17))
    })

    it('encodes the span request of an empty node as a known vector', () => {
      // { "v": 1, "span": ["", null] }
      assert.equal(Buffer.from(encodeSyncRequest({ span: { lo: '', hi: null } })).toString('hex'), 'a2617601647370616e8260f6')
    })

    it('rejects responses with `next` beside answers, a non-string `next`, or more records than a page, with DISCOVERY_BAD_MESSAGE', () => {
      assert.throws(() => decodeSyncResponse(encodeCanonical({ v: 1, answers: [], next: null })), badMessage)
      assert.throws(() => decodeSyncResponse(encodeCanonical({ v: 1, records: [], next: 3 })), badMessage)
      assert.throws(() => decodeSyncResponse(encodeCanonical({ v: 1, records: [], next: 'k'.repeat(200) })), badMessage)
      assert.throws(() => decodeSyncResponse(encodeCanonical({ v: 1, records: Array.from({ length: MAX_KEYS_PER_FETCH + 1 }, () => Uint8Array.of(1)), next: null })), badMessage)
    })

    const corrupt: Array<[string, unknown]> = [
      ['an unknown version', { v: 2, keys: [] }],
      ['an unknown field', { v: 1, keys: [], extra: 1 }],
      ['both ranges and keys', { v: 1, keys: [], ranges: [] }],
      ['neither ranges nor keys', { v: 1 }],
      ['a short fingerprint', { v: 1, ranges: [['', null, new Uint8Array(15), 0]] }],
      ['a negative count', { v: 1, ranges: [['', null, new Uint8Array(16), -1]] }],
      ['a numeric bound', { v: 1, ranges: [[0, null, new Uint8Array(16), 0]] }],
      ['too many ranges', { v: 1, ranges: Array.from({ length: MAX_RANGES_PER_MESSAGE + 1 }, () => ['', null, new Uint8Array(16), 0]) }],
      ['an over-long key', { v: 1, keys: ['k'.repeat(200)] }],
      ['a map that is not a map', { v: 1, keys: 'a' }],
      ['both span and keys', { v: 1, keys: [], span: ['', null] }],
      ['a span that is not a pair', { v: 1, span: ['', null, 'x'] }],
      ['a span whose hi is not above its lo', { v: 1, span: ['b', 'a'] }],
      ['an empty span', { v: 1, span: ['a', 'a'] }],
      ['a span with an over-long bound', { v: 1, span: ['k'.repeat(200), null] }]
    ]
    for (const [what, value] of corrupt) {
      it(`rejects a request with ${what} with DISCOVERY_BAD_MESSAGE`, () => {
        assert.throws(() => decodeSyncRequest(encodeCanonical(value as never)), badMessage)
      })
    }

    it('rejects non-canonical CBOR with DISCOVERY_BAD_MESSAGE', () => {
      assert.throws(() => decodeSyncRequest(Uint8Array.from([0xbf, 0x61, 0x76, 0x01, 0xff])), badMessage)
      assert.throws(() => decodeSyncRequest(new Uint8Array()), badMessage)
    })
  })
})
