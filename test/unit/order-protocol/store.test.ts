import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { ProviderStore } from '../../../src/order-protocol/index.js'
import type { ProviderOrder } from '../../../src/order-protocol/index.js'
import { tempDir } from '../../helpers/tmp.js'

const order = (id: string, quantity: number, extra: Partial<ProviderOrder> = {}): ProviderOrder => ({
  id, customer: 'cust-a', status: 'held', reservations: [{ offer: 'vm', quantity }], expiresAt: 1_000, createdAt: 0, updatedAt: 0, ...extra
})

// The store decides nothing (the provider state machine does, test/unit/orders); it keeps the
// orders and capacity counters that always match them, across restarts.
describe('order-protocol: provider store', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let store: ProviderStore
  beforeEach(async () => { tmp = await tempDir(); store = await ProviderStore.open(join(tmp.path, 'orders')) })
  afterEach(async () => { await store.close(); await tmp.cleanup() })

  it('counts open orders as held and committed ones as committed, moving units as an order changes status', async () => {
    await store.put(order('a', 4))
    await store.put(order('b', 3, { status: 'pending' }))
    assert.deepEqual(store.usage('vm'), { held: 7, committed: 0 })
    await store.put(order('a', 4, { status: 'committed', entry: Uint8Array.of(1) }))
    await store.put(order('b', 3, { status: 'released', code: 'X' }))
    assert.deepEqual(store.usage('vm'), { held: 0, committed: 4 })
    assert.equal((await store.get('b'))?.code, 'X')
    await store.remove('b')
    await store.remove('zz')
    assert.equal(await store.get('b'), undefined)
    assert.deepEqual(store.usage('vm'), { held: 0, committed: 4 })
    assert.deepEqual((await store.list({ status: 'committed' })).map(o => o.id), ['a'])
  })

  it('keeps orders, their machine records and counters across a restart', async () => {
    await store.put(order('a', 2, { state: Uint8Array.of(7, 8) }))
    await store.put(order('b', 3, { status: 'committed' }))
    await store.close()
    store = await ProviderStore.open(join(tmp.path, 'orders'))
    assert.deepEqual(store.usage('vm'), { held: 2, committed: 3 })
    assert.deepEqual((await store.all()).map(o => o.id), ['a', 'b'])
    assert.deepEqual((await store.get('a'))?.state, Uint8Array.of(7, 8))
    await store.put(order('a', 2, { status: 'expired' }))
    assert.deepEqual(store.usage('vm'), { held: 0, committed: 3 })
  })
})
