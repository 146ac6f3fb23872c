/** Shared builders for the order tests: a customer, three providers, their offers, a plan, a body. */
import { testIdentity, signed, T0 } from '../../helpers/offers.js'
import type { Identity } from '../../../src/identity/index.js'
import type { OfferRecord, Offer } from '../../../src/offers/index.js'
import { buildAgreementBody, DEFAULT_COMMIT_WINDOW_MS } from '../../../src/orders/index.js'
import type { Plan } from '../../../src/orders/index.js'
import type { EntryBody } from '../../../src/ledger/index.js'

export { T0 }
export const customer = testIdentity(100)
export const providers: Identity[] = [testIdentity(101), testIdentity(102), testIdentity(103)]
export const stranger = testIdentity(199)

/** Each provider's one offer: `vm-<i>`, capacity 10, 2.5 EUR/month. */
export function offerOf (i: number, overrides: Partial<Offer> = {}): OfferRecord & { kind: 'offer', body: Offer } {
  const p = providers[i] as Identity
  return signed(p, { id: `vm-${i}`, capacity: 10, price: { amount: '2.5', currency: 'EUR', unit: 'month' }, ...overrides }) as OfferRecord & { kind: 'offer', body: Offer }
}

/** A plan buying `quantity` units from each of the first `n` providers. */
export function planOf (n = 3, quantity = 2): Plan {
  return {
    items: Array.from({ length: n }, (_, i) => ({ name: `item-${i}`, record: offerOf(i), quantity })),
    term: { months: 1 },
    total: { amount: String(2.5 * quantity * n), currency: 'EUR', unit: 'month' }
  }
}

/** The agreement body of {@link planOf}, created at T0, commitBy T0 + the default window. */
export function bodyOf (n = 3, quantity = 2, orderId = 'ord-test1'): EntryBody {
  return buildAgreementBody({ plan: planOf(n, quantity), customer: customer.peerId, orderId, createdAt: T0, commitBy: T0 + DEFAULT_COMMIT_WINDOW_MS })
}
