import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { buildVectors, VECTORS_PATH } from '../../../scripts/vectors/order-v1.js'
import { createIdentity, publicKeyFromPeerId, verify } from '../../../src/identity/index.js'
import { base32 } from 'multiformats/bases/base32'
import { decodeEntry, sha256, verifyEntrySignatures } from '../../../src/ledger/index.js'
import { encodeRecord, sha256 as offerSha256, decodeRecord } from '../../../src/offers/index.js'
import { decodeOrderMessage, ed25519Verifier, encodeOrderMessage, messageSigningBytes, parseTerms, terminationId, verifyCertificate, verifyMessage } from '../../../src/orders/index.js'

interface VectorFile {
  customer: { seed: string, peerId: string }
  providers: Array<{ seed: string, peerId: string }>
  offerRecords: string[]
  agreement: { body: unknown, signingBytes: string, bodyHash: string, signatures: Record<string, string>, entry: string }
  termination: { idInput: string, body: { id: string, agreement: string, createdAt: number, effectiveAt: number }, signingBytes: string, signatures: Record<string, string>, entry: string }
  messages: Array<{ kind: string, body: unknown, signingBytes: string, signature: string, wire: string }>
  invalid: Array<{ name: string, wire: string, code: string, path: string }>
}
const file = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as VectorFile
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const latin1 = (h: string): string => Buffer.from(h, 'hex').toString('latin1')

describe('order-v1 known-answer vectors (protocols/vectors/order-v1.json)', () => {
  it('the code reproduces the vector file byte for byte', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(buildVectors())), file)
  })

  it('derives the parties from their fixed seeds', () => {
    for (const p of [file.customer, ...file.providers]) assert.equal(createIdentity(bytes(p.seed)).peerId, p.peerId)
  })

  it('names each item\'s offer by the SHA-256 of its encoded record', () => {
    const entry = decodeEntry(bytes(file.agreement.entry))
    const terms = parseTerms(entry.body)
    file.offerRecords.forEach((r, i) => {
      assert.equal(hex(encodeRecord(decodeRecord(bytes(r)))), r)
      assert.deepEqual(terms.items[i]!.offer.hash, offerSha256(bytes(r)))
    })
  })

  it('builds the agreement signing bytes, every party\'s signature and the complete entry', () => {
    assert.ok(latin1(file.agreement.signingBytes).startsWith('fulcrum/ledger/agreement/v1\0'))
    assert.equal(hex(sha256(bytes(file.agreement.signingBytes))), file.agreement.bodyHash)
    for (const [peer, sig] of Object.entries(file.agreement.signatures)) {
      assert.ok(verify(publicKeyFromPeerId(peer), bytes(file.agreement.signingBytes), bytes(sig)))
    }
    verifyCertificate(decodeEntry(bytes(file.agreement.entry)), ed25519Verifier)
  })

  it('derives the termination id, builds its signing bytes and the complete termination entry, signed by every party', () => {
    const t = file.termination
    assert.equal(t.body.id, `term-${base32.baseEncode(sha256(new TextEncoder().encode(t.idInput))).slice(0, 26)}`)
    assert.equal(t.body.id, terminationId(t.body.agreement, file.customer.peerId))
    assert.equal(t.body.effectiveAt - t.body.createdAt, 30 * 86_400_000)
    assert.ok(latin1(t.signingBytes).startsWith('fulcrum/ledger/termination/v1\0'))
    for (const [peer, sig] of Object.entries(t.signatures)) assert.ok(verify(publicKeyFromPeerId(peer), bytes(t.signingBytes), bytes(sig)))
    const entry = decodeEntry(bytes(t.entry))
    assert.equal(entry.type, 'termination')
    verifyEntrySignatures(entry)
  })

  for (const v of file.messages) {
    it(`decodes, verifies and re-encodes the ${v.kind} message; its signing bytes carry fulcrum/order/${v.kind}/v1`, () => {
      const m = decodeOrderMessage(bytes(v.wire))
      assert.equal(m.kind, v.kind)
      assert.equal(hex(messageSigningBytes(m.kind, m.body as never)), v.signingBytes)
      assert.ok(latin1(v.signingBytes).startsWith(`fulcrum/order/${v.kind}/v1\0`))
      assert.equal(hex(m.sig), v.signature)
      verifyMessage(m, ed25519Verifier)
      assert.equal(hex(encodeOrderMessage(m)), v.wire)
    })
  }

  for (const v of file.invalid) {
    it(`refuses ${v.name}: ${v.code} at ${v.path}`, () => {
      assert.throws(() => { verifyMessage(decodeOrderMessage(bytes(v.wire)), ed25519Verifier) },
        (err: unknown) => (err as { code?: string }).code === v.code && (err as { path?: string }).path === v.path)
    })
  }
})
