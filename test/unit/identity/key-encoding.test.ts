import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import * as ed from '@noble/ed25519'
import { createIdentity, isAcceptablePublicKey, isVerifiableKeyEncoding, verify } from '../../../src/identity/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

/** The eight points of small order, computed: the multiples of an order-8 point. */
function torsionEncodings (): string[] {
  const t = ed.Point.fromBytes(fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'), false)
  const out: string[] = []
  let p = ed.Point.ZERO
  for (let k = 0; k < 8; k++) { out.push(hex(p.toBytes())); p = p.add(t) }
  return out
}

describe('public key checks on the verification path', () => {
  const signer = createIdentity()
  const message = new TextEncoder().encode('m')
  const signature = signer.sign(message)

  it('refuses every point of small order, computed from the curve', () => {
    const torsion = torsionEncodings()
    assert.equal(new Set(torsion).size, 8)
    for (const k of torsion) {
      assert.equal(isVerifiableKeyEncoding(fromHex(k)), false, k)
      assert.equal(isAcceptablePublicKey(fromHex(k)), false, k)
      assert.equal(verify(fromHex(k), message, signature), false, k)
    }
  })

  it('agrees with the full check on every curve point and refuses what it lets through at verification', () => {
    const sign = fc.boolean()
    const tail = fc.uint8Array({ minLength: 32, maxLength: 32 })
    // Random bytes (about half are curve points), near-p encodings, and sign-bit flips of small-order points.
    const nearP = fc.tuple(fc.integer({ min: 0xe0, max: 0xff }), sign).map(([low, s]) => Uint8Array.from({ length: 32 }, (_, i) => i === 0 ? low : i === 31 ? (s ? 0xff : 0x7f) : 0xff))
    const flipped = fc.constantFrom(...torsionEncodings()).map(h => { const b = fromHex(h); b[31] = (b[31] as number) ^ 0x80; return b })
    fc.assert(fc.property(fc.oneof(tail, nearP, flipped), key => {
      const full = isAcceptablePublicKey(key)
      const y = BigInt('0x' + hex(key.slice().reverse())) & ((1n << 255n) - 1n)
      if (y >= 2n ** 255n - 19n) assert.equal(isVerifiableKeyEncoding(key), false, 'a non-canonical y is refused')
      if (full) assert.equal(isVerifiableKeyEncoding(key), true)
      let point = true
      try { ed.Point.fromBytes(key, false) } catch { point = false }
      if (point) assert.equal(isVerifiableKeyEncoding(key), full)
      // Whatever the fast check lets through, a key the full check refuses never verifies (and nothing throws).
      if (!full) assert.equal(verify(key, message, signature), false)
    }), { numRuns: 3000 })
  })

  it('still verifies a good signature', () => {
    assert.equal(isVerifiableKeyEncoding(signer.publicKey), true)
    assert.equal(verify(signer.publicKey, message, signature), true)
  })
})
