import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isFulcrumError } from '../../../src/errors/index.js'
import { buildProof, encodeEntry, inclusionProofRanges, leafHash, memoryNodeReader, originOf, rootFromLeafHashes, signCheckpoint } from '../../../src/ledger/index.js'
import { FileStateStore, Witness } from '../../../src/ledger-protocol/index.js'
import { createIdentity } from '../../../src/identity/index.js'
import type { Identity } from '../../../src/identity/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { signedEntry, testBody, testIdentity } from '../ledger/fixtures.js'

const me = testIdentity(80)
const noProof = async (): Promise<Uint8Array[]> => { throw new Error('no proof expected') }
const root = (a: number, b = 0): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (a + b * 7 + i) & 0xff)
const note = (id: Identity, size: number, r: Uint8Array): string => signCheckpoint({ origin: originOf(id.peerId), size, root: r, extensions: [] }, id)
const code = (c: string) => (e: unknown): boolean => isFulcrumError(e, c)

async function filesIn (dir: string): Promise<{ count: number, bytes: number }> {
  let names: string[] = []
  try { names = await readdir(dir) } catch { return { count: 0, bytes: 0 } }
  let bytes = 0
  for (const n of names) bytes += (await stat(join(dir, n))).size
  return { count: names.length, bytes }
}

describe('ledger-protocol: witness bounds (attacks)', function () {
  this.timeout(60_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  it('one log showing 1,000 split views makes at most maxEvidencePerLog files, one per (kind, sizes)', async () => {
    const evil = testIdentity(81)
    const store = new FileStateStore(tmp.path, { maxLogs: 10, maxEvidencePerLog: 16, maxEvidence: 100 })
    const witness = new Witness(store, me, () => 1, { follows: () => true })
    assert.equal((await witness.observe(evil.peerId, note(evil, 7, root(7)), noProof)).status, 'first')
    let violations = 0
    let written = 0
    for (let i = 0; i < 1000; i++) {
      // 500 other roots for size 7 (split views: one file), then 500 larger trees whose proofs fail (one file per size pair, capped).
      const text = note(evil, i < 500 ? 7 : i, new Uint8Array(randomBytes(32)))
      const seen = await witness.observe(evil.peerId, text, async () => [root(0)])
      if (seen.status === 'violation') { violations++; if (seen.evidencePath !== undefined) written++ }
    }
    const files = await filesIn(join(tmp.path, 'evidence'))
    assert.equal(violations, 1000)
    assert.equal(files.count, 16)
    assert.equal(written, 16)
    assert.equal((await readdir(join(tmp.path, 'evidence'))).filter(n => n.includes('split-view')).length, 1)
    assert.ok(files.bytes < 16 * 2048, `evidence files are small (${files.bytes} bytes)`)
  })

  it('caps evidence in total across logs', async () => {
    const store = new FileStateStore(tmp.path, { maxLogs: 100, maxEvidencePerLog: 16, maxEvidence: 5 })
    const witness = new Witness(store, me, () => 1, { follows: () => true })
    for (let i = 0; i < 20; i++) {
      const log = testIdentity(200 + i)
      await witness.observe(log.peerId, note(log, 3, root(1)), noProof)
      await witness.observe(log.peerId, note(log, 3, root(2)), noProof)
    }
    assert.equal((await filesIn(join(tmp.path, 'evidence'))).count, 5)
  })

  it('300 throwaway identities: no cosignature and no state for logs it does not follow; within maxLogs for those it does', async () => {
    const strict = new Witness(new FileStateStore(join(tmp.path, 'strict')), me, () => 1, { follows: () => false })
    const open = new Witness(new FileStateStore(join(tmp.path, 'open'), { maxLogs: 50, maxEvidencePerLog: 1, maxEvidence: 1 }), me, () => 1, { follows: () => true })
    let refused = 0
    let full = 0
    for (let i = 0; i < 300; i++) {
      const id = createIdentity()
      const text = note(id, 1, root(i))
      await assert.rejects(strict.cosign(id.peerId, text, 0, []), (e: unknown) => { if (code('LEDGER_PROTO_NOT_FOLLOWED')(e)) refused++; return true })
      await assert.rejects(strict.observe(id.peerId, text, noProof), code('LEDGER_PROTO_NOT_FOLLOWED'))
      try { await open.cosign(id.peerId, text, 0, []) } catch (err) { if (code('LEDGER_PROTO_WITNESS_FULL')(err)) full++; else throw err }
    }
    assert.equal(refused, 300)
    assert.equal((await filesIn(join(tmp.path, 'strict', 'peers'))).count, 0)
    assert.equal((await filesIn(join(tmp.path, 'open', 'peers'))).count, 50)
    assert.equal(full, 250)
    // A restarted witness counts the files it holds: the cap still holds.
    const reopened = new Witness(new FileStateStore(join(tmp.path, 'open'), { maxLogs: 50, maxEvidencePerLog: 1, maxEvidence: 1 }), me, () => 1, { follows: () => true })
    const late = createIdentity()
    await assert.rejects(reopened.cosign(late.peerId, note(late, 1, root(1)), 0, []), code('LEDGER_PROTO_WITNESS_FULL'))
  })

  it('cosigns for a log it does not follow yet when the request shows an entry signed by both; not for an entry of others', async () => {
    const requester = testIdentity(82)
    const witness = new Witness(new FileStateStore(tmp.path), me, () => 1_790_000_000_000, { follows: () => false })
    const leaves = [encodeEntry(signedEntry('agreement', testBody('other', [requester, testIdentity(83)]), [requester, testIdentity(83)])),
      encodeEntry(signedEntry('agreement', testBody('ours', [requester, me]), [requester, me]))]
    const hashes = leaves.map(leafHash)
    const text = note(requester, 2, rootFromLeafHashes(hashes))
    const proofOf = async (i: number): Promise<Uint8Array[]> => await buildProof(inclusionProofRanges(i, 2), memoryNodeReader(hashes))
    await assert.rejects(witness.cosign(requester.peerId, text, 0, [], { entry: leaves[0] as Uint8Array, index: 0, proof: await proofOf(0) }), code('LEDGER_PROTO_NOT_FOLLOWED'))
    await assert.rejects(witness.cosign(requester.peerId, text, 0, [], { entry: leaves[1] as Uint8Array, index: 0, proof: await proofOf(1) }), code('LEDGER_PROTO_NOT_FOLLOWED'))
    const sig = await witness.cosign(requester.peerId, text, 0, [], { entry: leaves[1] as Uint8Array, index: 1, proof: await proofOf(1) })
    assert.equal(sig.name, `fulcrum/witness/v1/${me.peerId}`)
    assert.equal(await witness.follows(requester.peerId), true, 'followed from now on (it holds the state)')
  })

  it('an older checkpoint is stale: no proof asked, no evidence, the state stays', async () => {
    const log = testIdentity(84)
    const witness = new Witness(new FileStateStore(tmp.path), me, () => 1, { follows: () => true })
    await witness.observe(log.peerId, note(log, 5, root(5)), noProof)
    const seen = await witness.observe(log.peerId, note(log, 3, root(3)), noProof)
    assert.equal(seen.status, 'stale')
    assert.equal((await witness.latest(log.peerId))?.checkpoint.size, 5)
    assert.equal((await filesIn(join(tmp.path, 'evidence'))).count, 0)
    // The log itself asking to cosign a smaller tree than the witness saw: a conflict, not evidence.
    await assert.rejects(witness.cosign(log.peerId, note(log, 3, root(3)), 5, []), code('LEDGER_PROTO_CONFLICT'))
  })
})
