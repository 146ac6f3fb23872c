/**
 * Builds the order-v1 planning vectors (protocols/vectors/order-plan-v1.json): offers, order
 * documents and the answers the planner must give, worked out by hand (protocols/order-v1.md §1-2).
 *
 * `node --import tsx scripts/vectors/order-plan-v1.ts --write` rewrites the file; without --write it
 * prints it. test/unit/orders/vectors.test.ts checks that the file, this script and the planner agree.
 * The offers are given as bodies: planning trusts its input to be verified (order-v1 §2.1).
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createIdentity } from '../../src/identity/index.js'
import type { Offer } from '../../src/offers/index.js'

/** Fixed seeds: byte i of provider n's seed is n*16 + i. Never use them for anything real. */
const seed = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (n * 16 + i) & 0xff)
const NOW = Date.UTC(2026, 0, 2)

function offer (n: number, id: string, type: string, specs: Record<string, number>, country: string, subdivision: string,
  certifications: string[], price: [string, string, string], capacity: number): Offer {
  return {
    provider: createIdentity(seed(n)).peerId,
    id,
    seq: Date.UTC(2026, 0, 1),
    issuedAt: Date.UTC(2026, 0, 1),
    expiresAt: Date.UTC(2026, 0, 8),
    service: { type, specs },
    location: { country, subdivision },
    jurisdiction: country,
    certifications,
    price: { amount: price[0], currency: price[1], unit: price[2] },
    capacity,
    sla: { availability: '99.9' },
    terms: { url: 'https://provider.example/terms', sha256: 'ab'.repeat(32) },
    addresses: []
  }
}

const VM = { vcpu: 4, memoryGiB: 16 }
const term = { months: 1 }

export function buildVectors (): Record<string, unknown> {
  const offers = [
    offer(1, 'mil-vm-4x16', 'compute.vm', VM, 'IT', 'IT-MI', ['gaia-x-label-1', 'iso-27001'], ['0.052', 'EUR', 'hour'], 120),
    offer(2, 'fra-s3-standard', 'storage.object', { storageGiB: 102400 }, 'DE', 'DE-HE', ['c5-type2', 'iso-27001'], ['0.0059', 'EUR', 'gib-month'], 500000),
    offer(2, 'fra-vm-4x16', 'compute.vm', VM, 'DE', 'DE-HE', ['iso-27001'], ['0.06', 'EUR', 'hour'], 10),
    offer(3, 'par-pg16-8x32', 'db.postgresql', { vcpu: 8, memoryGiB: 32, storageGiB: 500 }, 'FR', 'FR-75', ['hds', 'iso-27001', 'secnumcloud'], ['389', 'EUR', 'month'], 25),
    offer(3, 'par-vm-4x16', 'compute.vm', VM, 'FR', 'FR-75', ['iso-27001'], ['40', 'EUR', 'month'], 4),
    offer(4, 'zrh-vm-8x32', 'compute.vm', { vcpu: 8, memoryGiB: 32 }, 'CH', 'CH-ZH', ['iso-27001'], ['0.14', 'CHF', 'hour'], 60),
    offer(5, 'lyo-vm-4x16', 'compute.vm', VM, 'FR', 'FR-ARA', ['iso-27001'], ['39', 'EUR', 'month'], 2),
    offer(6, 'ber-vm-4x16', 'compute.vm', VM, 'DE', 'DE-BE', [], ['0.06', 'EUR', 'hour'], 10)
  ]
  const p = (n: number): string => createIdentity(seed(n)).peerId
  const vm = (name: string, quantity: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, type: 'compute.vm', quantity, ...extra })
  const db = { name: 'db', type: 'db.postgresql', quantity: 1 }
  const plan = (items: Array<[string, number, string, number, string]>, total: string, termTotal: string): Record<string, unknown> =>
    ({ ok: true, items: items.map(([name, provider, id, quantity, perMonth]) => ({ name, provider: p(provider), id, quantity, perMonth })), total, term: termTotal })
  const fail = (...reasons: Array<Record<string, unknown>>): Record<string, unknown> => ({ ok: false, reasons })
  const cases = [
    { name: 'three providers: 2 x 0.052 x 730 + 1024 x 0.0059 + 389',
      document: { items: [vm('app', 2, { countries: ['IT'], minSpecs: { vcpu: 4 } }), { name: 'backups', type: 'storage.object', countries: ['DE'], quantity: 1024 }, { ...db, countries: ['FR'] }],
        constraints: { countries: ['EU'], certifications: ['iso-27001'], distinctProviders: true, budget: { amount: '900', currency: 'EUR', unit: 'month' } }, term },
      expect: plan([['app', 1, 'mil-vm-4x16', 2, '75.92'], ['backups', 2, 'fra-s3-standard', 1024, '6.0416'], ['db', 3, 'par-pg16-8x32', 1, '389']], '470.9616', '470.9616') },
    { name: 'EU leaves Zurich out: the cheapest EU VM (37.96 EUR/month)',
      document: { items: [vm('vm', 1)], constraints: { countries: ['EU'] }, term },
      expect: plan([['vm', 1, 'mil-vm-4x16', 1, '37.96']], '37.96', '37.96') },
    { name: 'plans in EUR and CHF and no currency chosen',
      document: { items: [vm('vm', 1)], term },
      expect: fail({ code: 'ORDER_PLAN_CURRENCY_AMBIGUOUS', constraint: 'currency', cheapest: [{ amount: '102.2', currency: 'CHF', unit: 'month' }, { amount: '37.96', currency: 'EUR', unit: 'month' }] }) },
    { name: 'one jurisdiction for all: the database is only in France, so the VM is too',
      document: { items: [vm('vm', 1), db], constraints: { sameJurisdiction: true, currency: 'EUR' }, term: { months: 12 } },
      expect: plan([['vm', 5, 'lyo-vm-4x16', 1, '39'], ['db', 3, 'par-pg16-8x32', 1, '389']], '428', '5136') },
    { name: 'without one jurisdiction: the cheapest VM anywhere',
      document: { items: [vm('vm', 1), db], constraints: { currency: 'EUR' }, term },
      expect: plan([['vm', 1, 'mil-vm-4x16', 1, '37.96'], ['db', 3, 'par-pg16-8x32', 1, '389']], '426.96', '426.96') },
    { name: 'equal prices: the lower provider peer id wins (Berlin before Frankfurt)',
      document: { items: [vm('vm', 1, { countries: ['DE'] })], term },
      expect: plan([['vm', 6, 'ber-vm-4x16', 1, '43.8']], '43.8', '43.8') },
    { name: 'distinct providers under one jurisdiction: only Paris has 3 VMs in France',
      document: { items: [vm('vm', 3, { countries: ['FR'] }), db], constraints: { sameJurisdiction: true, distinctProviders: true }, term },
      expect: fail({ code: 'ORDER_PLAN_DISTINCT_PROVIDERS', constraint: 'distinctProviders' }) },
    { name: 'two items need 6 units of an offer with 4',
      document: { items: [vm('a', 3, { countries: ['FR'] }), vm('b', 3, { countries: ['FR'] })], term },
      expect: fail({ code: 'ORDER_PLAN_CAPACITY', constraint: 'capacity' }) },
    { name: 'over a budget of 400 EUR/month',
      document: { items: [vm('vm', 1), db], constraints: { budget: { amount: '400', currency: 'EUR', unit: 'month' } }, term },
      expect: fail({ code: 'ORDER_PLAN_OVER_BUDGET', constraint: 'budget', cheapest: [{ amount: '426.96', currency: 'EUR', unit: 'month' }] }) },
    { name: 'no PostgreSQL with C5: the nearest lacks it',
      document: { items: [vm('app', 2, { countries: ['IT'] }), { ...db, certifications: ['c5-type2'] }], constraints: { certifications: ['iso-27001'] }, term },
      expect: fail({ code: 'ORDER_PLAN_NO_CANDIDATE', item: 'db', nearest: { provider: p(3), id: 'par-pg16-8x32', price: { amount: '389', currency: 'EUR', unit: 'month' }, lacks: ['lacks c5-type2'] } }) },
    { name: 'a pinned offer and two German VMs for a quarter',
      document: { items: [{ name: 'db', offer: { provider: p(3), id: 'par-pg16-8x32' }, quantity: 1 }, vm('vm', 2, { countries: ['DE'], certifications: ['iso-27001'] })], term: { months: 3 } },
      expect: plan([['db', 3, 'par-pg16-8x32', 1, '389'], ['vm', 2, 'fra-vm-4x16', 2, '87.6']], '476.6', '1429.8') },
    { name: 'a pinned offer that does not exist',
      document: { items: [{ name: 'db', offer: { provider: p(3), id: 'par-pg15' }, quantity: 1 }], term },
      expect: fail({ code: 'ORDER_PLAN_PINNED_NOT_FOUND', item: 'db' }) }
  ]
  const base = { items: [vm('app', 1)], term }
  const documents = [
    { name: 'unknown country', document: { ...base, constraints: { countries: ['EU', 'UK'] } }, issues: [{ code: 'ORDER_DOC_UNKNOWN_COUNTRY', path: 'constraints.countries[1]' }] },
    { name: 'budget per GiB', document: { ...base, constraints: { budget: { amount: '9', currency: 'EUR', unit: 'gib-month' } } }, issues: [{ code: 'ORDER_DOC_BAD_UNIT', path: 'constraints.budget.unit' }] },
    { name: 'numeric amount and unknown field', document: { items: [vm('app', 1, { maxPrice: { amount: 1, currency: 'EUR', unit: 'hour' }, colour: 'red' })], term }, issues: [{ code: 'ORDER_DOC_UNKNOWN_FIELD', path: 'items[0].colour' }, { code: 'ORDER_DOC_BAD_DECIMAL', path: 'items[0].maxPrice.amount' }] },
    { name: 'issues sorted by path, indexes as numbers', document: { items: [...Array.from({ length: 10 }, (_, i) => vm(`v${i}`, i === 2 ? 0 : 1)), vm('v10', 1, { countries: ['XX'] })], term }, issues: [{ code: 'ORDER_DOC_INVALID_FIELD', path: 'items[2].quantity' }, { code: 'ORDER_DOC_UNKNOWN_COUNTRY', path: 'items[10].countries[0]' }] },
    { name: 'pinned provider not a peer id', document: { items: [{ name: 'x', offer: { provider: 'p1', id: 'a' }, quantity: 1 }], term }, issues: [{ code: 'ORDER_DOC_BAD_PROVIDER', path: 'items[0].offer.provider' }] },
    { name: 'duplicate names and a spec of another type', document: { items: [vm('a', 1), { name: 'a', type: 'storage.object', quantity: 1, minSpecs: { vcpu: 1 } }], term }, issues: [{ code: 'ORDER_DOC_UNKNOWN_SPEC', path: 'items[1].minSpecs.vcpu' }, { code: 'ORDER_DOC_DUPLICATE_NAME', path: 'items[1].name' }] },
    { name: 'an item outside the order\'s countries', document: { items: [vm('a', 1, { countries: ['CH'] })], constraints: { countries: ['EU'] }, term }, issues: [{ code: 'ORDER_DOC_CONFLICT', path: 'items[0].countries' }] },
    { name: 'version 2', document: { ...base, version: 2 }, issues: [{ code: 'ORDER_DOC_UNKNOWN_VERSION', path: 'version' }] },
    { name: 'term of 0 months and no items', document: { items: [], term: { months: 0 } }, issues: [{ code: 'ORDER_DOC_INVALID_FIELD', path: 'items' }, { code: 'ORDER_DOC_INVALID_FIELD', path: 'term.months' }] }
  ]
  return { description: 'order-v1 §1-2: order documents and planning; offers are verified offer bodies; costs per month in exact decimals', now: NOW, offers, cases, documents }
}

export const VECTORS_PATH = fileURLToPath(new URL('../../protocols/vectors/order-plan-v1.json', import.meta.url))

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = JSON.stringify(buildVectors(), null, 2) + '\n'
  if (process.argv.includes('--write')) await writeFile(VECTORS_PATH, text)
  else process.stdout.write(text)
}
