import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { buildVectors, VECTORS_PATH } from '../../../scripts/vectors/order-plan-v1.js'
import { checkOrderDocument, planOrder } from '../../../src/orders/index.js'
import type { Offer, VerifiedRecord } from '../../../src/offers/index.js'

interface Vectors {
  now: number
  offers: Offer[]
  cases: Array<{ name: string, document: unknown, expect: { ok: true, items: Array<Record<string, unknown>>, total: string, term: string } | { ok: false, reasons: Array<Record<string, unknown>> } }>
  documents: Array<{ name: string, document: unknown, issues: Array<{ code: string, path: string }> }>
}
const file = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Vectors
/** Planning trusts its input to be verified (order-v1 §2.1): the vectors give bodies only. */
const records: VerifiedRecord[] = file.offers.map(body => ({ record: { kind: 'offer', body, signature: new Uint8Array(64) }, bytes: new Uint8Array(0), digest: new Uint8Array(32) }))

describe('order-v1 planning vectors (protocols/vectors/order-plan-v1.json)', () => {
  it('the script reproduces the vector file', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(buildVectors())), file)
  })

  for (const c of file.cases) {
    it(`plans: ${c.name}`, () => {
      const checked = checkOrderDocument(c.document)
      assert.ok(checked.ok, JSON.stringify(checked.ok ? '' : checked.issues))
      const outcome = planOrder(checked.document, records, file.now)
      if (c.expect.ok) {
        assert.ok(outcome.ok, JSON.stringify(outcome.ok ? '' : outcome.reasons))
        assert.deepEqual(outcome.plan.items.map((i, k) => ({ name: i.name, provider: i.record.body.provider, id: i.record.body.id, quantity: i.quantity, perMonth: outcome.costs.items[k]?.perMonth })), c.expect.items)
        assert.deepEqual([outcome.costs.perMonth, outcome.costs.term], [c.expect.total, c.expect.term])
      } else {
        assert.ok(!outcome.ok, 'expected no plan')
        // Messages are for people: compare every other field the vector names.
        assert.deepEqual(outcome.reasons.map((r, k) => Object.fromEntries(Object.keys((c.expect as { reasons: Array<Record<string, unknown>> }).reasons[k] ?? {}).map(key => [key, (r as unknown as Record<string, unknown>)[key]]))), c.expect.reasons)
      }
    })
  }

  for (const d of file.documents) {
    it(`rejects: ${d.name}`, () => {
      const checked = checkOrderDocument(d.document)
      assert.ok(!checked.ok)
      assert.deepEqual(checked.issues.map(i => ({ code: i.code, path: i.path })), d.issues)
    })
  }
})
