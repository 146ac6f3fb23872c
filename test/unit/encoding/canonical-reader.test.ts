import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { decodeCanonical, encodeCanonical, readCanonical, readCheckedCanonical, signingBytes, signingBytesOfEncoded } from '../../../src/encoding/index.js'
import type { CanonicalValue } from '../../../src/encoding/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const LIMIT = 1 << 16

const canonicalValue: fc.Arbitrary<CanonicalValue> = fc.letrec<{ v: CanonicalValue }>(tie => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }), fc.boolean(), fc.constant(null), fc.maxSafeInteger(), fc.integer({ min: -70_000, max: 70_000 }),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }), fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6, unit: 'grapheme' }), tie('v'), { maxKeys: 4 })
  )
})).v

/** What the reference decoder does with `bytes`: its value, or its error's code and message. */
function reference (bytes: Uint8Array): { value?: unknown, error?: string } {
  try {
    return { value: decodeCanonical(bytes, LIMIT) }
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    return { error: `${err.code}: ${err.message}` }
  }
}

function fast (bytes: Uint8Array): { value?: unknown, error?: string } {
  try {
    return { value: readCanonical(bytes, LIMIT).value }
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    return { error: `${err.code}: ${err.message}` }
  }
}

describe('canonical reader (one-pass decoding)', () => {
  it('gives the reference decoder\'s value for any canonical encoding', () => {
    fc.assert(fc.property(canonicalValue, (v) => {
      const bytes = encodeCanonical(v)
      assert.deepEqual(fast(bytes), reference(bytes))
      assert.deepEqual(readCheckedCanonical(bytes).value, reference(bytes).value)
    }), { numRuns: 500 })
  })

  it('accepts or refuses damaged encodings exactly as the reference does (same code and message)', () => {
    fc.assert(fc.property(canonicalValue, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (v, at, byte, cut) => {
      const bytes = encodeCanonical(v)
      const damaged = cut ? bytes.slice(0, at % (bytes.length + 1)) : bytes.slice()
      if (!cut) damaged[at % bytes.length] = byte
      assert.deepEqual(fast(damaged), reference(damaged))
    }), { numRuns: 600 })
  })

  it('refuses what is not canonical with the reference decoder\'s errors', () => {
    const cases = {
      'keys out of order': 'a2616202616101',
      'keys not length-first': 'a2626262016163' + '02',
      'duplicate key': 'a2616101616102',
      'non-minimal integer': '1817',
      'non-minimal length': '780161',
      'indefinite array': '9f01ff',
      float: 'f93c00',
      undefined: 'f7',
      tag: 'c11a514b67b0',
      'trailing byte': '0101',
      'leading byte-order mark (the reference drops it, then refuses)': '63efbbbf',
      'byte-order mark inside a string': '6461efbbbf',
      'invalid UTF-8': '62c328',
      'integer beyond 2^53': '1b0020000000000000',
      'negative beyond -2^53': '3b001fffffffffffff',
      'too large': '5a00010001' + '00'.repeat(0x10001)
    }
    for (const [name, h] of Object.entries(cases)) assert.deepEqual(fast(hex(h)), reference(hex(h)), name)
    assert.equal(fast(hex('6461efbbbf')).value, 'a\ufeff')
  })

  it('does not let a __proto__ key change the prototype', () => {
    const bytes = encodeCanonical(JSON.parse('{"__proto__":{"x":1}}') as CanonicalValue)
    assert.deepEqual(fast(bytes), reference(bytes))
  })

  it('locates each top-level value, so signed bytes can be sliced instead of encoded again', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 6 }), canonicalValue, { maxKeys: 5 }), (v) => {
      const bytes = encodeCanonical(v)
      const { spans } = readCanonical(bytes, LIMIT)
      for (const [key, value] of Object.entries(v)) {
        const span = spans?.get(key)
        if (span === undefined) continue // a value only the reference decodes (a bigint)
        assert.deepEqual(new Uint8Array(bytes.subarray(span.start, span.end)), new Uint8Array(encodeCanonical(value)))
        assert.deepEqual(new Uint8Array(signingBytesOfEncoded('fulcrum/test/v1', bytes.subarray(span.start, span.end))), new Uint8Array(signingBytes('fulcrum/test/v1', value)))
      }
    }), { numRuns: 300 })
  })
})
