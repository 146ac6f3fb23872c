import { strict as assert } from 'node:assert'
import { isFulcrumError } from '../../../src/errors/index.js'
import { encodeCanonical } from '../../../src/encoding/index.js'
import {
  bodyHash, decodeEntry, encodeEntry, entrySigningBytes, makeEvidence, openNodeCheckpoint, originOf, signCheckpoint,
  verifyEntrySignatures, verifyEvidence, ledgerVerifierKey, leafHash, rootFromLeafHashes, buildProof, consistencyProofRanges,
  memoryNodeReader, formatVerifierKey, KeyType, cosign, cosignerNameOf, formatNote
} from '../../../src/ledger/index.js'
import type { EntryBody } from '../../../src/ledger/index.js'
import { signedEntry, testBody, testIdentity } from './fixtures.js'

const code = (c: string) => (e: unknown): boolean => isFulcrumError(e, c)
const [alice, bob, carol] = [testIdentity(1), testIdentity(2), testIdentity(3)]

describe('ledger: entries', () => {
  const body = testBody('agr-1', [alice, bob])

  it('round-trips a signed agreement canonically and verifies every party signature', () => {
    const entry = signedEntry('agreement', body, [alice, bob])
    const leaf = encodeEntry(entry)
    const back = decodeEntry(leaf)
    assert.deepEqual(encodeEntry(back), leaf)
    verifyEntrySignatures(back)
  })

  it('signs with a domain tag per type: an agreement signature does not verify as a termination', () => {
    const a = entrySigningBytes('agreement', body)
    assert.equal(new TextDecoder().decode(a.subarray(0, 27)), 'fulcrum/ledger/agreement/v1')
    const term: EntryBody = { id: 'end-1', agreement: 'agr-1', parties: body.parties, createdAt: 1, reason: 'done' }
    const sigs = signedEntry('agreement', body, [alice, bob]).sigs
    assert.throws(() => verifyEntrySignatures({ type: 'termination', body: term, sigs }), code('LEDGER_BAD_ENTRY_SIGNATURE'))
    verifyEntrySignatures(signedEntry('termination', term, [alice, bob]))
    assert.notDeepEqual(bodyHash('agreement', body), bodyHash('amendment', { ...body, agreement: 'agr-0' }))
  })

  it('names the party whose signature is missing or wrong', () => {
    const entry = signedEntry('agreement', body, [alice, bob])
    const swapped = { ...entry, sigs: [entry.sigs[1] as Uint8Array, entry.sigs[0] as Uint8Array] }
    assert.throws(() => verifyEntrySignatures(swapped), (e: unknown) => isFulcrumError(e, 'LEDGER_BAD_ENTRY_SIGNATURE') && e.path === 'sigs[0]')
    const other = { ...entry, body: { ...body, createdAt: body.createdAt + 1 } }
    assert.throws(() => verifyEntrySignatures(other), code('LEDGER_BAD_ENTRY_SIGNATURE'))
  })

  it('rejects malformed entries with LEDGER_MALFORMED_ENTRY', () => {
    const entry = signedEntry('agreement', body, [alice, bob])
    const cases: Array<[string, unknown]> = [
      ['unsorted parties', { ...entry, body: { ...body, parties: [...body.parties].reverse() } }],
      ['one party', { ...entry, body: { ...body, parties: [alice.peerId] }, sigs: [entry.sigs[0]] }],
      ['duplicate party', { ...entry, body: { ...body, parties: [alice.peerId, alice.peerId] } }],
      ['bad id', { ...entry, body: { ...body, id: 'has space' } }],
      ['unknown field', { ...entry, body: { ...body, extra: 1 } }],
      ['agreement with agreement field', { ...entry, body: { ...body, agreement: 'x' } }],
      ['amendment without agreement', { ...entry, type: 'amendment' }],
      ['missing signature', { ...entry, sigs: [entry.sigs[0]] }],
      ['short signature', { ...entry, sigs: [entry.sigs[0], new Uint8Array(63)] }],
      ['unknown type', { ...entry, type: 'order' }],
      ['negative time', { ...entry, body: { ...body, createdAt: -1 } }]
    ]
    for (const [name, e] of cases) assert.throws(() => encodeEntry(e as never), code('LEDGER_MALFORMED_ENTRY'), name)
    const leaf = encodeEntry(entry)
    assert.throws(() => decodeEntry(leaf.subarray(0, leaf.length - 1)), code('LEDGER_MALFORMED_ENTRY'))
    assert.throws(() => decodeEntry(encodeCanonical({ v: 2, type: 'agreement', body: body as never, sigs: entry.sigs })), code('LEDGER_MALFORMED_ENTRY'))
    assert.throws(() => decodeEntry(encodeCanonical({ v: 1, type: 'agreement', body: body as never, sigs: entry.sigs, x: 1 })), code('LEDGER_MALFORMED_ENTRY'))
  })
})

describe('ledger: evidence', () => {
  const vkey = ledgerVerifierKey(carol.peerId)
  const origin = originOf(carol.peerId)
  const leaves = [1, 2, 3, 4, 5].map(i => leafHash(Uint8Array.of(i)))
  const forked = [1, 2, 9, 4, 5].map(i => leafHash(Uint8Array.of(i)))
  const cp = (hashes: Uint8Array[]): ReturnType<typeof openNodeCheckpoint> =>
    openNodeCheckpoint(signCheckpoint({ origin, size: hashes.length, root: rootFromLeafHashes(hashes), extensions: [] }, carol), carol.peerId)

  it('a split view (same size, two roots) is conclusive evidence', () => {
    const ev = JSON.parse(JSON.stringify(makeEvidence('split-view', vkey, cp(leaves), cp(forked)))) as unknown
    const roots = [rootFromLeafHashes(leaves), rootFromLeafHashes(forked)].map(r => Buffer.from(r).toString('base64'))
    assert.deepEqual(verifyEvidence(ev), { kind: 'split-view', origin, peerId: carol.peerId, sizes: [5, 5], roots })
    assert.throws(() => verifyEvidence(makeEvidence('split-view', vkey, cp(leaves), cp(leaves))), code('LEDGER_BAD_EVIDENCE'))
  })

  it('an inconsistency needs a failing proof, and is refused when the proof verifies', async () => {
    const proof = await buildProof(consistencyProofRanges(3, 5), memoryNodeReader(leaves))
    assert.throws(() => verifyEvidence(makeEvidence('inconsistent', vkey, cp(leaves.slice(0, 3)), cp(leaves), { proof })), code('LEDGER_BAD_EVIDENCE'))
    const forkProof = await buildProof(consistencyProofRanges(3, 5), memoryNodeReader(forked))
    assert.equal(verifyEvidence(makeEvidence('inconsistent', vkey, cp(leaves.slice(0, 3)), cp(forked), { proof: forkProof })).kind, 'inconsistent')
  })

  it('refuses a rollback made of a checkpoint and an older one consistent with it; accepts one whose proof fails', async () => {
    const honest = await buildProof(consistencyProofRanges(2, 5), memoryNodeReader(leaves))
    assert.throws(() => verifyEvidence(makeEvidence('rollback', vkey, cp(leaves), cp(leaves.slice(0, 2)))), code('LEDGER_BAD_EVIDENCE'))
    assert.throws(() => verifyEvidence(makeEvidence('rollback', vkey, cp(leaves), cp(leaves.slice(0, 2)), { proof: honest })), code('LEDGER_BAD_EVIDENCE'))
    const forkProof = await buildProof(consistencyProofRanges(3, 5), memoryNodeReader(forked))
    assert.equal(verifyEvidence(makeEvidence('rollback', vkey, cp(leaves), cp(forked.slice(0, 3)), { proof: forkProof })).kind, 'rollback')
  })

  it('keeps only the log\'s own signature lines in evidence (cosignatures prove nothing about the log)', () => {
    const plain = cp(leaves)
    const witnesses = [testIdentity(60), testIdentity(61)]
    const cosigs = witnesses.map(w => cosign(plain.note.text, cosignerNameOf(w.peerId), w, 1_790_000_000))
    const fat = openNodeCheckpoint(formatNote({ text: plain.note.text, signatures: [...plain.note.signatures, ...cosigs] }), carol.peerId)
    assert.ok(fat.text.length > plain.text.length)
    const ev = makeEvidence('split-view', vkey, fat, cp(forked))
    assert.equal(ev.checkpoints[0], plain.text)
    assert.equal(verifyEvidence(ev).kind, 'split-view')
  })

  it('rejects evidence whose checkpoints are not signed by the log', async () => {
    const proof = await buildProof(consistencyProofRanges(3, 5), memoryNodeReader(forked))
    const ev = makeEvidence('rollback', vkey, cp(leaves), cp(forked.slice(0, 3)), { proof })
    assert.equal(verifyEvidence(ev).kind, 'rollback')
    const forged = { ...ev, checkpoints: [ev.checkpoints[0], ev.checkpoints[1].replace(/\n3\n/, '\n2\n')] }
    assert.throws(() => verifyEvidence(forged), code('LEDGER_BAD_EVIDENCE'))
    assert.throws(() => verifyEvidence({ ...ev, vkey: ledgerVerifierKey(alice.peerId) }), code('LEDGER_BAD_EVIDENCE'))
    assert.throws(() => verifyEvidence({ ...ev, type: 'x' }), code('LEDGER_BAD_EVIDENCE'))
  })

  it('refuses evidence about a node signed by another key named after it', () => {
    // Mallory signs checkpoints under carol's origin with his own key: his vkey verifies them,
    // but the origin names carol, whose key is derived from her peer id.
    const mallory = testIdentity(4)
    const forge = (hashes: Uint8Array[]): string => signCheckpoint({ origin, size: hashes.length, root: rootFromLeafHashes(hashes), extensions: [] }, mallory)
    const fakeVkey = formatVerifierKey(origin, KeyType.ED25519, mallory.publicKey)
    const ev = { type: 'fulcrum-ledger-evidence/v1', kind: 'split-view', vkey: fakeVkey, checkpoints: [forge(leaves), forge(forked)] }
    assert.throws(() => verifyEvidence(ev), code('LEDGER_BAD_EVIDENCE'))
  })
})
