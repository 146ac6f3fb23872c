import { strict as assert } from 'node:assert'
import { decideHold, orderPolicyFromConfig, DEFAULT_ORDER_POLICY, OrderShellError } from '../../../src/order-protocol/index.js'
import type { OrderPolicy } from '../../../src/order-protocol/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

describe('order-protocol: provider policy', () => {
  const req = { customer: 'alice', commitBy: 60_000, items: [{ offer: 'vm', price: '0.04' }] }
  const p = (extra: Partial<OrderPolicy> = {}): OrderPolicy => ({ ...DEFAULT_ORDER_POLICY, ...extra })
  const counts = { customer: 0, total: 0 }
  const code = (d: ReturnType<typeof decideHold>): string => d.kind === 'refuse' ? d.code : d.kind

  it('accepts within the defaults, or leaves it to the operator in manual mode', () => {
    assert.equal(code(decideHold(p(), req, counts, 0)), 'accept')
    assert.equal(code(decideHold(p({ approval: 'manual' }), req, counts, 0)), 'manual')
  })

  it('refuses by deny and allow lists, hold caps, hold length and price floor, each with its code', () => {
    assert.equal(code(decideHold(p({ denyCustomers: ['alice'] }), req, counts, 0)), OrderShellError.CUSTOMER_NOT_ALLOWED)
    assert.equal(code(decideHold(p({ allowCustomers: ['bob'] }), req, counts, 0)), OrderShellError.CUSTOMER_NOT_ALLOWED)
    assert.equal(code(decideHold(p({ allowCustomers: ['alice'] }), req, counts, 0)), 'accept')
    assert.equal(code(decideHold(p({ maxHoldsPerCustomer: 2 }), req, { customer: 2, total: 2 }, 0)), OrderShellError.TOO_MANY_HOLDS)
    assert.equal(code(decideHold(p({ maxActiveHolds: 5 }), req, { customer: 0, total: 5 }, 0)), OrderShellError.PROVIDER_BUSY)
    assert.equal(code(decideHold(p({ maxHoldMs: 59_999 }), req, counts, 0)), OrderShellError.HOLD_TOO_LONG)
    assert.equal(code(decideHold(p({ priceFloor: { vm: '0.05' } }), req, counts, 0)), OrderShellError.PRICE_BELOW_FLOOR)
    assert.equal(code(decideHold(p({ priceFloor: { vm: '0.04' } }), req, counts, 0)), 'accept')
  })

  it('reads the config object with defaults and names the bad field', () => {
    assert.deepEqual(orderPolicyFromConfig(undefined), DEFAULT_ORDER_POLICY)
    assert.equal(orderPolicyFromConfig({ approval: 'manual' }).approval, 'manual')
    assert.throws(() => orderPolicyFromConfig({ maxHoldMs: 'x' }), e => isFulcrumError(e, 'DATADIR_CORRUPT') && e.path === 'orders.maxHoldMs')
    assert.throws(() => orderPolicyFromConfig({ priceFloor: { vm: '1e3' } }), e => isFulcrumError(e, 'DATADIR_CORRUPT') && e.path === 'orders.priceFloor.vm')
    assert.throws(() => orderPolicyFromConfig({ nope: 1 }), e => isFulcrumError(e, 'DATADIR_CORRUPT'))
  })
})
