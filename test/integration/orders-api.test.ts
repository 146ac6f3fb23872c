import { strict as assert } from 'node:assert'
import { ApiClient } from '../../src/api/index.js'
import type { OrderJson } from '../../src/api/index.js'
import { isFulcrumError } from '../../src/errors/index.js'
import { initDataDir } from '../../src/datadir/index.js'
import { tempDir } from '../helpers/tmp.js'
import { startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { customer, place, planOf, publishOffer, waitFor } from './orders-fixtures.js'
import type { Customer } from './orders-fixtures.js'
import { syncTerminations } from '../../src/order-protocol/index.js'

describe('orders API: a provider with manual approval', function () {
  this.timeout(60_000)
  let provider: Member
  let api: ApiClient
  const customers: Customer[] = []

  before(async () => {
    const tmp = await tempDir('fulcrum-manual-')
    await initDataDir(tmp.path, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    provider = await startMember([], { api: true, config: { renewOwnOffers: false, apiPort: 0, orders: { approval: 'manual' } } }, tmp.path)
    provider.cleanup = tmp.cleanup
    api = await ApiClient.forDataDir(tmp.path)
  })
  after(async () => {
    for (const c of customers.splice(0)) await c.close()
    await stopAll([provider])
  })

  it('holds wait for the operator: approve commits the order, refuse aborts it with ORDER_APPROVAL_DENIED', async () => {
    const offer = await publishOffer(provider, 'manual', { capacity: 5 })
    const [a, b] = [await customer(), await customer()]
    customers.push(a, b)
    const first = place(a, planOf([offer]), [provider])
    await waitFor(async () => (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders/approvals')).orders.length === 1, 10_000, 'a pending hold')
    const [pending] = (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders/approvals')).orders
    assert.equal(pending?.customer, a.identity.peerId)
    assert.equal((await api.call<OrderJson>('POST', `/v1/orders/${pending?.id ?? ''}/approve`)).status, 'held')
    assert.equal((await first).status, 'committed')
    assert.equal((await api.call<OrderJson>('GET', `/v1/orders/${pending?.id ?? ''}`)).status, 'committed')

    const second = place(b, planOf([offer]), [provider])
    await waitFor(async () => (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders/approvals')).orders.length === 1, 10_000, 'a second pending hold')
    const [next] = (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders/approvals')).orders
    assert.equal((await api.call<OrderJson>('POST', `/v1/orders/${next?.id ?? ''}/refuse`)).status, 'refused')
    const outcome = await second
    assert.equal(outcome.status, 'aborted')
    assert.equal(outcome.providers[provider.node.identity.peerId]?.code, 'ORDER_APPROVAL_DENIED')
    const listed = (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders')).orders.map(o => o.status).sort()
    assert.deepEqual(listed, ['committed', 'refused'])
  })

  it('terminates a committed agreement through the API; the customer pulls and signs it; GET shows it complete', async () => {
    const committed = (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders?status=committed')).orders[0] as OrderJson
    const view = await api.call<{ id: string, complete: boolean, waitingFor: string[], effectiveAt: number, createdAt: number }>('POST', `/v1/orders/${committed.id}/terminate`, { notice: 2, reason: 'retiring' })
    assert.equal(view.complete, false)
    assert.deepEqual(view.waitingFor, [committed.customer]) // a light client: nobody can reach it
    assert.equal(view.effectiveAt - view.createdAt, 2 * 86_400_000)
    const owner = customers.find(c => c.identity.peerId === committed.customer) as Customer
    const records = await syncTerminations(owner.components, committed.id)
    assert.equal(records.find(r => r.id === view.id)?.complete, true)
    await waitFor(async () => ((await api.call<OrderJson>('GET', `/v1/orders/${committed.id}`)).terminations as Array<{ complete: boolean }> | undefined)?.[0]?.complete === true, 10_000, 'the provider records it')
    await assert.rejects(api.call('POST', `/v1/orders/${committed.id}/terminate`, { notice: 3 }), e => isFulcrumError(e, 'ORDER_ALREADY_TERMINATED'))
    await assert.rejects(api.call('POST', '/v1/orders/ord-nope/terminate', {}), e => isFulcrumError(e, 'ORDER_UNKNOWN_ORDER'))
  })

  it('answers unknown orders 404 and decisions on orders that are not pending 409, with codes', async () => {
    await assert.rejects(api.call('GET', '/v1/orders/ord-nope'), e => isFulcrumError(e, 'API_NOT_FOUND'))
    await assert.rejects(api.call('POST', '/v1/orders/ord-nope/approve'), e => isFulcrumError(e, 'ORDER_STORE_UNKNOWN_ORDER'))
    const committed = (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders?status=committed')).orders[0]
    await assert.rejects(api.call('POST', `/v1/orders/${committed?.id ?? ''}/refuse`), e => isFulcrumError(e, 'ORDER_STORE_BAD_TRANSITION'))
  })
})
