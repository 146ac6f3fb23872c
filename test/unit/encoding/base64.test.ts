import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { strictBase64, toBase64, toHex } from '../../../src/encoding/base64.js'

describe('encoding/base64: text forms of bytes without Buffer', () => {
  it('writes exactly what Buffer writes, and reads back what it wrote', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'))
      assert.equal(toHex(bytes), Buffer.from(bytes).toString('hex'))
      assert.deepEqual(strictBase64(toBase64(bytes)), bytes)
    }))
  })

  it('refuses base64 that is not the canonical padded form', () => {
    for (const s of ['QQ', 'QQ=', 'QR==', 'Q===', 'QUJD\n', 'QU-D', 'QUJ=D']) assert.equal(strictBase64(s), undefined, s)
    assert.deepEqual(strictBase64('QUI='), Uint8Array.of(0x41, 0x42))
  })
})
