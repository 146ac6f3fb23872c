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

  it('accepts exactly the strings that are the canonical base64 of their bytes (as Buffer decides)', () => {
    const reference = (t: string): Uint8Array | undefined => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return undefined
      const b = Buffer.from(t, 'base64')
      return b.toString('base64') === t ? new Uint8Array(b) : undefined
    }
    const chars = fc.constantFrom(...'ABCDQRSTbcz019+/=é \n'.split(''))
    fc.assert(fc.property(fc.array(chars, { maxLength: 16 }).map(a => a.join('')), (t) => {
      assert.deepEqual(strictBase64(t), reference(t), t)
    }), { numRuns: 3000 })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), chars, (b, at, c) => {
      const t = toBase64(b)
      const damaged = t.length === 0 ? c : t.slice(0, at % t.length) + c + t.slice(at % t.length + 1)
      assert.deepEqual(strictBase64(damaged), reference(damaged), damaged)
    }), { numRuns: 3000 })
  })
})
