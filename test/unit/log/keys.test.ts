import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { Bucket, readU64 } from '../../../src/log/index.js'
import { leafKey, nodeKey, u64 } from '../../../src/log/keys.js'

/** The layout's reference: 8-byte big-endian, as DataView writes it. */
function reference (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

describe('log: key layout', () => {
  const edges = [0, 1, 255, 256, 65535, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]

  it('writes indexes as 8-byte big-endian, above 2^32 too, and reads them back', () => {
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (n) => {
      assert.deepEqual(u64(n), reference(n))
      assert.equal(readU64(u64(n)), n)
      assert.deepEqual(leafKey(n), Uint8Array.of(Bucket.LEAF, ...reference(n)))
      assert.deepEqual(nodeKey(7, n), Uint8Array.of(Bucket.NODE, 7, ...reference(n)))
    }))
  })

  it('sorts leaf keys by index (range reads depend on it)', () => {
    const sorted = edges.map(leafKey).sort((a, b) => Buffer.compare(a, b))
    assert.deepEqual(sorted.map(k => readU64(k.subarray(1))), edges)
  })
})
