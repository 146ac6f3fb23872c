import { strict as assert } from 'node:assert'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import {
  cosignerVerifierKey, decodeEntry, encodeEntry, openNodeCheckpoint, parseNote, verifyConsistency, verifyCosignature,
  verifyEntrySignatures, verifyEvidence, verifyInclusion
} from '../../../src/ledger/index.js'
import { ledgerVectors } from './ledger-vectors.js'

const path = fileURLToPath(new URL('../../../protocols/vectors/ledger-v1.json', import.meta.url))
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))

/** The parts of the vectors file this test reads. */
interface VectorsFile {
  keys: { provider: { peerId: string }, witness: { peerId: string } }
  entries: Array<{ leaf: string, leafHash: string }>
  tree: { inclusion: { proof: string[] }, consistency: { root1: string, proof: string[] } }
  checkpoint: { cosignedNote: string, cosignatureTime: number }
  evidence: unknown
}

describe('ledger: protocols/vectors/ledger-v1.json', () => {
  it('is exactly what the implementation produces', async () => {
    const fresh = JSON.parse(JSON.stringify(await ledgerVectors())) as unknown
    if (process.env.UPDATE_VECTORS === '1') await writeFile(path, JSON.stringify(fresh, null, 2) + '\n')
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), fresh)
  })

  it('verifies from the file alone: leaves, signatures, checkpoint, cosignature, proofs, evidence', async () => {
    const v = JSON.parse(await readFile(path, 'utf8')) as VectorsFile
    for (const e of v.entries) {
      const entry = decodeEntry(new Uint8Array(Buffer.from(e.leaf, 'hex')))
      verifyEntrySignatures(entry)
      assert.equal(Buffer.from(encodeEntry(entry)).toString('hex'), e.leaf)
    }
    const cp = openNodeCheckpoint(v.checkpoint.cosignedNote, v.keys.provider.peerId)
    assert.equal(verifyCosignature(parseNote(v.checkpoint.cosignedNote), cosignerVerifierKey(v.keys.witness.peerId)).time, v.checkpoint.cosignatureTime)
    const leaf1 = new Uint8Array(Buffer.from(v.entries[1]?.leafHash ?? '', 'hex'))
    assert.ok(verifyInclusion(leaf1, 1, 3, v.tree.inclusion.proof.map(b), cp.checkpoint.root))
    assert.ok(verifyConsistency(2, 3, v.tree.consistency.proof.map(b), b(v.tree.consistency.root1), cp.checkpoint.root))
    assert.equal(verifyEvidence(v.evidence).kind, 'split-view')
  })
})
