import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { strictBase64, toBase64, toHex } from '../../../src/encoding/index.js'

describe('encoding: base64 and hex without Buffer', () => {
  it('encodes exactly as Buffer does, and strictBase64 reads its own output back', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20_000 }), (b) => {
      assert.equal(toBase64(b), Buffer.from(b).toString('base64'))
      assert.equal(toHex(b), Buffer.from(b).toString('hex'))
      assert.deepEqual(strictBase64(toBase64(b)), b)
    }), { numRuns: 200 })
  })

  it('refuses base64 that is not the canonical padded form', () => {
    for (const bad of ['QQ', 'QR==', 'QQ=', 'Q===', 'QQ==QQ==', 'Q Q=', '****', 'QUJD\n']) assert.equal(strictBase64(bad), undefined, bad)
    assert.deepEqual(strictBase64(''), new Uint8Array(0))
  })
})
