import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import * as nodeCrypto from '#platform/crypto'
import * as browserCrypto from '../../../src/platform/browser/crypto.js'
import { createIdentity, verify } from '../../../src/identity/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('platform crypto', () => {
  it('resolves #platform/crypto to the node implementation under Node', () => {
    assert.equal(nodeCrypto.PLATFORM, 'node')
    assert.equal(browserCrypto.PLATFORM, 'browser')
  })

  it('both implementations hash split inputs to the SHA-256 of their concatenation', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (parts) => {
      const want = createHash('sha256').update(Buffer.concat(parts)).digest('hex')
      assert.equal(hex(nodeCrypto.sha256Parts(parts)), want)
      assert.equal(hex(browserCrypto.sha256Parts(parts)), want)
    }), { numRuns: 200 })
  })

  it('hashes inputs around and above the node one-shot size (64 KiB) the same way, and never returns a shared buffer', () => {
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff)
    for (const parts of [[big.subarray(0, 65_536)], [big.subarray(0, 65_535), big.subarray(0, 2)], [big], [big.subarray(0, 10), big]]) {
      assert.equal(hex(nodeCrypto.sha256Parts(parts)), createHash('sha256').update(Buffer.concat(parts)).digest('hex'))
    }
    const a = nodeCrypto.sha256Parts([Uint8Array.of(1)])
    const copy = Uint8Array.from(a)
    nodeCrypto.sha256Parts([Uint8Array.of(2)])
    assert.deepEqual(a, copy)
  })

  it('both derive the same public key and signatures, and each verifies the other\'s', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.nat(), (seed, msg, bit) => {
      const pub = nodeCrypto.ed25519PublicKey(seed)
      assert.deepEqual(browserCrypto.ed25519PublicKey(seed), pub)
      const sig = nodeCrypto.ed25519Sign(seed, msg)
      assert.deepEqual(browserCrypto.ed25519Sign(seed, msg), sig)
      const nk = nodeCrypto.importEd25519PublicKey(pub)
      const bk = browserCrypto.importEd25519PublicKey(pub)
      assert.ok(nodeCrypto.ed25519Verify(nk, msg, sig))
      assert.ok(browserCrypto.ed25519Verify(bk, msg, sig))
      const bad = sig.slice()
      bad[bit % 64] = (bad[bit % 64] as number) ^ (1 << (bit % 8))
      assert.equal(nodeCrypto.ed25519Verify(nk, msg, bad), false)
      assert.equal(browserCrypto.ed25519Verify(bk, msg, bad), false)
    }), { numRuns: 100 })
  })

  it('the browser implementation gives random bytes past the Web Crypto per-call quota', () => {
    const big = browserCrypto.randomBytes(200_000)
    assert.equal(big.length, 200_000)
    // the last chunk was filled too (all zero 64 KiB from a CSPRNG has probability 2^-524288)
    assert.ok(big.subarray(196_608).some(b => b !== 0))
    assert.notDeepEqual(browserCrypto.randomBytes(32), browserCrypto.randomBytes(32))
    assert.equal(nodeCrypto.randomBytes(33).length, 33)
  })

  it('identity signatures made by either implementation verify through identity/', () => {
    const id = createIdentity()
    const msg = new TextEncoder().encode('fulcrum')
    assert.ok(verify(id.publicKey, msg, browserCrypto.ed25519Sign(id.seed, msg)))
  })
})
