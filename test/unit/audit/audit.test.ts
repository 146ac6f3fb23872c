import { strict as assert } from 'node:assert'
import { isFulcrumError } from '../../../src/errors/index.js'
import { agreementCopyFromBundle, auditBundle, auditBundleStream, checkLeafTexts, MAX_RUNS_IN_FLIGHT, auditEntries, checkAgreementCopies, checkUpdate, needsConsistencyProof, consistencySizes } from '../../../src/audit/index.js'
import type { BundleReport, LeafRunChecker, LedgerBundle } from '../../../src/audit/index.js'
import {
  buildProof, consistencyProofRanges, inclusionProofRanges, leafHash, ledgerVerifierKey, memoryNodeReader, openNodeCheckpoint,
  originOf, rootFromLeafHashes, signCheckpoint, verifyEvidence, encodeEntry
} from '../../../src/ledger/index.js'
import { agreementLeaf, signedEntry, testBody, testIdentity } from '../ledger/fixtures.js'

const [owner, alice, bob] = [testIdentity(30), testIdentity(31), testIdentity(32)]
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const codes = (r: { findings: Array<{ code: string }> }): string[] => r.findings.map(f => f.code)

function bundleOf (leaves: Uint8Array[], signer = owner, size = leaves.length, hashes = leaves.map(leafHash)): LedgerBundle {
  const origin = originOf(owner.peerId)
  return {
    origin,
    vkey: ledgerVerifierKey(owner.peerId),
    checkpoint: signCheckpoint({ origin, size, root: rootFromLeafHashes(hashes.slice(0, size)), extensions: [] }, signer),
    leaves: leaves.map(b64)
  }
}

const LEAVES = [agreementLeaf('a1', [owner, alice]), agreementLeaf('a2', [owner, bob]), agreementLeaf('a3', [owner, alice, bob])]

describe('audit: offline bundle audit', () => {
  it('finds nothing wrong with an honest export', async () => {
    const r = await auditBundle(bundleOf(LEAVES))
    assert.deepEqual(r.findings, [])
    assert.equal(r.size, 3)
  })

  it('reports a tampered leaf as AUDIT_ROOT_MISMATCH and its bad signature with its index', async () => {
    const b = bundleOf(LEAVES)
    const tampered = signedEntry('agreement', testBody('a2', [owner, bob]), [owner, bob])
    tampered.body.createdAt += 1
    b.leaves[1] = b64(encodeEntry(tampered))
    const r = await auditBundle(b)
    assert.deepEqual(codes(r), ['AUDIT_ROOT_MISMATCH', 'AUDIT_BAD_ENTRY_SIGNATURE'])
    assert.equal(r.findings[1]?.index, 1)
  })

  it('reports a truncated log (fewer leaves than signed) as AUDIT_SIZE_MISMATCH', async () => {
    const b = bundleOf(LEAVES)
    b.leaves.pop()
    assert.deepEqual(codes(await auditBundle(b)), ['AUDIT_SIZE_MISMATCH'])
  })

  it('reports a checkpoint signed by another key, a malformed note and a wrong origin', async () => {
    assert.deepEqual(codes(await auditBundle(bundleOf(LEAVES, alice))), ['AUDIT_BAD_CHECKPOINT_SIGNATURE'])
    assert.deepEqual(codes(await auditBundle({ ...bundleOf(LEAVES), checkpoint: 'garbage' })), ['AUDIT_MALFORMED_CHECKPOINT'])
    const other = { ...bundleOf(LEAVES), origin: originOf(alice.peerId) }
    assert.ok(codes(await auditBundle(other)).includes('AUDIT_WRONG_ORIGIN'))
    assert.deepEqual(codes(await auditBundle({ ...bundleOf(LEAVES), vkey: 'nope' })), ['AUDIT_BAD_VKEY'])
  })

  it('reports malformed entries, entries without the owner, and duplicate ids', async () => {
    const junk = new TextEncoder().encode('not cbor')
    const foreign = agreementLeaf('f1', [alice, bob])
    const dup = encodeEntry(signedEntry('agreement', testBody('a1', [owner, alice], { createdAt: 7 }), [owner, alice]))
    const r = await auditBundle(bundleOf([...LEAVES, junk, foreign, dup]))
    assert.deepEqual(codes(r), ['AUDIT_MALFORMED_ENTRY', 'AUDIT_NOT_A_PARTY', 'AUDIT_DUPLICATE_ID'])
    assert.deepEqual(r.findings.map(f => f.index), [3, 4, 5])
  })

  it('throws AUDIT_MALFORMED_BUNDLE for input that is not a bundle', async () => {
    for (const bad of [null, {}, { ...bundleOf(LEAVES), leaves: ['***'] }, { ...bundleOf(LEAVES), leaves: 'x' }]) {
      await assert.rejects(auditBundle(bad), (e: unknown) => isFulcrumError(e, 'AUDIT_MALFORMED_BUNDLE'))
    }
  })
})

describe('audit: checkpoint updates (equivocation)', () => {
  const vkey = ledgerVerifierKey(owner.peerId)
  const hashes = Array.from({ length: 9 }, (_, i) => leafHash(Uint8Array.of(i)))
  const forked = hashes.map((h, i) => i === 2 ? leafHash(Uint8Array.of(99)) : h)
  const cp = (hs: Uint8Array[], n: number): ReturnType<typeof openNodeCheckpoint> => openNodeCheckpoint(
    signCheckpoint({ origin: originOf(owner.peerId), size: n, root: rootFromLeafHashes(hs.slice(0, n)), extensions: [] }, owner), owner.peerId)

  it('accepts the first checkpoint, an identical one, and a proven extension', async () => {
    assert.deepEqual(checkUpdate(vkey, undefined, cp(hashes, 4), undefined), { ok: true })
    assert.deepEqual(checkUpdate(vkey, cp(hashes, 4), cp(hashes, 4), undefined), { ok: true })
    assert.equal(needsConsistencyProof(cp(hashes, 4), cp(hashes, 9)), true)
    const proof = await buildProof(consistencyProofRanges(4, 9), memoryNodeReader(hashes))
    assert.deepEqual(checkUpdate(vkey, cp(hashes, 4), cp(hashes, 9), proof), { ok: true })
  })

  it('turns a split view, a rollback and a fork into findings with evidence anyone can verify', async () => {
    const split = checkUpdate(vkey, cp(hashes, 5), cp(forked, 5), undefined)
    assert.ok(!split.ok && split.finding.code === 'AUDIT_SPLIT_VIEW')
    assert.equal(verifyEvidence(JSON.parse(JSON.stringify(split.evidence))).kind, 'split-view')
    const backProof = await buildProof(consistencyProofRanges(3, 6), memoryNodeReader(forked))
    const rollback = checkUpdate(vkey, cp(hashes, 6), cp(forked, 3), backProof, { by: alice.peerId, at: 1 })
    assert.ok(!rollback.ok && rollback.finding.code === 'AUDIT_ROLLBACK' && rollback.evidence !== undefined)
    assert.equal(verifyEvidence(rollback.evidence).kind, 'rollback')
    const forkProof = await buildProof(consistencyProofRanges(4, 9), memoryNodeReader(forked))
    const fork = checkUpdate(vkey, cp(hashes, 4), cp(forked, 9), forkProof)
    assert.ok(!fork.ok && fork.finding.code === 'AUDIT_INCONSISTENT' && fork.evidence !== undefined)
    assert.equal(verifyEvidence(fork.evidence).kind, 'inconsistent')
  })

  it('an older checkpoint consistent with the newer one (a replay, a lost tail) is a finding without evidence', async () => {
    const honest = await buildProof(consistencyProofRanges(3, 6), memoryNodeReader(hashes))
    for (const proof of [undefined, honest]) {
      const r = checkUpdate(vkey, cp(hashes, 6), cp(hashes, 3), proof)
      assert.ok(!r.ok && r.finding.code === 'AUDIT_ROLLBACK')
      assert.equal(r.evidence, undefined)
    }
    assert.deepEqual(consistencySizes(cp(hashes, 6), cp(hashes, 3)), [3, 6])
    assert.deepEqual(consistencySizes(cp(hashes, 3), cp(hashes, 6)), [3, 6])
    assert.equal(consistencySizes(cp(hashes, 3), cp(hashes, 3)), undefined)
  })
})

describe('audit: agreement copies across the parties', () => {
  const logs = new Map([alice, bob].map(p => [p.peerId, { id: p, leaves: [agreementLeaf('x0', [p, owner === p ? alice : owner]), agreementLeaf('deal', [alice, bob])] }]))
  async function copyOf (peer: typeof alice, leaves?: Uint8Array[]): Promise<Parameters<typeof checkAgreementCopies>[1][number]> {
    const ls = leaves ?? logs.get(peer.peerId)?.leaves as Uint8Array[]
    const hashes = ls.map(leafHash)
    const checkpoint = openNodeCheckpoint(signCheckpoint({ origin: originOf(peer.peerId), size: ls.length, root: rootFromLeafHashes(hashes), extensions: [] }, peer), peer.peerId)
    const proof = await buildProof(inclusionProofRanges(1, ls.length), memoryNodeReader(hashes))
    return { peer: peer.peerId, checkpoint, index: 1, leaf: ls[1], proof }
  }

  it('confirms the same body in every party log', async () => {
    const r = checkAgreementCopies('deal', [await copyOf(alice), await copyOf(bob)])
    assert.deepEqual(r.findings, [])
    assert.equal(r.bodyHash?.length, 64)
  })

  it('reports a missing copy, a different body, a bad proof and an unaudited party', async () => {
    const alt = encodeEntry(signedEntry('agreement', testBody('deal', [alice, bob], { createdAt: 9 }), [alice, bob]))
    const bobLeaves = [logs.get(bob.peerId)?.leaves[0] as Uint8Array, alt]
    assert.deepEqual(codes(checkAgreementCopies('deal', [await copyOf(alice), await copyOf(bob, bobLeaves)])), ['AUDIT_BODY_MISMATCH'])
    const missing = { ...(await copyOf(bob)), leaf: undefined, index: undefined }
    assert.deepEqual(codes(checkAgreementCopies('deal', [await copyOf(alice), missing])), ['AUDIT_NOT_INCLUDED'])
    const badProof = { ...(await copyOf(bob)), proof: [] }
    assert.deepEqual(codes(checkAgreementCopies('deal', [await copyOf(alice), badProof])), ['AUDIT_BAD_PROOF'])
    assert.deepEqual(codes(checkAgreementCopies('deal', [await copyOf(alice)])), ['AUDIT_INCOMPLETE'])
  })
})

describe('audit: an agreement copy from the exported ledger of a party without a node', () => {
  const deal = agreementLeaf('deal', [alice, bob])
  const bobLeaves = [agreementLeaf('x0', [bob, owner]), deal]
  /** Bob's export: signed by `signer` (Bob unless said otherwise), its vkey and origin Bob's. */
  function exportOf (leaves: Uint8Array[], signer = bob, signedLeaves = leaves): LedgerBundle {
    const origin = originOf(bob.peerId)
    const root = rootFromLeafHashes(signedLeaves.map(leafHash))
    return { origin, vkey: ledgerVerifierKey(bob.peerId), checkpoint: signCheckpoint({ origin, size: signedLeaves.length, root, extensions: [] }, signer), leaves: leaves.map(b64) }
  }
  async function aliceCopy (): Promise<Parameters<typeof checkAgreementCopies>[1][number]> {
    const ls = [agreementLeaf('y0', [alice, owner]), agreementLeaf('y1', [alice, owner]), deal]
    const hashes = ls.map(leafHash)
    const checkpoint = openNodeCheckpoint(signCheckpoint({ origin: originOf(alice.peerId), size: 3, root: rootFromLeafHashes(hashes), extensions: [] }, alice), alice.peerId)
    return { peer: alice.peerId, checkpoint, index: 2, leaf: deal, proof: await buildProof(inclusionProofRanges(2, 3), memoryNodeReader(hashes)) }
  }

  it('finds the entry in the bundle, proves it against the signed root, and matches the node\'s copy', async () => {
    const { copy, findings } = await agreementCopyFromBundle(exportOf(bobLeaves), 'deal')
    assert.deepEqual(findings, [])
    assert.equal(copy?.index, 1)
    const r = checkAgreementCopies('deal', [await aliceCopy(), copy as NonNullable<typeof copy>])
    assert.deepEqual(r.findings, [])
    assert.deepEqual(r.parties.sort(), [alice.peerId, bob.peerId].sort())
  })

  it('fails leaves that are not the signed tree as AUDIT_BAD_PROOF, and a missing entry as AUDIT_NOT_INCLUDED', async () => {
    const other = encodeEntry(signedEntry('agreement', testBody('deal', [alice, bob], { createdAt: 9 }), [alice, bob]))
    const forged = await agreementCopyFromBundle(exportOf([bobLeaves[0] as Uint8Array, other], bob, bobLeaves), 'deal')
    assert.deepEqual(codes(checkAgreementCopies('deal', [await aliceCopy(), forged.copy as NonNullable<typeof forged.copy>])), ['AUDIT_BAD_PROOF'])
    const none = await agreementCopyFromBundle(exportOf(bobLeaves), 'nope')
    assert.deepEqual(codes(checkAgreementCopies('nope', [none.copy as NonNullable<typeof none.copy>])), ['AUDIT_NOT_INCLUDED'])
  })

  it('trusts the key of the origin\'s peer id only: another signer, a truncated export, a foreign origin are findings', async () => {
    // Alice signs a checkpoint for Bob's origin and puts her own key in the file: still not Bob's.
    const byAlice = { ...exportOf(bobLeaves, alice), vkey: ledgerVerifierKey(alice.peerId) }
    assert.deepEqual(codes(await agreementCopyFromBundle(byAlice, 'deal')), ['AUDIT_BAD_CHECKPOINT_SIGNATURE'])
    assert.deepEqual(codes(await agreementCopyFromBundle({ ...exportOf(bobLeaves), leaves: [b64(bobLeaves[0] as Uint8Array)] }, 'deal')), ['AUDIT_SIZE_MISMATCH'])
    assert.deepEqual(codes(await agreementCopyFromBundle({ ...exportOf(bobLeaves), origin: 'example.com/log' }, 'deal')), ['AUDIT_WRONG_ORIGIN'])
    await assert.rejects(agreementCopyFromBundle({ leaves: 3 }, 'deal'), (e: unknown) => isFulcrumError(e, 'AUDIT_MALFORMED_BUNDLE'))
  })
})

describe('audit: a bundle streamed, its leaves checked run by run on threads', function () {
  this.timeout(180_000)
  // 37 leaves (not a power of two) in runs of 4: the root is folded from the runs' roots.
  const leaves = Array.from({ length: 37 }, (_, i) => agreementLeaf(`t${i}`, [owner, alice]))
  const badSig = signedEntry('agreement', testBody('t9', [owner, alice]), [owner, alice])
  badSig.sigs[1] = badSig.sigs[0] as Uint8Array
  const damaged = leaves.slice()
  damaged[5] = new TextEncoder().encode('junk')
  damaged[9] = encodeEntry(badSig)
  damaged[30] = agreementLeaf('foreign', [alice, bob])
  damaged[33] = agreementLeaf('t2', [owner, alice])

  /** The bundle's JSON text as bytes, in chunks of `size`. */
  async function * chunks (b: unknown, size = 97, text = JSON.stringify(b, null, 2)): AsyncGenerator<Uint8Array> {
    const bytes = new TextEncoder().encode(text)
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
  }
  const threads = async (): Promise<{ check: LeafRunChecker, close: () => Promise<void> }> => {
    const { parallelRunChecker } = await import('../../../src/audit/parallel.js')
    return parallelRunChecker({ workers: 2, threshold: 1 })
  }
  const streamed = async (b: unknown, check?: LeafRunChecker, text?: string): Promise<BundleReport> =>
    await auditBundleStream(chunks(b, 97, text), check, { leavesPerRun: 4 })

  it('gives the report of the in-memory audit: honest, damaged, tampered, truncated, empty', async () => {
    const tampered = bundleOf(leaves)
    tampered.leaves[20] = b64(agreementLeaf('t20x', [owner, alice]))
    const truncated = bundleOf(leaves)
    truncated.leaves.pop()
    const pool = await threads()
    try {
      for (const b of [bundleOf(leaves), bundleOf(damaged), tampered, truncated, bundleOf([])]) {
        const want = await auditBundle(b)
        assert.deepEqual(await streamed(b, pool.check), want)
        assert.deepEqual(await streamed(b), want)
      }
      const r = await streamed(bundleOf(damaged), pool.check)
      assert.deepEqual(r.findings.map(f => [f.code, f.index]), [
        ['AUDIT_MALFORMED_ENTRY', 5], ['AUDIT_BAD_ENTRY_SIGNATURE', 9], ['AUDIT_NOT_A_PARTY', 30], ['AUDIT_DUPLICATE_ID', 33]])
      assert.equal(r.findings[1]?.message, `sigs[1]: signature of party ${String(badSig.body.parties[1])} does not verify`)
    } finally {
      await pool.close()
    }
  })

  it('checks runs read before the origin without it, and whether the owner is a party at the end', async () => {
    const { leaves: texts, ...head } = bundleOf(damaged)
    const leavesFirst = JSON.stringify({ leaves: texts, ...head })
    assert.ok(leavesFirst.indexOf('"origin"') > leavesFirst.indexOf('"leaves"'))
    const want = await auditBundle(bundleOf(damaged))
    assert.ok(codes(want).includes('AUDIT_NOT_A_PARTY'))
    const pool = await threads()
    try {
      assert.deepEqual(await streamed(undefined, pool.check, leavesFirst), want)
      assert.deepEqual(await streamed(undefined, undefined, leavesFirst), want)
    } finally {
      await pool.close()
    }
  })

  it('sends threads text only: a leaf nested too deep to copy to a thread is not base64, as in one thread', async () => {
    const b = bundleOf(leaves) as unknown as { leaves: unknown[] }
    b.leaves[6] = 0
    const text = JSON.stringify(b).replace(',0,', `,${'['.repeat(20_000)}${']'.repeat(20_000)},`)
    const pool = await threads()
    try {
      await assert.rejects(streamed(undefined, pool.check, text), (e: unknown) => isFulcrumError(e, 'AUDIT_MALFORMED_BUNDLE') && /leaves\[6\]/.test((e as Error).message))
    } finally {
      await pool.close()
    }
  })

  it('names the first leaf that is not base64, as the in-memory audit does', async () => {
    const b = bundleOf(leaves) as unknown as { leaves: unknown[] }
    b.leaves[26] = 42
    b.leaves[13] = 'AB=A'
    b.leaves[17] = 'QQ=='.replace('Q==', 'R==') // non-zero padding bits: not the canonical encoding
    const pool = await threads()
    try {
      for (const check of [pool.check, undefined]) {
        await assert.rejects(streamed(b, check), (e: unknown) => isFulcrumError(e, 'AUDIT_MALFORMED_BUNDLE') && /leaves\[13\]/.test((e as Error).message))
      }
      b.leaves[13] = b64(leaves[13] as Uint8Array)
      await assert.rejects(streamed(b, pool.check), (e: unknown) => /leaves\[17\]/.test((e as Error).message))
      await assert.rejects(auditBundle(b), (e: unknown) => /leaves\[17\]/.test((e as Error).message))
    } finally {
      await pool.close()
    }
  })

  it('refuses text that is not one JSON object as JSON.parse would (SyntaxError), and a shape that is no bundle as a malformed bundle', async () => {
    const text = JSON.stringify(bundleOf(leaves))
    for (const bad of [text.slice(0, -1), text + 'x', text.replace('"leaves":[', '"leaves":[,'), text.replace('{', '{"origin":"o",')]) {
      await assert.rejects(streamed(undefined, undefined, bad), SyntaxError)
    }
    for (const shape of ['[]', 'null', '{"origin":"o","vkey":"k","checkpoint":"c"}', '{"origin":"o","vkey":"k","checkpoint":"c","leaves":{}}', '{"origin":1,"vkey":"k","checkpoint":"c","leaves":[]}']) {
      await assert.rejects(streamed(undefined, undefined, shape), (e: unknown) => isFulcrumError(e, 'AUDIT_MALFORMED_BUNDLE'), shape)
    }
  })

  for (const order of ['origin first', 'leaves first'] as const) it(`stops reading while MAX_RUNS_IN_FLIGHT runs wait to be checked, and goes on as they are (${order})`, async () => {
    const b = bundleOf(Array.from({ length: 100 }, (_, i) => agreementLeaf(`r${i}`, [owner, alice])))
    const { leaves: texts, ...head } = b
    const bytes = new TextEncoder().encode(JSON.stringify(order === 'origin first' ? b : { leaves: texts, ...head }))
    let pulled = 0
    async function * slow (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 64) { pulled = i + 64; yield bytes.subarray(i, i + 64) }
    }
    const waiting: Array<() => void> = []
    const gated: LeafRunChecker = async (texts, offset, o) => {
      await new Promise<void>(resolve => waiting.push(resolve))
      return checkLeafTexts(texts, offset, o)
    }
    const audit = auditBundleStream(slow(), gated, { leavesPerRun: 2 })
    const stalled = async (): Promise<void> => { for (let i = 0; i < 50; i++) await new Promise(resolve => setImmediate(resolve)) }
    await stalled()
    assert.equal(waiting.length, MAX_RUNS_IN_FLIGHT)
    const readSoFar = pulled
    assert.ok(readSoFar < bytes.length / 2, `read ${readSoFar} of ${bytes.length} bytes`)
    waiting.shift()?.()
    await stalled()
    assert.equal(waiting.length, MAX_RUNS_IN_FLIGHT) // one more run taken in as one was checked
    assert.ok(pulled > readSoFar)
    const release = setInterval(() => { for (const w of waiting.splice(0)) w() }, 0)
    try {
      assert.deepEqual(await audit, await auditBundle(b))
    } finally {
      clearInterval(release)
    }
  })
})
