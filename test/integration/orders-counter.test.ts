import { strict as assert } from 'node:assert'
import { OrderError } from '../../src/orders/index.js'
import type { Member } from './discovery-federation.js'
import { addressesOf, planOf, publishOffer, orderFederation } from './orders-fixtures.js'
import { placeOrder } from '../../src/order-protocol/index.js'

describe('orders: the quote round and counter-offers between two providers and a light client', function () {
  this.timeout(120_000)
  const { providers, newCustomer } = orderFederation(2)

  it('a counter for fewer units aborts before any hold unless within the tolerance; accepted, the order commits on the countered terms', async () => {
    const [a, b] = providers as [Member, Member]
    const records = [await publishOffer(a, 'few', { capacity: 3 }), await publishOffer(b, 'many', { capacity: 10 })]
    const c = await newCustomer()
    const plan = planOf(records, 4)
    const declined = await placeOrder(c.components, plan, addressesOf(providers), { quote: {} })
    assert.equal(declined.status, 'aborted')
    assert.equal(declined.providers[a.node.identity.peerId]?.code, OrderError.COUNTER_DECLINED)
    assert.deepEqual(declined.counters?.declined.map(d => [d.item, d.offered?.quantity]), [['item-0', 3]])
    assert.deepEqual(a.node.orders.store.usage('few'), { held: 0, committed: 0 })
    assert.equal(await a.node.orders.store.get(declined.orderId), undefined)

    const tooStrict = await placeOrder(c.components, plan, addressesOf(providers), { quote: { withinPct: 20 } })
    assert.equal(tooStrict.status, 'aborted') // 3 of 4 is 25% fewer
    const taken = await placeOrder(c.components, plan, addressesOf(providers), { quote: { withinPct: 25 } })
    assert.equal(taken.status, 'committed', JSON.stringify(taken.providers))
    assert.deepEqual(taken.counters?.accepted.map(d => [d.item, d.offered?.quantity]), [['item-0', 3]])
    assert.deepEqual(a.node.orders.store.usage('few'), { held: 0, committed: 3 })
    assert.deepEqual(b.node.orders.store.usage('many'), { held: 0, committed: 4 })
  })
})
