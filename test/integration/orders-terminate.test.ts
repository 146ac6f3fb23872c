import { strict as assert } from 'node:assert'
import { agreementViews, bytesEqual, decodeEntry } from '../../src/ledger/index.js'
import { DAY_MS, OrderError, terminationId } from '../../src/orders/index.js'
import { syncTerminations, terminateAsCustomer } from '../../src/order-protocol/index.js'
import type { Member } from './discovery-federation.js'
import { place, planOf, publishOffer, waitFor, ledgerLeaf, orderFederation } from './orders-fixtures.js'
import type { Customer } from './orders-fixtures.js'

async function customerLeaf (c: Customer, id: string): Promise<Uint8Array | undefined> {
  const index = await c.components.log.indexOfDocument(id)
  return index === undefined ? undefined : await c.components.log.leaf(index)
}

describe('orders: signed termination between three providers and a light-client customer', function () {
  this.timeout(120_000)
  const { providers, newCustomer } = orderFederation(3)

  async function committedOrder (tag: string): Promise<{ c: Customer, id: string }> {
    const records = await Promise.all(providers.map(async (m, i) => await publishOffer(m, `${tag}-${i}`, { capacity: 5 })))
    const c = await newCustomer()
    const outcome = await place(c, planOf(records), providers)
    assert.equal(outcome.status, 'committed', JSON.stringify(outcome.providers))
    return { c, id: outcome.orderId }
  }

  it('the customer terminates with notice: every party signs and appends the same termination entry', async () => {
    const { c, id } = await committedOrder('ct')
    const now = Date.now()
    const rec = await terminateAsCustomer(c.components, id, { noticeMs: 7 * DAY_MS, reason: 'moving out' })
    assert.equal(rec.complete, true, JSON.stringify(rec.refusals))
    assert.ok((rec.body.effectiveAt ?? 0) >= now + 7 * DAY_MS)
    const mine = await customerLeaf(c, rec.id)
    assert.ok(mine !== undefined)
    const entry = decodeEntry(mine)
    assert.equal(entry.type, 'termination')
    assert.equal(entry.body.agreement, id)
    for (const m of providers) {
      await waitFor(async () => (await ledgerLeaf(m.node, rec.id)) !== undefined, 10_000, 'the provider appends the termination')
      assert.ok(bytesEqual((await ledgerLeaf(m.node, rec.id))!, mine))
    }
    const views = agreementViews([{ index: 0, entry: decodeEntry((await customerLeaf(c, id))!) }, { index: 1, entry }], Date.now())
    assert.equal(views[0]?.state, 'terminating')
    // a second, different termination by the customer is refused locally
    await assert.rejects(terminateAsCustomer(c.components, id, { noticeMs: 8 * DAY_MS, reason: '' }), (e: unknown) => (e as { code?: string }).code === OrderError.ALREADY_TERMINATED)
  })

  it('a provider terminates through its daemon; the customer, unreachable, pulls, signs, and the termination completes everywhere', async () => {
    const { c, id } = await committedOrder('pt')
    const p0 = providers[0] as Member
    const view = await p0.node.orders.terminate(id, { noticeDays: 3, reason: 'retiring the offer' })
    assert.equal(view.complete, false)
    assert.deepEqual(view.waitingFor, [c.identity.peerId]) // the other providers signed; the light client cannot be reached
    const records = await syncTerminations(c.components, id)
    const rec = records.find(r => r.id === terminationId(id, p0.node.identity.peerId))
    assert.equal(rec?.complete, true)
    const mine = (await customerLeaf(c, rec.id))!
    for (const m of providers) {
      await waitFor(async () => (await ledgerLeaf(m.node, rec.id)) !== undefined, 10_000, 'every provider appends it')
      assert.ok(bytesEqual((await ledgerLeaf(m.node, rec.id))!, mine))
    }
    // a later termination by the customer that would end the agreement after this one is pointless: refused
    await assert.rejects(terminateAsCustomer(c.components, id, { noticeMs: 10 * DAY_MS, reason: '' }), (e: unknown) => (e as { code?: string }).code === OrderError.ALREADY_TERMINATED)
  })

  it('refuses to terminate an order the daemon never committed: ORDER_UNKNOWN_ORDER', async () => {
    await assert.rejects((providers[1] as Member).node.orders.terminate('ord-nope'), (e: unknown) => (e as { code?: string }).code === OrderError.UNKNOWN_ORDER)
  })
})
