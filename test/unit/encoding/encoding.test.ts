import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { decodeCanonical, encodeCanonical, signingBytes, EncodingError } from '../../../src/encoding/index.js'
import type { CanonicalValue } from '../../../src/encoding/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const fails = (code: string) => (e: unknown) => isFulcrumError(e, code)

const canonicalValue: fc.Arbitrary<CanonicalValue> = fc.letrec<{ v: CanonicalValue }>(tie => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string(), fc.boolean(), fc.constant(null), fc.maxSafeInteger(), fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 4 })
  )
})).v

describe('canonical encoding', () => {
  it('decode then encode gives the same bytes for any value', () => {
    fc.assert(fc.property(canonicalValue, (v) => {
      const bytes = encodeCanonical(v)
      assert.deepEqual(encodeCanonical(decodeCanonical(bytes, 1 << 20) as CanonicalValue), bytes)
    }), { numRuns: 300 })
  })

  it('sorts map keys length-first', () => {
    assert.deepEqual(encodeCanonical({ bb: 1, a: 2, c: 3 }), hex('a36161026163036262620' + '1'))
  })

  const corrupted: Array<[string, string, string]> = [
    ['non-minimal integer', '1801', EncodingError.MALFORMED],
    ['indefinite-length array', '9f01ff', EncodingError.MALFORMED],
    ['duplicate map keys', 'a2616101616102', EncodingError.MALFORMED],
    ['unsorted map keys', 'a2616201616101', EncodingError.NON_CANONICAL],
    ['a float', 'f93e00', EncodingError.NON_CANONICAL],
    ['undefined', 'f7', EncodingError.MALFORMED],
    ['trailing bytes', '0101', EncodingError.MALFORMED],
    ['truncated', '62616', EncodingError.MALFORMED],
    ['an unknown tag', 'c10a', EncodingError.MALFORMED]
  ]
  for (const [what, bytes, code] of corrupted) {
    it(`rejects ${what} with ${code}`, () => {
      assert.throws(() => decodeCanonical(hex(bytes), 1024), fails(code))
    })
  }

  it('rejects input over the size limit', () => {
    assert.throws(() => decodeCanonical(new Uint8Array(11), 10), fails(EncodingError.TOO_LARGE))
  })

  it('refuses to encode floats and undefined', () => {
    assert.throws(() => encodeCanonical({ a: 1.5 }), fails(EncodingError.UNSUPPORTED_VALUE))
    assert.throws(() => encodeCanonical([undefined as unknown as null]), fails(EncodingError.UNSUPPORTED_VALUE))
  })

  it('prefixes signing bytes with the domain tag and a zero byte', () => {
    assert.deepEqual(signingBytes('t/v1', 1), Uint8Array.of(0x74, 0x2f, 0x76, 0x31, 0, 1))
  })
})
