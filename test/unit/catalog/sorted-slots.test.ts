import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { Columns, compareKeys, compareSlots } from '../../../src/catalog/columns.js'
import { SortedSlots } from '../../../src/catalog/sorted-slots.js'
import { signed, testIdentity } from '../../helpers/offers.js'

describe('catalog order', () => {
  it('compareKeys orders provider/id exactly as the joined strings do', () => {
    // Short strings over characters around '/' make prefixes and ties common.
    const part = fc.string({ unit: fc.constantFrom('-', '.', '/', '0', 'a', 'b'), maxLength: 4 })
    fc.assert(fc.property(part, part, part, part, (pa, ia, pb, ib) => {
      const a = `${pa}/${ia}`
      const b = `${pb}/${ib}`
      assert.equal(compareKeys(pa, ia, pb, ib), a < b ? -1 : a > b ? 1 : 0)
    }), { numRuns: 5000 })
  })

  it('addMany merges batches into the order that sorting everything gives, ties included', () => {
    const providers = [1, 2, 3, 4, 5].map(testIdentity)
    const prices = ['0.01', '0.02', '0.5']
    const c = new Columns()
    const slots: number[] = []
    for (let i = 0; i < 150; i++) {
      const identity = providers[i % providers.length] as (typeof providers)[number]
      const record = signed(identity, { id: `vm-${(i * 37) % 150}`, price: { amount: prices[i % prices.length] as string } })
      const slot = c.allocate()
      c.fill(slot, record, new Uint8Array([i]))
      slots.push(slot)
    }
    fc.assert(fc.property(fc.shuffledSubarray(slots, { minLength: 0, maxLength: slots.length }), fc.integer({ min: 0, max: 150 }), (chosen, cut) => {
      const list = new SortedSlots(c)
      list.addMany(chosen.slice(0, cut))
      list.addMany(chosen.slice(cut))
      const got = Array.from({ length: list.size }, (_, i) => list.at(i))
      assert.deepEqual(got, [...chosen].sort((a, b) => compareSlots(c, a, b)))
    }), { numRuns: 300 })
  })
})
