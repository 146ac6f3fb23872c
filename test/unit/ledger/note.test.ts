import { strict as assert } from 'node:assert'
import { createIdentity } from '../../../src/identity/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import {
  KeyType, cosign, cosignerVerifierKey, cosignerNameOf, formatNote, formatVerifierKey, keyIdOf, ledgerVerifierKey,
  openCheckpoint, openNodeCheckpoint, originOf, parseCheckpoint, parseNote, parseVerifierKey, signCheckpoint, signNoteText,
  verifyCosignature, verifyNote, formatCheckpoint, peerIdOfOrigin
} from '../../../src/ledger/index.js'
import { testIdentity } from './fixtures.js'

const code = (c: string) => (e: unknown): boolean => isFulcrumError(e, c)

// Known answers from golang.org/x/mod/sumdb/note (note_test.go, TestSign / ExampleOpen).
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
const GO_NOTE = GO_TEXT + '\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'
// The example of the C2SP signed-note specification.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'
const SPEC_NOTE = 'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n'

function goSigner (): ReturnType<typeof createIdentity> {
  const material = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64')
  assert.equal(material[0], KeyType.ED25519)
  return createIdentity(new Uint8Array(material.subarray(1)))
}

describe('ledger: C2SP signed notes', () => {
  it('signs byte for byte like golang.org/x/mod/sumdb/note', () => {
    const id = goSigner()
    assert.equal(formatVerifierKey('PeterNeumann', KeyType.ED25519, id.publicKey), GO_VKEY)
    assert.equal(keyIdOf('PeterNeumann', KeyType.ED25519, id.publicKey), 0xc74f20a3)
    const note = formatNote({ text: GO_TEXT, signatures: [signNoteText(GO_TEXT, 'PeterNeumann', id)] })
    assert.equal(note, GO_NOTE)
  })

  it('opens the Go and the C2SP specification examples', () => {
    assert.equal(verifyNote(parseNote(GO_NOTE), parseVerifierKey(GO_VKEY)).name, 'PeterNeumann')
    const spec = parseNote(SPEC_NOTE)
    assert.equal(spec.text, 'This is an example message.\n')
    verifyNote(spec, parseVerifierKey(SPEC_VKEY))
  })

  it('ignores signatures by unknown keys but rejects a bad one by the expected key', () => {
    const withOther = GO_NOTE + '\u2014 other.example/key AAAAAAB0ZXN0\n'
    verifyNote(parseNote(withOther), parseVerifierKey(GO_VKEY))
    const tampered = GO_NOTE.replace('x08go', 'x08gp')
    assert.throws(() => verifyNote(parseNote(tampered), parseVerifierKey(GO_VKEY)), code('LEDGER_BAD_SIGNATURE'))
    assert.throws(() => verifyNote(parseNote(SPEC_NOTE), parseVerifierKey(GO_VKEY)), code('LEDGER_BAD_SIGNATURE'))
    const otherText = GO_NOTE.replace('problem,', 'problem;')
    assert.throws(() => verifyNote(parseNote(otherText), parseVerifierKey(GO_VKEY)), code('LEDGER_BAD_SIGNATURE'))
  })

  it('rejects malformed notes with LEDGER_MALFORMED_NOTE', () => {
    const bad = [
      GO_TEXT, // no signatures
      GO_NOTE.slice(0, -1), // no final newline
      GO_NOTE.replace('\u2014 ', '- '), // not an em dash
      GO_NOTE.replace('x08go/', 'x08go!'), // not base64
      'text\u0007\n\n' + GO_NOTE.split('\n\n')[1], // control character
      GO_TEXT + '\n' + '\u2014 PeterNeumann AAAA\n', // signature shorter than a key id + 1 byte
      GO_TEXT + '\n' + '\u2014 a+b x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
      GO_TEXT + '\n' + '\u2014 PeterNeumann AAAAAAB0ZXN0\n'.repeat(101)
    ]
    for (const b of bad) assert.throws(() => parseNote(b), code('LEDGER_MALFORMED_NOTE'), JSON.stringify(b.slice(0, 60)))
    assert.throws(() => parseNote(new Uint8Array([0xff, 0x0a, 0x0a])), code('LEDGER_MALFORMED_NOTE'))
  })

  it('rejects malformed verifier keys with LEDGER_MALFORMED_VKEY', () => {
    for (const v of ['PeterNeumann+c74f20a3', 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', '+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW']) {
      assert.throws(() => parseVerifierKey(v), code('LEDGER_MALFORMED_VKEY'), v)
    }
  })
})

describe('ledger: C2SP checkpoints and cosignatures', () => {
  const log = testIdentity(1)
  const witness = testIdentity(2)
  const root = new Uint8Array(32).fill(7)

  it('signs a checkpoint under an origin unique to the node, verifiable from the peer id alone', () => {
    const origin = originOf(log.peerId)
    assert.equal(origin, `fulcrum/ledger/v1/${log.peerId}`)
    assert.equal(peerIdOfOrigin(origin), log.peerId)
    const note = signCheckpoint({ origin, size: 12, root, extensions: [] }, log)
    assert.ok(note.startsWith(`${origin}\n12\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u2014 ${origin} `))
    const opened = openNodeCheckpoint(note, log.peerId)
    assert.equal(opened.checkpoint.size, 12)
    assert.deepEqual(opened.checkpoint.root, root)
    assert.equal(parseVerifierKey(ledgerVerifierKey(log.peerId)).name, origin)
    assert.throws(() => openNodeCheckpoint(note, witness.peerId), code('LEDGER_WRONG_ORIGIN'))
  })

  it('rejects malformed checkpoint bodies with LEDGER_MALFORMED_CHECKPOINT', () => {
    const good = formatCheckpoint({ origin: 'o', size: 3, root, extensions: ['x'] })
    assert.deepEqual(parseCheckpoint(good).extensions, ['x'])
    for (const b of ['o\n3\n', 'o\n03\n' + good.split('\n')[2] + '\n', 'o\n-3\n' + good.split('\n')[2] + '\n',
      'o\n3\nAAAA\n', 'o\n99999999999999999999\n' + good.split('\n')[2] + '\n', 'o\n3\n' + good.split('\n')[2], good + '\n']) {
      assert.throws(() => parseCheckpoint(b), code('LEDGER_MALFORMED_CHECKPOINT'), JSON.stringify(b))
    }
  })

  it('adds a tlog-cosignature/v1 that verifies, keeps the log signature valid, and binds time and body', () => {
    const note = signCheckpoint({ origin: originOf(log.peerId), size: 5, root, extensions: [] }, log)
    const parsed = parseNote(note)
    const sig = cosign(parsed.text, cosignerNameOf(witness.peerId), witness, 1_790_000_000)
    const cosigned = formatNote({ text: parsed.text, signatures: [...parsed.signatures, sig] })
    const opened = openNodeCheckpoint(cosigned, log.peerId)
    const cs = verifyCosignature(opened.note, cosignerVerifierKey(witness.peerId))
    assert.equal(cs.time, 1_790_000_000)
    assert.equal(parseVerifierKey(cosignerVerifierKey(witness.peerId)).type, KeyType.COSIGNATURE_V1)
    const moved = { ...parsed, signatures: [...parsed.signatures, { ...sig, signature: sig.signature.slice() }] }
    const moving = moved.signatures[1]?.signature as Uint8Array
    moving[7] = (moving[7] as number) ^ 1 // a different time
    assert.throws(() => verifyCosignature(moved, cosignerVerifierKey(witness.peerId)), code('LEDGER_BAD_COSIGNATURE'))
    assert.throws(() => verifyCosignature(parsed, cosignerVerifierKey(witness.peerId)), code('LEDGER_BAD_COSIGNATURE'))
    // The log key cannot pass for the cosigner key (type 0x04 changes the key id).
    assert.throws(() => verifyCosignature(parseNote(cosigned), cosignerVerifierKey(log.peerId)), code('LEDGER_BAD_COSIGNATURE'))
    assert.throws(() => openCheckpoint(cosigned, cosignerVerifierKey(witness.peerId)), code('LEDGER_WRONG_ORIGIN'))
  })
})
