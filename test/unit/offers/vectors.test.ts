import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { buildVectors, VECTORS_PATH } from '../../../scripts/vectors/offer-v1.js'
import { createIdentity, verify, verifyPortable } from '../../../src/identity/index.js'
import { decodeRecord, encodeRecord, offerSigningBytes, verifyRecordBytes, withdrawalSigningBytes, sha256 } from '../../../src/offers/index.js'
import type { Offer, Withdrawal } from '../../../src/offers/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

interface VectorFile {
  seed: string
  publicKey: string
  peerId: string
  now: number
  offer: Offer
  offerSigningBytes: string
  offerSignature: string
  offerRecord: string
  offerDigest: string
  withdrawal: Withdrawal
  withdrawalSigningBytes: string
  withdrawalSignature: string
  withdrawalRecord: string
  valid: Array<{ name: string, record: string, now: number }>
  invalid: Array<{ name: string, record: string, now: number, code: string, path: string | null }>
}
const file = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as VectorFile
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('offer-v1 known-answer vectors (protocols/vectors/offer-v1.json)', () => {
  it('the code reproduces the vector file byte for byte', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(buildVectors())), file)
  })

  it('derives the key and peer id from the fixed seed', () => {
    const id = createIdentity(bytes(file.seed))
    assert.equal(hex(id.publicKey), file.publicKey)
    assert.equal(id.peerId, file.peerId)
  })

  it('builds the exact signing bytes, signature and record of the offer', () => {
    assert.equal(hex(offerSigningBytes(file.offer)), file.offerSigningBytes)
    assert.ok(Buffer.from(bytes(file.offerSigningBytes)).toString('latin1').startsWith('fulcrum/offer/v1\0'))
    const pub = bytes(file.publicKey)
    assert.ok(verify(pub, bytes(file.offerSigningBytes), bytes(file.offerSignature)))
    assert.ok(verifyPortable(pub, bytes(file.offerSigningBytes), bytes(file.offerSignature)))
    const v = verifyRecordBytes(bytes(file.offerRecord), file.now)
    assert.deepEqual(v.record.body, file.offer)
    assert.equal(hex(encodeRecord(v.record)), file.offerRecord)
    assert.equal(hex(sha256(bytes(file.offerRecord))), file.offerDigest)
  })

  it('builds the exact signing bytes and record of the withdrawal', () => {
    assert.equal(hex(withdrawalSigningBytes(file.withdrawal)), file.withdrawalSigningBytes)
    const r = decodeRecord(bytes(file.withdrawalRecord))
    assert.equal(r.kind, 'withdrawal')
    assert.equal(hex(r.signature), file.withdrawalSignature)
    verifyRecordBytes(bytes(file.withdrawalRecord), file.withdrawal.issuedAt, { portable: true })
  })

  for (const v of file.valid) {
    it(`accepts ${v.name}, at ${new Date(v.now).toISOString()}`, () => {
      const r = verifyRecordBytes(bytes(v.record), v.now)
      assert.equal(hex(encodeRecord(r.record)), v.record)
      verifyRecordBytes(bytes(v.record), v.now, { portable: true })
    })
  }

  for (const v of file.invalid) {
    it(`rejects ${v.name} with ${v.code} at ${v.path ?? '(no path)'}`, () => {
      const matches = (e: unknown): boolean => isFulcrumError(e, v.code) && (e.path ?? null) === v.path
      assert.throws(() => verifyRecordBytes(bytes(v.record), v.now), matches)
      assert.throws(() => verifyRecordBytes(bytes(v.record), v.now, { portable: true }), matches)
    })
  }
})
