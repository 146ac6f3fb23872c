import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { PackedKeys, compareBytes } from '../../../src/catalog/packed-keys.js'

/** Operations on a key set: add a key, or delete one (by a key that may or may not be held). */
type Op = { add: string } | { del: string }

const keyArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.stringMatching(/^[A-Za-z0-9]{0,8}\/[a-z0-9.-]{0,20}$/),
  fc.string({ unit: 'grapheme', maxLength: 6 })
)
const opsArb = fc.array(fc.oneof(keyArb.map((k): Op => ({ add: k })), keyArb.map((k): Op => ({ del: k }))), { maxLength: 400 })

/** Applies `ops` to a PackedKeys and to a Map model; returns both. */
function run (ops: Op[]): { keys: PackedKeys, model: Map<string, number> } {
  const keys = new PackedKeys()
  const model = new Map<string, number>()
  for (const op of ops) {
    if ('add' in op) {
      const e = keys.add(op.add)
      const before = model.get(op.add)
      if (before !== undefined) assert.equal(e, before, 'a held key keeps its entry')
      model.set(op.add, e)
    } else {
      const e = keys.get(op.del)
      assert.equal(e, model.get(op.del) ?? -1)
      if (e >= 0) keys.delete(e)
      model.delete(op.del)
    }
  }
  return { keys, model }
}

describe('catalog/packed-keys', () => {
  it('returns what was put: every held key finds its entry and reads back, deleted keys are gone', () => {
    fc.assert(fc.property(opsArb, keyArb, (ops, probe) => {
      const { keys, model } = run(ops)
      assert.equal(keys.size, model.size)
      for (const [k, e] of model) {
        assert.equal(keys.get(k), e)
        assert.equal(keys.keyOf(e), k)
        assert.ok(keys.has(e))
      }
      if (!model.has(probe)) assert.equal(keys.get(probe), -1)
      const seen: number[] = []
      keys.forEach(e => seen.push(e))
      assert.deepEqual(seen.sort((a, b) => a - b), [...model.values()].sort((a, b) => a - b))
    }), { numRuns: 300 })
  })

  it('orders keys by their UTF-8 bytes', () => {
    fc.assert(fc.property(fc.uniqueArray(keyArb, { maxLength: 30 }), (list) => {
      const keys = new PackedKeys()
      const entries = list.map(k => keys.add(k))
      const byBytes = [...list].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      const sorted = [...entries].sort((a, b) => keys.compare(a, b)).map(e => keys.keyOf(e))
      assert.deepEqual(sorted, byBytes)
    }))
  })

  it('keeps the bytes a snapshot copied while keys are added and deleted (arena grown and compacted)', () => {
    const keys = new PackedKeys()
    const first = Array.from({ length: 2000 }, (_, i) => `provider-${i % 7}/offer-${i}`)
    for (const k of first) keys.add(k)
    const arena = keys.arena
    const kept = first.map(k => keys.get(k)).map(e => [keys.offsets[e] as number, keys.lengths[e] as number] as const)
    const copy = Uint8Array.from(arena)
    // Delete most of them and add others until the arena is compacted (a new arena) several times.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 2000; i++) {
        const e = keys.get(`provider-${i % 7}/offer-${i}${round === 0 ? '' : `-${round - 1}`}`)
        if (e >= 0) keys.delete(e)
        keys.add(`provider-${i % 7}/offer-${i}-${round}`)
      }
    }
    assert.notEqual(keys.arena, arena, 'the arena was replaced')
    assert.deepEqual(arena, copy, 'the old arena was never written')
    const text = new TextDecoder()
    kept.forEach(([off, len], i) => { assert.equal(text.decode(arena.subarray(off, off + len)), first[i]) })
    assert.equal(keys.size, 2000)
    for (let i = 0; i < 2000; i++) assert.equal(keys.keyOf(keys.get(`provider-${i % 7}/offer-${i}-4`)), `provider-${i % 7}/offer-${i}-4`)
  })

  it('reuses the entries of deleted keys and does not grow without bound under churn', () => {
    const keys = new PackedKeys()
    for (let i = 0; i < 1000; i++) keys.add(`k/${i}`)
    const capacity = keys.capacity
    const arenaBytes = keys.arena.length
    for (let i = 1000; i < 50_000; i++) {
      keys.delete(keys.get(`k/${i - 1000}`))
      keys.add(`k/${i}`)
    }
    assert.equal(keys.size, 1000)
    assert.equal(keys.capacity, capacity)
    assert.ok(keys.arena.length <= arenaBytes * 4, `arena ${keys.arena.length} bytes for 1000 keys`)
  })

  it('compareBytes: a prefix sorts first', () => {
    const b = (s: string): Uint8Array => Buffer.from(s)
    assert.equal(compareBytes(b('ab'), 0, 2, b('abc'), 0, 3), -1)
    assert.equal(compareBytes(b('abc'), 0, 3, b('ab'), 0, 2), 1)
    assert.equal(compareBytes(b('xab'), 1, 2, b('ab'), 0, 2), 0)
    assert.equal(compareBytes(b('b'), 0, 1, b('ab'), 0, 2), 1)
  })
})
