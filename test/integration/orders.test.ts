import { strict as assert } from 'node:assert'
import { bytesEqual } from '../../src/ledger/index.js'
import { startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { place, planOf, publishOffer, ledgerLeaf, orderFederation } from './orders-fixtures.js'

describe('orders: three providers and light-client customers on 127.0.0.1', function () {
  this.timeout(120_000)
  const { providers, newCustomer } = orderFederation(3)

  it('commits a three-provider order: every party\'s ledger holds the same entry bytes, capacity moves to committed', async () => {
    const records = await Promise.all(providers.map(async (m, i) => await publishOffer(m, `commit-${i}`, { capacity: 5 })))
    const c = await newCustomer()
    const outcome = await place(c, planOf(records, 2), providers)
    assert.equal(outcome.status, 'committed', JSON.stringify(outcome.providers))
    const mine = await c.components.log.leaf((await c.components.log.indexOfDocument(outcome.orderId)) as number)
    for (const [i, m] of providers.entries()) {
      const leaf = await ledgerLeaf(m.node, outcome.orderId)
      assert.ok(leaf !== undefined && bytesEqual(leaf, mine), `provider ${i} has the same entry`)
      assert.deepEqual(m.node.orders.store.usage(`commit-${i}`), { held: 0, committed: 2 })
    }
    const steps = c.events.map(e => e.step)
    for (const s of ['hold', 'held', 'commit', 'committed'] as const) assert.equal(steps.filter(x => x === s).length, 3, s)
  })

  it('aborts when one provider\'s policy refuses: the refusal code is reported and nobody keeps the agreement', async () => {
    const records = await Promise.all(providers.map(async (m, i) => await publishOffer(m, `deny-${i}`)))
    const c = await newCustomer()
    ;(providers[2] as Member).node.orders.policy.denyCustomers.push(c.identity.peerId)
    const outcome = await place(c, planOf(records), providers)
    assert.equal(outcome.status, 'aborted')
    assert.equal(outcome.providers[(providers[2] as Member).node.identity.peerId]?.code, 'ORDER_POLICY_REFUSED')
    for (const [i, m] of providers.entries()) {
      assert.equal(await ledgerLeaf(m.node, outcome.orderId), undefined)
      assert.deepEqual(m.node.orders.store.usage(`deny-${i}`), { held: 0, committed: 0 })
    }
    assert.equal(await c.components.log.indexOfDocument(outcome.orderId), undefined)
  })

  it('aborts when a provider never answers, with the network code, and releases the others', async () => {
    const silent = await startMember([])
    try {
      const records = [
        await publishOffer(providers[0] as Member, 'silent-0'),
        await publishOffer(silent, 'silent-1')
      ]
      await silent.node.orders.stop()
      const c = await newCustomer()
      const outcome = await place(c, planOf(records), [providers[0] as Member, silent], 7_000)
      assert.equal(outcome.status, 'aborted')
      assert.match(outcome.providers[silent.node.identity.peerId]?.code ?? '', /^NET_/)
      assert.equal((await (providers[0] as Member).node.orders.store.get(outcome.orderId))?.status, 'released')
    } finally {
      await stopAll([silent])
    }
  })
})
