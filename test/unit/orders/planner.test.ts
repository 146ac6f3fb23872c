import { strict as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { OrderDocError, planOrder, validateOrderDocument, itemFilter } from '../../../src/orders/index.js'
import type { OrderDocument, PlanOutcome, PlanReason } from '../../../src/orders/index.js'
import { signWithdrawal, verifyRecord } from '../../../src/offers/index.js'
import type { VerifiedRecord } from '../../../src/offers/index.js'
import { T0, testIdentity, verified } from '../../helpers/offers.js'

const milan = testIdentity(1)
const frankfurt = testIdentity(2)
const paris = testIdentity(3)
const zurich = testIdentity(4)
const NOW = T0 + 1000

/** The demo's example offers (config/examples/*.json), signed by test identities. */
function demoOffers (): VerifiedRecord[] {
  return [
    verified(milan, { id: 'mil-vm-4x16', service: { type: 'compute.vm', specs: { vcpu: 4, memoryGiB: 16 } }, location: { country: 'IT' }, jurisdiction: 'IT', certifications: ['gaia-x-label-1', 'iso-27001'], price: { amount: '0.052', currency: 'EUR', unit: 'hour' }, capacity: 120 }),
    verified(frankfurt, { id: 'fra-s3-standard', service: { type: 'storage.object', specs: { storageGiB: 102400 } }, location: { country: 'DE', subdivision: 'DE-HE' }, jurisdiction: 'DE', certifications: ['c5-type2', 'iso-27001'], price: { amount: '0.0059', currency: 'EUR', unit: 'gib-month' }, capacity: 500000 }),
    verified(paris, { id: 'par-pg16-8x32', service: { type: 'db.postgresql', specs: { vcpu: 8, memoryGiB: 32, storageGiB: 500 } }, location: { country: 'FR', subdivision: 'FR-75' }, jurisdiction: 'FR', certifications: ['hds', 'iso-27001', 'secnumcloud'], price: { amount: '389', currency: 'EUR', unit: 'month' }, capacity: 25 }),
    verified(zurich, { id: 'zrh-vm-8x32', service: { type: 'compute.vm', specs: { vcpu: 8, memoryGiB: 32 } }, location: { country: 'CH', subdivision: 'CH-ZH' }, jurisdiction: 'CH', certifications: ['iso-27001'], price: { amount: '0.14', currency: 'CHF', unit: 'hour' }, capacity: 60 })
  ]
}

async function example (name: string): Promise<OrderDocument> {
  return validateOrderDocument(JSON.parse(await readFile(`config/examples/orders/${name}.json`, 'utf8')))
}

function vm (name: string, quantity = 1, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, type: 'compute.vm', quantity, ...extra }
}

function order (items: Array<Record<string, unknown>>, constraints: Record<string, unknown> = {}, months = 1): OrderDocument {
  return validateOrderDocument({ items, constraints, term: { months } })
}

function picks (outcome: PlanOutcome): string[] {
  assert.ok(outcome.ok, `expected a plan, got ${JSON.stringify(outcome.ok ? '' : outcome.reasons)}`)
  return outcome.plan.items.map(i => `${i.name}=${i.record.body.id}`)
}

function reasons (outcome: PlanOutcome): PlanReason[] {
  assert.ok(!outcome.ok, 'expected no plan')
  return outcome.reasons
}

/** A VM offer by `who` with the given id, price per hour and overrides. */
function vmOffer (who: number, id: string, price: string, overrides: Parameters<typeof verified>[1] = {}): VerifiedRecord {
  return verified(testIdentity(who), { id, price: { amount: price, currency: 'EUR', unit: 'hour' }, ...overrides })
}

describe('orders: planner', () => {
  it('plans the three-provider example to Milan, Frankfurt and Paris with exact costs', async () => {
    const outcome = planOrder(await example('three-providers'), demoOffers(), NOW)
    assert.deepEqual(picks(outcome), ['app=mil-vm-4x16', 'backups=fra-s3-standard', 'db=par-pg16-8x32'])
    assert.ok(outcome.ok)
    assert.deepEqual(outcome.plan.total, { amount: '470.9616', currency: 'EUR', unit: 'month' })
    assert.deepEqual(outcome.costs.items.map(i => i.perMonth), ['75.92', '6.0416', '389'])
    assert.equal(outcome.costs.term, '470.9616')
    assert.deepEqual(outcome.plan.items.map(i => i.quantity), [2, 1024, 1])
    assert.deepEqual(outcome.plan.term, { months: 1, noticeDays: 1 })
    assert.equal(outcome.search.exhaustive, true)
  })

  it('explains the unsatisfiable example: no PostgreSQL in FR with c5-type2, the nearest lacks it', async () => {
    const [reason, ...more] = reasons(planOrder(await example('unsatisfiable'), demoOffers(), NOW))
    assert.equal(more.length, 0)
    assert.equal(reason?.code, OrderDocError.PLAN_NO_CANDIDATE)
    assert.equal(reason?.item, 'db')
    assert.equal(reason?.nearest?.id, 'par-pg16-8x32')
    assert.deepEqual(reason?.nearest?.lacks, ['lacks c5-type2'])
    assert.match(reason?.message ?? '', /^db: no db\.postgresql in FR with c5-type2, iso-27001 .*the nearest is .*par-pg16-8x32 at 389 EUR\/month, which lacks c5-type2$/)
  })

  it('explains an over-budget order with the cheapest total, normalising a per-hour budget to the month', async () => {
    const [reason] = reasons(planOrder(await example('over-budget'), demoOffers(), NOW))
    assert.equal(reason?.code, OrderDocError.PLAN_OVER_BUDGET)
    assert.deepEqual(reason?.cheapest, [{ amount: '464.92', currency: 'EUR', unit: 'month' }])
    assert.match(reason?.message ?? '', /0\.5 EUR\/hour \(365 EUR\/month\)/)
    // At exactly the cheapest total, the budget is met.
    const d = await example('over-budget')
    d.constraints!.budget = { amount: '464.92', currency: 'EUR', unit: 'month' }
    assert.ok(planOrder(d, demoOffers(), NOW).ok)
  })

  it('plans an order with a pinned offer, and explains a pinned offer that is gone', async () => {
    const d = await example('pinned-offer')
    const outcome = planOrder(d, demoOffers(), NOW)
    assert.deepEqual(picks(outcome), ['app=mil-vm-4x16', 'db=par-pg16-8x32'])
    assert.ok(outcome.ok)
    assert.equal(outcome.costs.term, '6034.56') // (3 x 0.052 x 730 + 389) x 12
    const [reason] = reasons(planOrder(d, demoOffers().filter(r => r.record.body.provider !== paris.peerId), NOW))
    assert.deepEqual([reason?.code, reason?.item], [OrderDocError.PLAN_PINNED_NOT_FOUND, 'db'])
  })

  it('applies the order\'s constraints to a pinned offer too', () => {
    const d = order([{ name: 'db', offer: { provider: paris.peerId, id: 'par-pg16-8x32' }, quantity: 1 }], { certifications: ['c5-type2'] })
    const [reason] = reasons(planOrder(d, demoOffers(), NOW))
    assert.equal(reason?.code, OrderDocError.PLAN_NO_CANDIDATE)
    assert.deepEqual(reason?.nearest?.lacks, ['lacks c5-type2'])
    const big = order([{ name: 'db', offer: { provider: paris.peerId, id: 'par-pg16-8x32' }, quantity: 26 }])
    assert.deepEqual(reasons(planOrder(big, demoOffers(), NOW))[0]?.nearest?.lacks, ['has 25 unit(s) left'])
  })

  it('picks the cheapest offer per item and breaks ties by provider, then offer id', () => {
    const offers = [vmOffer(5, 'b', '0.05'), vmOffer(5, 'a', '0.05'), vmOffer(6, 'a', '0.04'), vmOffer(7, 'z', '0.04')]
    const cheapest = [testIdentity(6).peerId, testIdentity(7).peerId].sort()[0]
    const outcome = planOrder(order([vm('x')]), offers, NOW)
    assert.ok(outcome.ok)
    assert.equal(outcome.plan.items[0]?.record.body.provider, cheapest)
    const sameProvider = planOrder(order([vm('x')]), [vmOffer(5, 'b', '0.05'), vmOffer(5, 'a', '0.05')], NOW)
    assert.deepEqual(picks(sameProvider), ['x=a'])
  })

  it('keeps to the order\'s countries (EU leaves Zurich out) and certifications', () => {
    const offers = [vmOffer(4, 'zrh', '0.01', { location: { country: 'CH', subdivision: 'CH-ZH' } }), vmOffer(1, 'mil', '0.05'), vmOffer(2, 'fra', '0.04', { location: { country: 'DE', subdivision: 'DE-HE' }, certifications: [] })]
    assert.deepEqual(picks(planOrder(order([vm('x')]), offers, NOW)), ['x=zrh'])
    assert.deepEqual(picks(planOrder(order([vm('x')], { countries: ['EU'] }), offers, NOW)), ['x=fra'])
    assert.deepEqual(picks(planOrder(order([vm('x')], { countries: ['EU'], certifications: ['iso-27001'] }), offers, NOW)), ['x=mil'])
  })

  it('keeps to item specs, jurisdiction and maximum price', () => {
    const offers = [vmOffer(1, 'small', '0.02', { service: { type: 'compute.vm', specs: { vcpu: 2, memoryGiB: 4 } } }), vmOffer(2, 'big', '0.09', { jurisdiction: 'DE' }), vmOffer(3, 'mid', '0.05', { jurisdiction: 'FR' })]
    assert.deepEqual(picks(planOrder(order([vm('x', 1, { minSpecs: { vcpu: 4 } })]), offers, NOW)), ['x=mid'])
    assert.deepEqual(picks(planOrder(order([vm('x', 1, { minSpecs: { vcpu: 4 }, jurisdiction: 'DE' })]), offers, NOW)), ['x=big'])
    const [r] = reasons(planOrder(order([vm('x', 1, { minSpecs: { vcpu: 4 }, maxPrice: { amount: '30', currency: 'EUR', unit: 'month' } })]), offers.slice(1), NOW))
    assert.equal(r?.code, OrderDocError.PLAN_NO_CANDIDATE)
    assert.deepEqual(r?.nearest?.lacks, ['costs 0.05 EUR/hour'])
  })

  it('puts every item under one jurisdiction when asked, even at a higher total', () => {
    const offers = [vmOffer(1, 'it-cheap', '0.01', { jurisdiction: 'IT' }), vmOffer(2, 'fr-a', '0.05', { jurisdiction: 'FR' }),
      verified(testIdentity(3), { id: 'fr-db', service: { type: 'db.redis', specs: { memoryGiB: 8 } }, jurisdiction: 'FR', price: { amount: '0.1', currency: 'EUR', unit: 'hour' } })]
    const items = [vm('app'), { name: 'cache', type: 'db.redis', quantity: 1 }]
    assert.deepEqual(picks(planOrder(order(items), offers, NOW)), ['app=it-cheap', 'cache=fr-db'])
    assert.deepEqual(picks(planOrder(order(items, { sameJurisdiction: true }), offers, NOW)), ['app=fr-a', 'cache=fr-db'])
    const [r] = reasons(planOrder(order(items, { sameJurisdiction: true }), offers.filter(o => o.record.body.id !== 'fr-a'), NOW))
    assert.deepEqual([r?.code, r?.constraint], [OrderDocError.PLAN_NO_COMMON_JURISDICTION, 'jurisdiction'])
    assert.match(r?.message ?? '', /app: IT EUR; cache: FR EUR/)
  })

  it('gives each item its own provider when asked, and names the items that share too few providers', () => {
    const offers = [vmOffer(1, 'a1', '0.01'), vmOffer(1, 'a2', '0.02'), vmOffer(2, 'b1', '0.05')]
    assert.deepEqual(picks(planOrder(order([vm('x'), vm('y')]), offers, NOW)), ['x=a1', 'y=a1'])
    assert.deepEqual(picks(planOrder(order([vm('x'), vm('y')], { distinctProviders: true }), offers, NOW)), ['x=a1', 'y=b1'])
    const [r] = reasons(planOrder(order([vm('x'), vm('y'), vm('z')], { distinctProviders: true }), offers, NOW))
    assert.deepEqual([r?.code, r?.constraint], [OrderDocError.PLAN_DISTINCT_PROVIDERS, 'distinctProviders'])
    assert.match(r?.message ?? '', /items x, y, z are only offered by 2 provider/)
  })

  it('never books more units of one offer than its capacity across items', () => {
    const offers = [vmOffer(1, 'small', '0.01', { capacity: 3 }), vmOffer(2, 'dear', '0.09', { capacity: 100 })]
    assert.deepEqual(picks(planOrder(order([vm('x', 2), vm('y', 1)]), offers, NOW)), ['x=small', 'y=small'])
    // Equal totals either way: the tie goes to the lower (provider, offer id) of x, the first item.
    assert.ok(testIdentity(1).peerId < testIdentity(2).peerId)
    assert.deepEqual(picks(planOrder(order([vm('x', 2), vm('y', 2)]), offers, NOW)), ['x=small', 'y=dear'])
    const [r] = reasons(planOrder(order([vm('x', 2), vm('y', 2)]), offers.slice(0, 1), NOW))
    assert.equal(r?.code, OrderDocError.PLAN_CAPACITY)
    assert.match(r?.message ?? '', /x and y need 4 unit\(s\) of .*small, which has 3/)
  })

  it('never mixes currencies: no common one, or several without a choice', () => {
    const chf = vmOffer(4, 'zrh', '0.01', { price: { amount: '0.01', currency: 'CHF', unit: 'hour' } })
    const eur = vmOffer(1, 'mil', '0.05')
    const redisChf = verified(testIdentity(5), { id: 'r', service: { type: 'db.redis', specs: { memoryGiB: 8 } }, price: { amount: '1', currency: 'CHF', unit: 'hour' } })
    const [r1] = reasons(planOrder(order([vm('app'), { name: 'cache', type: 'db.redis', quantity: 1 }]), [eur, redisChf], NOW))
    assert.deepEqual([r1?.code, r1?.constraint], [OrderDocError.PLAN_NO_COMMON_CURRENCY, 'currency'])
    const [r2] = reasons(planOrder(order([vm('x')]), [chf, eur], NOW))
    assert.equal(r2?.code, OrderDocError.PLAN_CURRENCY_AMBIGUOUS)
    assert.deepEqual(r2?.cheapest?.map(c => c.currency), ['CHF', 'EUR'])
    assert.deepEqual(picks(planOrder(order([vm('x')], { currency: 'EUR' }), [chf, eur], NOW)), ['x=mil'])
  })

  it('ignores expired offers, withdrawals, older seqs and equivocating records', () => {
    const fresh = vmOffer(1, 'a', '0.05', { seq: 2 })
    const old = vmOffer(1, 'a', '0.01', { seq: 1 })
    const expiring = vmOffer(2, 'b', '0.01', { expiresAt: NOW })
    const gone = verifyRecord(signWithdrawal({ provider: testIdentity(3).peerId, id: 'c', seq: 5, issuedAt: T0 }, testIdentity(3)), NOW)
    assert.deepEqual(picks(planOrder(order([vm('x')]), [old, expiring, gone, fresh], NOW)), ['x=a'])
    const twin = vmOffer(1, 'a', '0.02', { seq: 2 })
    const [r] = reasons(planOrder(order([vm('x')]), [fresh, twin], NOW))
    assert.equal(r?.code, OrderDocError.PLAN_NO_CANDIDATE)
    const [e] = reasons(planOrder(order([vm('x')]), [expiring], NOW))
    assert.match(e?.nearest?.lacks[0] ?? '', /^expired at /)
  })

  it('leaves out offers billed by use, which have no monthly cost', () => {
    const transit = verified(testIdentity(1), { id: 't', service: { type: 'network.transit', specs: { bandwidthMbps: 1000 } }, price: { amount: '0.01', currency: 'EUR', unit: 'gib-transfer' } })
    const [r] = reasons(planOrder(order([{ name: 'net', type: 'network.transit', quantity: 1 }]), [transit], NOW))
    assert.deepEqual(r?.nearest?.lacks, ['is billed per gib-transfer, by use rather than by time'])
  })

  it('says when no offer of the type exists at all, and reports every item without candidates', () => {
    const rs = reasons(planOrder(order([vm('x'), { name: 'gpu', type: 'compute.gpu', quantity: 1 }, { name: 'k', type: 'container.kubernetes', quantity: 1 }]), [vmOffer(1, 'a', '0.05')], NOW))
    assert.deepEqual(rs.map(r => [r.code, r.item]), [[OrderDocError.PLAN_NO_CANDIDATE, 'gpu'], [OrderDocError.PLAN_NO_CANDIDATE, 'k']])
    assert.match(rs[0]?.message ?? '', /no compute\.gpu offer at all/)
  })

  it('stops at the step limit: ORDER_PLAN_SEARCH_LIMIT, or a plan marked not exhaustive', () => {
    const offers = [vmOffer(1, 'a', '0.05'), vmOffer(2, 'b', '0.04')]
    const [r] = reasons(planOrder(order([vm('x'), vm('y')], { distinctProviders: true }), offers, NOW, { maxSteps: 1 }))
    assert.equal(r?.code, OrderDocError.PLAN_SEARCH_LIMIT)
    // Distinct providers fail quickly; the search without them, to explain why, runs out of steps.
    const [r2] = reasons(planOrder(order([vm('x'), vm('y')], { distinctProviders: true }), offers.slice(0, 1), NOW, { maxSteps: 2 }))
    assert.equal(r2?.code, OrderDocError.PLAN_SEARCH_LIMIT)
    const partial = planOrder(order([vm('x'), vm('y')], { distinctProviders: true }), offers, NOW, { maxSteps: 4 })
    assert.ok(partial.ok)
    assert.equal(partial.search.exhaustive, false)
  })

  it('builds each item\'s query filter from the item and the order\'s constraints', async () => {
    const d = await example('three-providers')
    assert.deepEqual(itemFilter(d, d.items[0]!), { minCapacity: 2, currency: 'EUR', certifications: ['iso-27001'], countries: ['IT'], type: 'compute.vm', minSpecs: { vcpu: 4 } })
    const p = await example('pinned-offer')
    assert.deepEqual(itemFilter(p, p.items[1]!), { minCapacity: 1, currency: 'EUR', certifications: ['iso-27001'], countries: ['EU'], provider: paris.peerId })
  })
})
