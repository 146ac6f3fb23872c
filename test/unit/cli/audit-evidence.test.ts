import { strict as assert } from 'node:assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkUpdate } from '../../../src/audit/index.js'
import type { UpdateResult } from '../../../src/audit/index.js'
import {
  buildProof, consistencyProofRanges, leafHash, ledgerVerifierKey, memoryNodeReader, openNodeCheckpoint, originOf,
  rootFromLeafHashes, signCheckpoint
} from '../../../src/ledger/index.js'
import type { Evidence } from '../../../src/ledger/index.js'
import { cli } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'
import { testIdentity } from '../ledger/fixtures.js'

const owner = testIdentity(40)
const vkey = ledgerVerifierKey(owner.peerId)
const origin = originOf(owner.peerId)
const hashes = Array.from({ length: 9 }, (_, i) => leafHash(Uint8Array.of(i)))
const forked = hashes.map((h, i) => i === 2 ? leafHash(Uint8Array.of(99)) : h)
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const cp = (leaves: Uint8Array[], size: number): ReturnType<typeof openNodeCheckpoint> =>
  openNodeCheckpoint(signCheckpoint({ origin, size, root: rootFromLeafHashes(leaves.slice(0, size)), extensions: [] }, owner), owner.peerId)

/** The evidence of an update that the audit checks (src/audit/updates.ts) find to be misbehaviour. */
function evidenceOf (r: UpdateResult): Evidence {
  assert.ok(!r.ok && r.evidence !== undefined)
  return r.evidence
}

interface Valid { ok: true, conclusive: boolean, kind: string, origin: string, peer: string, checkpoints: Array<{ size: number, root: string }>, proofHashes?: number, proves: string }
interface Invalid { ok: false, code: string, cause?: string }

describe('fulcrum audit evidence', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const write = async (name: string, content: unknown): Promise<string> => {
    const path = join(dir.path, name)
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n')
    return path
  }
  let split: Evidence, rollback: Evidence, fork: Evidence
  before(async () => {
    dir = await tempDir()
    split = evidenceOf(checkUpdate(vkey, cp(hashes, 5), cp(forked, 5), undefined))
    // The log went back to a tree of 3 that is not a prefix of the 6 it signed: the proof it serves fails.
    const backProof = await buildProof(consistencyProofRanges(3, 6), memoryNodeReader(forked))
    rollback = evidenceOf(checkUpdate(vkey, cp(hashes, 6), cp(forked, 3), backProof, { by: testIdentity(41).peerId, at: 1_790_000_000_000 }))
    const forkProof = await buildProof(consistencyProofRanges(4, 9), memoryNodeReader(forked))
    fork = evidenceOf(checkUpdate(vkey, cp(hashes, 4), cp(forked, 9), forkProof))
  })
  after(async () => { await dir.cleanup() })

  it('accepts a split view (exit 0) and names the node, the kind, both sizes and roots', async () => {
    const file = await write('split.json', split)
    const r = await cli(['audit', 'evidence', file, '--json'])
    assert.equal(r.code, 0, r.err)
    const out = JSON.parse(r.out) as Valid
    assert.equal(out.ok, true)
    assert.equal(out.kind, 'split-view')
    assert.equal(out.origin, origin)
    assert.equal(out.peer, owner.peerId)
    assert.equal(out.conclusive, true)
    assert.deepEqual(out.checkpoints, [{ size: 5, root: b64(rootFromLeafHashes(hashes.slice(0, 5))) }, { size: 5, root: b64(rootFromLeafHashes(forked.slice(0, 5))) }])
    const text = await cli(['audit', 'evidence', file])
    assert.equal(text.code, 0)
    assert.ok(text.out.includes(owner.peerId) && text.out.includes('split-view') && text.out.includes(b64(rootFromLeafHashes(forked.slice(0, 5)))))
  })

  it('accepts a rollback (exit 0) with its sizes and the observer', async () => {
    const r = await cli(['audit', 'evidence', await write('rollback.json', rollback), '--json'])
    assert.equal(r.code, 0, r.err)
    const out = JSON.parse(r.out) as Valid & { observedBy: string, observedAt: number }
    assert.equal(out.kind, 'rollback')
    assert.deepEqual(out.checkpoints.map(c => c.size), [6, 3])
    assert.equal(out.observedBy, testIdentity(41).peerId)
    assert.equal(out.observedAt, 1_790_000_000_000)
    assert.equal(out.conclusive, false)
  })

  it('refuses a "rollback" made of a checkpoint and an older one consistent with it (a replay), with or without a proof (exit 1)', async () => {
    const honest = await buildProof(consistencyProofRanges(3, 6), memoryNodeReader(hashes))
    const replayed = { ...rollback, checkpoints: [cp(hashes, 6).text, cp(hashes, 3).text] }
    for (const [name, ev] of [['replay-no-proof.json', { ...replayed, proof: undefined }], ['replay-proof.json', { ...replayed, proof: honest.map(b64) }]] as const) {
      const r = await cli(['audit', 'evidence', await write(name, ev), '--json'])
      assert.equal(r.code, 1, r.out)
      assert.equal((JSON.parse(r.out) as Invalid).code, 'LEDGER_BAD_EVIDENCE')
    }
  })

  it('accepts a fork (inconsistent, exit 0) and counts the failing proof it holds', async () => {
    const r = await cli(['audit', 'evidence', await write('fork.json', fork), '--json'])
    assert.equal(r.code, 0, r.err)
    const out = JSON.parse(r.out) as Valid
    assert.equal(out.kind, 'inconsistent')
    assert.deepEqual(out.checkpoints.map(c => c.size), [4, 9])
    assert.equal(out.proofHashes, fork.proof?.length)
    assert.equal(out.conclusive, false)
    assert.equal((await cli(['audit', 'evidence', join(dir.path, 'fork.json')])).code, 0)
  })

  it('refuses a tampered signature (exit 1, LEDGER_BAD_EVIDENCE caused by LEDGER_BAD_SIGNATURE)', async () => {
    const [first, second] = split.checkpoints
    const sig = second.slice(second.lastIndexOf(' ') + 1).trim()
    const bad = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11)
    const tampered = { ...split, checkpoints: [first, second.replace(sig, bad)] }
    const r = await cli(['audit', 'evidence', await write('tampered.json', tampered), '--json'])
    assert.equal(r.code, 1, r.err)
    const out = JSON.parse(r.out) as Invalid
    assert.equal(out.ok, false)
    assert.equal(out.code, 'LEDGER_BAD_EVIDENCE')
    assert.equal(out.cause, 'LEDGER_BAD_SIGNATURE')
    const text = await cli(['audit', 'evidence', join(dir.path, 'tampered.json')])
    assert.equal(text.code, 1)
    assert.ok(text.out.includes('LEDGER_BAD_EVIDENCE'))
  })

  it('refuses two checkpoints that show no misbehaviour (exit 1)', async () => {
    // The same pair as the fork, but the log's honest proof: it verifies, so nothing is shown.
    const proof = await buildProof(consistencyProofRanges(4, 9), memoryNodeReader(hashes))
    const honest = { ...fork, checkpoints: [fork.checkpoints[0], cp(hashes, 9).text], proof: proof.map(b64) }
    const r = await cli(['audit', 'evidence', await write('honest.json', honest), '--json'])
    assert.equal(r.code, 1, r.err)
    assert.equal((JSON.parse(r.out) as Invalid).code, 'LEDGER_BAD_EVIDENCE')
    const same = { ...split, checkpoints: [split.checkpoints[0], split.checkpoints[0]] }
    assert.equal((await cli(['audit', 'evidence', await write('same.json', same)])).code, 1)
    const notEvidence = await cli(['audit', 'evidence', await write('other.json', { hello: 'world' }), '--json'])
    assert.equal(notEvidence.code, 1)
    assert.equal((JSON.parse(notEvidence.out) as Invalid).code, 'LEDGER_BAD_EVIDENCE')
  })

  it('exits 2 for a file that is not JSON, too large or missing, and for a missing argument', async () => {
    const bad = await cli(['audit', 'evidence', await write('broken.json', '{ "type": ')])
    assert.equal(bad.code, 2)
    assert.ok(bad.err.includes('INPUT_BAD_JSON'))
    const big = await cli(['audit', 'evidence', await write('big.json', JSON.stringify({ pad: 'x'.repeat(100 * 1024) }))])
    assert.equal(big.code, 2)
    assert.ok(big.err.includes('INPUT_TOO_LARGE'))
    const missing = await cli(['audit', 'evidence', join(dir.path, 'nope.json')])
    assert.equal(missing.code, 2)
    assert.ok(missing.err.includes('INPUT_UNREADABLE'))
    assert.equal((await cli(['audit', 'evidence'])).code, 2)
  })
})
