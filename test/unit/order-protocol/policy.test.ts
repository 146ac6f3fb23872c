import { strict as assert } from 'node:assert'
import { machinePolicy, orderPolicyFromConfig, DEFAULT_ORDER_POLICY } from '../../../src/order-protocol/index.js'
import type { OrderPolicy } from '../../../src/order-protocol/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

describe('order-protocol: provider policy', () => {
  const p = (extra: Partial<OrderPolicy> = {}): OrderPolicy => ({ ...DEFAULT_ORDER_POLICY, ...extra })

  // The machine applies the policy (test/unit/orders/provider.test.ts checks every refusal code);
  // the shell only translates the operator's config into it.
  it('gives the state machine every setting of the config', () => {
    assert.deepEqual(machinePolicy(p()), {
      maxHoldsPerCustomer: 8, deny: [], maxActiveHolds: 1024, maxHoldMs: 120_000, priceFloor: {}, manualApproval: false
    })
    const m = machinePolicy(p({ approval: 'manual', allowCustomers: ['bob'], denyCustomers: ['eve'], maxHoldsPerCustomer: 2, maxActiveHolds: 5, maxHoldMs: 59_999, priceFloor: { vm: '0.05' } }))
    assert.deepEqual(m, { maxHoldsPerCustomer: 2, allow: ['bob'], deny: ['eve'], maxActiveHolds: 5, maxHoldMs: 59_999, priceFloor: { vm: '0.05' }, manualApproval: true })
  })

  it('reads the config object with defaults and names the bad field', () => {
    assert.deepEqual(orderPolicyFromConfig(undefined), DEFAULT_ORDER_POLICY)
    assert.equal(orderPolicyFromConfig({ approval: 'manual' }).approval, 'manual')
    assert.throws(() => orderPolicyFromConfig({ maxHoldMs: 'x' }), e => isFulcrumError(e, 'DATADIR_CORRUPT') && e.path === 'orders.maxHoldMs')
    assert.throws(() => orderPolicyFromConfig({ priceFloor: { vm: '1e3' } }), e => isFulcrumError(e, 'DATADIR_CORRUPT') && e.path === 'orders.priceFloor.vm')
    assert.throws(() => orderPolicyFromConfig({ nope: 1 }), e => isFulcrumError(e, 'DATADIR_CORRUPT'))
  })
})
