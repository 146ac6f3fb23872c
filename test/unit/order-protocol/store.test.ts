import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { ProviderStore, OrderShellError } from '../../../src/order-protocol/index.js'
import type { ProviderOrder } from '../../../src/order-protocol/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { tempDir } from '../../helpers/tmp.js'

const order = (id: string, quantity: number, extra: Partial<ProviderOrder> = {}): ProviderOrder => ({
  id, customer: 'cust-a', status: 'held', reservations: [{ offer: 'vm', quantity }], expiresAt: 1_000, createdAt: 0, updatedAt: 0, ...extra
})

describe('order-protocol: provider store', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let store: ProviderStore
  const cap = (): number => 10
  beforeEach(async () => { tmp = await tempDir(); store = await ProviderStore.open(join(tmp.path, 'orders')) })
  afterEach(async () => { await store.close(); await tmp.cleanup() })

  it('fifty racing reservations for the last units never overbook the offer', async () => {
    await store.reserve(order('first', 7), cap)
    const results = await Promise.allSettled(Array.from({ length: 50 }, async (_, i) => { await store.reserve(order(`race-${i}`, 1, { customer: `c${i}` }), cap) }))
    assert.equal(results.filter(r => r.status === 'fulfilled').length, 3)
    assert.ok(results.every(r => r.status === 'fulfilled' || isFulcrumError(r.reason, OrderShellError.NO_CAPACITY)))
    assert.deepEqual(store.usage('vm'), { held: 10, committed: 0 })
  })

  it('moves units from held to committed, frees them on release, and refuses moves out of a final status', async () => {
    await store.reserve(order('a', 4), cap)
    await store.reserve(order('b', 3), cap)
    await store.transition('a', 'committed', { now: 5, entry: Uint8Array.of(1) })
    await store.transition('b', 'released', { now: 6, code: 'X' })
    assert.deepEqual(store.usage('vm'), { held: 0, committed: 4 })
    await assert.rejects(store.transition('b', 'committed', { now: 7 }), e => isFulcrumError(e, OrderShellError.STORE_BAD_TRANSITION))
    await assert.rejects(store.transition('zz', 'released', { now: 7 }), e => isFulcrumError(e, OrderShellError.STORE_UNKNOWN_ORDER))
    await assert.rejects(store.reserve(order('a', 1), cap), e => isFulcrumError(e, OrderShellError.STORE_BAD_TRANSITION))
    await store.transition('a', 'released', { now: 8 })
    assert.deepEqual(store.usage('vm'), { held: 0, committed: 0 })
  })

  it('keeps holds, counters and expiries across a restart', async () => {
    await store.reserve(order('a', 2, { expiresAt: 500 }), cap)
    await store.reserve(order('b', 3, { expiresAt: 900, customer: 'cust-b' }), cap)
    await store.transition('b', 'committed', { now: 1 })
    await store.close()
    store = await ProviderStore.open(join(tmp.path, 'orders'))
    assert.deepEqual(store.usage('vm'), { held: 2, committed: 3 })
    assert.deepEqual(store.holdCounts('cust-a'), { customer: 1, total: 1 })
    assert.deepEqual(store.expired(499), [])
    assert.deepEqual(store.expired(500).map(o => o.id), ['a'])
    assert.equal(store.nextExpiry(), 500)
    await store.transition('a', 'expired', { now: 500 })
    assert.equal(store.nextExpiry(), undefined)
    assert.equal((await store.get('a'))?.status, 'expired')
  })

  it('refuses a quantity above capacity and a non-positive quantity', async () => {
    await assert.rejects(store.reserve(order('big', 11), cap), e => isFulcrumError(e, OrderShellError.NO_CAPACITY) && e.path === 'reservations[0]')
    await assert.rejects(store.reserve(order('zero', 0), cap), e => isFulcrumError(e, OrderShellError.NO_CAPACITY))
    assert.deepEqual(store.usage('vm'), { held: 0, committed: 0 })
  })
})
