import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { FulcrumError } from '../../../src/errors/index.js'
import { verify } from '../../../src/identity/index.js'
import { decodeEntry, encodeEntry, verifyEntrySignatures } from '../../../src/ledger/index.js'
import { encodeRecord, verifyRecordBytes } from '../../../src/offers/index.js'
import type { VerifiedRecord } from '../../../src/offers/index.js'
import { checkLeafIn, inlinePool, runTask, verifyEntrySignaturesIn, verifyRecordsIn } from '../../../src/verify/index.js'
import type { LeafTextsItem, SignatureItem, VerifyPool } from '../../../src/verify/index.js'
import { toBase64 } from '../../../src/encoding/base64.js'
import { Worker } from 'node:worker_threads'
import { BATCHES_PER_THREAD, threadPool } from '../../../src/verify/threads.js'
import { signedEntry, testBody, testIdentity as ledgerIdentity } from '../ledger/fixtures.js'
import { T0, signed, testIdentity } from '../../helpers/offers.js'

const alice = testIdentity(1)
const bob = testIdentity(2)
const flip = (b: Uint8Array, i: number): Uint8Array => { const c = Uint8Array.from(b); c[i % c.length] = (c[i % c.length] as number) ^ 1; return c }
/** The identity point: a small-order key that must never verify. */
const SMALL_ORDER_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))

/** Signature items: good ones and every kind of bad one. */
function signatureItems (): SignatureItem[] {
  const items: SignatureItem[] = []
  for (let i = 0; i < 40; i++) {
    const who = i % 2 === 0 ? alice : bob
    const message = Uint8Array.from(Buffer.from(`message ${i}`))
    const signature = who.sign(message)
    items.push({ publicKey: who.publicKey, message, signature })
    items.push({ publicKey: who.publicKey, message: flip(message, i), signature }) // other message
    items.push({ publicKey: who.publicKey, message, signature: flip(signature, i) }) // damaged signature
    items.push({ publicKey: (i % 2 === 0 ? bob : alice).publicKey, message, signature }) // other key
  }
  const m = Uint8Array.of(1, 2, 3)
  const s = alice.sign(m)
  const highS = Uint8Array.from(s); highS[63] = (highS[63] as number) | 0xf0 // S >= L
  items.push({ publicKey: alice.publicKey, message: m, signature: highS })
  items.push({ publicKey: SMALL_ORDER_KEY, message: m, signature: s })
  items.push({ publicKey: new Uint8Array(0), message: m, signature: s })
  items.push({ publicKey: alice.publicKey, message: m, signature: s.subarray(0, 63) })
  return items
}

describe('verify: one verification pool', function () {
  // Threads boot tsx and compile the verification modules (from source): slow on a loaded machine.
  this.timeout(180_000)
  let pool: VerifyPool
  before(async () => { const p = threadPool(2); await p.warm(); pool = p })
  after(async () => { await pool.close() })

  it('gives exactly the results of sequential verification, good and bad signatures alike', async () => {
    const items = signatureItems()
    const expected = items.map(x => verify(x.publicKey, x.message, x.signature))
    assert.ok(expected.includes(true) && expected.includes(false))
    assert.deepEqual(await pool.map('signature', items), expected)
    assert.deepEqual(await inlinePool().map('signature', items), expected)
  })

  it('fails only the call whose item cannot be copied to a thread, and serves the next', async () => {
    const items = signatureItems()
    const uncopyable = { ...items[0], message: () => {} } as unknown as SignatureItem
    await assert.rejects(pool.map('signature', [uncopyable]), (e: unknown) => (e as Error).name === 'DataCloneError')
    assert.deepEqual(await pool.map('signature', items), items.map(x => verify(x.publicKey, x.message, x.signature)))
  })

  it('keeps each caller\'s results apart and in order when many small calls share batches', async () => {
    const items = signatureItems()
    const calls = await fc.sample(fc.array(fc.nat(items.length - 1), { minLength: 0, maxLength: 12 }), 60)
    const answers = await Promise.all(calls.map(async picks => await pool.map('signature', picks.map(i => items[i] as SignatureItem))))
    calls.forEach((picks, c) => {
      assert.deepEqual(answers[c], picks.map(i => { const x = items[i] as SignatureItem; return verify(x.publicKey, x.message, x.signature) }))
    })
  })

  it('shares a large backlog between every batch the threads hold, not half to the first thread', async () => {
    // The items of each batch handed to a thread, seen on the way out.
    const sent: number[] = []
    const original = Worker.prototype.postMessage
    Worker.prototype.postMessage = function (this: Worker, msg: unknown, ...rest: unknown[]) {
      const items = (msg as { items?: unknown[] }).items
      if (items !== undefined) sent.push(items.length)
      return (original as (...a: unknown[]) => void).call(this, msg, ...rest)
    }
    try {
      const items = Array.from({ length: 3 }, () => signatureItems().slice(0, 32)).flat()
      await pool.map('signature', items)
    } finally {
      Worker.prototype.postMessage = original
    }
    assert.equal(sent.reduce((a, b) => a + b, 0), 96)
    // 2 threads holding BATCHES_PER_THREAD batches each: no batch takes more than its share.
    assert.ok((sent[0] as number) <= Math.ceil(96 / (2 * BATCHES_PER_THREAD)), `first batch ${String(sent[0])} items`)
  })

  it('verifies offer records as verifyRecordBytes does: same records, same error codes, messages and paths', async () => {
    const good = Array.from({ length: 30 }, (_, i) => encodeRecord(signed(i % 2 === 0 ? alice : bob, { id: `offer-${i}` })))
    const records = [
      ...good,
      flip(good[0] as Uint8Array, 20), // damaged body or signature
      (good[1] as Uint8Array).subarray(0, 100), // truncated
      encodeRecord(signed(alice, { id: 'late', expiresAt: T0 - 1, issuedAt: T0 - 10_000 })), // expired
      encodeRecord(signed(alice, { id: 'future', issuedAt: T0 + 3_600_000, expiresAt: T0 + 7_200_000 })),
      Uint8Array.of(0xff)
    ]
    const expected = records.map(b => { try { return verifyRecordBytes(b, T0) } catch (err) { return err as FulcrumError } })
    const got = await verifyRecordsIn(pool, records, T0)
    assert.equal(got.length, expected.length)
    got.forEach((g, i) => {
      const e = expected[i]
      if (e instanceof FulcrumError) {
        assert.ok(g instanceof FulcrumError, `record ${i} should fail`)
        assert.deepEqual(g.toJSON(), e.toJSON())
      } else {
        assert.ok(!(g instanceof FulcrumError), `record ${i} should verify`)
        assert.deepEqual(g, e as VerifiedRecord)
      }
    })
    assert.ok(got.filter(g => g instanceof FulcrumError).length >= 4)
  })

  it('checks entries as verifyEntrySignatures does, including which party failed', async () => {
    const [a, b, c] = [ledgerIdentity(1), ledgerIdentity(2), ledgerIdentity(3)]
    const entry = signedEntry('agreement', testBody('x1', [a, b, c]), [a, b, c])
    await verifyEntrySignaturesIn(pool, entry)
    for (const i of [0, 1, 2]) {
      const bad = { ...entry, sigs: entry.sigs.map((s, k) => (k === i ? flip(s, 5) : s)) }
      const seq = (() => { try { verifyEntrySignatures(bad); return undefined } catch (err) { return (err as FulcrumError).toJSON() } })()
      assert.equal(seq?.code, 'LEDGER_BAD_ENTRY_SIGNATURE')
      await assert.rejects(verifyEntrySignaturesIn(pool, bad), (err: FulcrumError) => { assert.deepEqual(err.toJSON(), seq); return true })
    }
    // Through the audit's task too (a run of base64 leaves): decode, signatures, owner.
    const leaves = [encodeEntry(entry), encodeEntry({ ...entry, sigs: [entry.sigs[0] as Uint8Array, flip(entry.sigs[1] as Uint8Array, 3), entry.sigs[2] as Uint8Array] }), Uint8Array.of(1, 2)]
    const items: LeafTextsItem[] = [{ texts: leaves.map(toBase64), offset: 0, owner: a.peerId }]
    assert.deepEqual(await pool.map('leafTexts', items), runTask('leafTexts', items))
    assert.deepEqual((await pool.map('leafTexts', items))[0]?.findings.map(f => [f.code, f.index]), [['AUDIT_BAD_ENTRY_SIGNATURE', 1], ['AUDIT_MALFORMED_ENTRY', 2]])
    assert.equal(decodeEntry(leaves[0] as Uint8Array).body.id, 'x1')
  })

  it('checks a leaf to append as decodeEntry and verifyEntrySignatures do: same entry, same errors', async () => {
    const [a, b] = [ledgerIdentity(4), ledgerIdentity(5)]
    const entry = signedEntry('agreement', testBody('y1', [a, b]), [a, b])
    const good = encodeEntry(entry)
    const leaves = [good, encodeEntry({ ...entry, sigs: [entry.sigs[0] as Uint8Array, flip(entry.sigs[1] as Uint8Array, 9)] }), good.subarray(0, 50), Uint8Array.of(0xa0)]
    for (const leaf of leaves) {
      let expected: unknown
      try { const e = decodeEntry(leaf); verifyEntrySignatures(e); expected = e } catch (err) { expected = (err as FulcrumError).toJSON() }
      let got: unknown
      try { got = await checkLeafIn(pool, leaf) } catch (err) { got = (err as FulcrumError).toJSON() }
      assert.deepEqual(got, expected)
    }
  })

  it('rejects what is queued when closed, and refuses new work', async () => {
    const p = threadPool(1)
    await p.warm()
    const items = Array.from({ length: 2000 }, () => signatureItems()[0] as SignatureItem)
    const running = assert.rejects(p.map('signature', items))
    await p.close()
    await running
    await assert.rejects(p.map('signature', items))
  })
})
