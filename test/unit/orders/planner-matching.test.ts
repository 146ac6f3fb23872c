import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { minCostMatching } from '../../../src/orders/planner-matching.js'

const rows = (...r: Array<Record<string, number>>): Array<Map<string, bigint>> => r.map(o => new Map(Object.entries(o).map(([k, v]) => [k, BigInt(v)])))

/** The least cost over every injective choice, by enumeration. */
function brute (r: Array<Map<string, bigint>>, i = 0, taken = new Set<string>()): bigint | undefined {
  if (i === r.length) return 0n
  let best: bigint | undefined
  for (const [col, cost] of r[i] ?? []) {
    if (taken.has(col)) continue
    taken.add(col)
    const rest = brute(r, i + 1, taken)
    taken.delete(col)
    if (rest !== undefined && (best === undefined || cost + rest < best)) best = cost + rest
  }
  return best
}

describe('orders: minimum-cost matching (the planner\'s bound for distinct providers)', () => {
  it('solves small known cases, and says when no assignment exists', () => {
    assert.equal(minCostMatching(rows({ a: 1, b: 5 }, { a: 2, b: 9 })), 7n) // 5 + 2 < 1 + 9
    assert.equal(minCostMatching(rows({ a: 1 }, { a: 2 })), undefined)
    assert.equal(minCostMatching(rows({ a: 1, b: 1 }, { a: 2 }, { b: 3 })), undefined)
    assert.equal(minCostMatching([]), 0n)
    assert.equal(minCostMatching(rows({ a: 0, b: 0, c: 7 })), 0n)
    assert.equal(minCostMatching(rows({ x: 10 ** 15 }, { y: 10 ** 15 })), 2n * 10n ** 15n)
  })

  it('agrees with enumeration on random small cases', () => {
    const rowArb = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 0, max: 20 }), { maxKeys: 6 })
    fc.assert(fc.property(fc.array(rowArb, { maxLength: 5 }), (r) => {
      const m = rows(...r)
      assert.equal(minCostMatching(m), brute(m))
    }), { numRuns: 500, seed: 8 })
  })
})
