import { strict as assert } from 'node:assert'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  OrderDocError, OrderDocumentError, checkOrderDocument, expandCountries, isPinned, orderCurrency, validateOrderDocument
} from '../../../src/orders/index.js'
import type { DocIssue } from '../../../src/orders/index.js'
import { testIdentity } from '../../helpers/offers.js'

const EXAMPLES = 'config/examples/orders'

/** A valid document; tests change one thing. */
function doc (): Record<string, any> {
  return {
    items: [
      { name: 'app', type: 'compute.vm', countries: ['IT'], minSpecs: { vcpu: 4 }, quantity: 2 },
      { name: 'backups', type: 'storage.object', countries: ['DE'], quantity: 1 },
      { name: 'db', type: 'db.postgresql', countries: ['FR'], quantity: 1 }
    ],
    constraints: { countries: ['EU'], certifications: ['iso-27001'], budget: { amount: '900', currency: 'EUR', unit: 'month' } },
    term: { months: 1 }
  }
}

function issues (value: unknown): DocIssue[] {
  const r = checkOrderDocument(value)
  assert.equal(r.ok, false, 'expected the document to be invalid')
  return r.ok ? [] : r.issues
}

/** Asserts that the first issue has this code and path, and that its message repeats `quoted` if given. */
function fails (value: unknown, code: string, path: string, quoted?: string): DocIssue {
  const [first] = issues(value)
  assert.ok(first !== undefined)
  assert.deepEqual({ code: first.code, path: first.path }, { code, path })
  if (quoted !== undefined) assert.ok(first.message.includes(quoted), `message ${JSON.stringify(first.message)} lacks ${quoted}`)
  return first
}

describe('orders: order documents', () => {
  it('accepts the issue\'s three-item example and types it', () => {
    const d = validateOrderDocument(doc())
    assert.equal(d.items.length, 3)
    assert.equal(orderCurrency(d), 'EUR')
    assert.equal(isPinned(d.items[0]!), false)
  })

  it('validates every example in config/examples/orders', async () => {
    const files = (await readdir(EXAMPLES)).filter(f => f.endsWith('.json'))
    assert.ok(files.length >= 4)
    for (const f of files) {
      const r = checkOrderDocument(JSON.parse(await readFile(join(EXAMPLES, f), 'utf8')))
      assert.ok(r.ok, `${f}: ${JSON.stringify(r.ok ? '' : r.issues)}`)
    }
  })

  it('accepts an item pinning an offer, and rejects a pinned offer whose provider is not a peer id', () => {
    const d = doc()
    d.items[2] = { name: 'db', offer: { provider: testIdentity(3).peerId, id: 'par-pg16-8x32' }, quantity: 1 }
    assert.ok(isPinned(validateOrderDocument(d).items[2]!))
    d.items[2].offer.provider = 'QmNotAPeer'
    fails(d, OrderDocError.BAD_PROVIDER, 'items[2].offer.provider', '"QmNotAPeer"')
  })

  it('reports a pinned item\'s problems against the pinned form only', () => {
    const d = doc()
    d.items[1] = { name: 'x', offer: { provider: testIdentity(3).peerId, id: 'a' }, quantity: 1, countries: ['FR'] }
    assert.deepEqual(issues(d).map(i => [i.code, i.path]), [[OrderDocError.UNKNOWN_FIELD, 'items[1].countries']])
    d.items[1] = { name: 'x', type: 'compute.vm', quantity: 1, offer: 'nope' }
    assert.equal(issues(d)[0]?.path, 'items[1].offer')
  })

  const table: Array<[string, (d: Record<string, any>) => void, string, string, string?]> = [
    ['a missing field', d => { delete d.term }, OrderDocError.INVALID_FIELD, 'term'],
    ['a quantity of zero', d => { d.items[0].quantity = 0 }, OrderDocError.INVALID_FIELD, 'items[0].quantity', '0'],
    ['a fractional quantity', d => { d.items[0].quantity = 1.5 }, OrderDocError.INVALID_FIELD, 'items[0].quantity', '1.5'],
    ['no items', d => { d.items = [] }, OrderDocError.INVALID_FIELD, 'items'],
    ['17 items', d => { d.items = Array.from({ length: 17 }, (_, i) => ({ name: `i${i}`, type: 'compute.vm', quantity: 1 })) }, OrderDocError.INVALID_FIELD, 'items'],
    ['a term of 121 months', d => { d.term.months = 121 }, OrderDocError.INVALID_FIELD, 'term.months', '121'],
    ['a bad item name', d => { d.items[1].name = '-x y' }, OrderDocError.INVALID_FIELD, 'items[1].name', '"-x y"'],
    ['an unknown field', d => { d.items[2].colour = 'blue' }, OrderDocError.UNKNOWN_FIELD, 'items[2].colour'],
    ['an unknown top-level field', d => { d.extra = 1 }, OrderDocError.UNKNOWN_FIELD, 'extra'],
    ['an unknown version', d => { d.version = 2 }, OrderDocError.UNKNOWN_VERSION, 'version', '2'],
    ['an unknown service type', d => { d.items[1].type = 'storage.objects' }, OrderDocError.UNKNOWN_SERVICE_TYPE, 'items[1].type', '"storage.objects"'],
    ['an unknown item country', d => { d.items[1].countries = ['DE', 'XX'] }, OrderDocError.UNKNOWN_COUNTRY, 'items[1].countries[1]', '"XX"'],
    ['a lower-case country', d => { d.constraints.countries = ['eu'] }, OrderDocError.UNKNOWN_COUNTRY, 'constraints.countries[0]', '"eu"'],
    ['an unknown jurisdiction', d => { d.items[0].jurisdiction = 'ITA' }, OrderDocError.UNKNOWN_COUNTRY, 'items[0].jurisdiction', '"ITA"'],
    ['an unknown certification', d => { d.constraints.certifications = ['iso-27001', 'iso27001'] }, OrderDocError.UNKNOWN_CERTIFICATION, 'constraints.certifications[1]', 'iso-27017'],
    ['an unknown currency', d => { d.constraints.budget.currency = 'EURO' }, OrderDocError.UNKNOWN_CURRENCY, 'constraints.budget.currency', '"EURO"'],
    ['a budget per GiB', d => { d.constraints.budget.unit = 'gib-month' }, OrderDocError.BAD_UNIT, 'constraints.budget.unit', 'hour, month'],
    ['an unknown price unit', d => { d.items[0].maxPrice = { amount: '1', currency: 'EUR', unit: 'day' } }, OrderDocError.BAD_UNIT, 'items[0].maxPrice.unit', 'gib-month'],
    ['a numeric budget', d => { d.constraints.budget.amount = 900 }, OrderDocError.BAD_DECIMAL, 'constraints.budget.amount', '900'],
    ['a negative price', d => { d.items[0].maxPrice = { amount: '-1', currency: 'EUR', unit: 'hour' } }, OrderDocError.BAD_DECIMAL, 'items[0].maxPrice.amount', '"-1"'],
    ['a spec the type lacks', d => { d.items[1].minSpecs = { vcpu: 2 } }, OrderDocError.UNKNOWN_SPEC, 'items[1].minSpecs.vcpu', 'storageGiB'],
    ['a string spec as a minimum', d => { d.items[0].minSpecs = { arch: 1 } }, OrderDocError.UNKNOWN_SPEC, 'items[0].minSpecs.arch', 'vcpu, memoryGiB'],
    ['a negative spec minimum', d => { d.items[0].minSpecs = { vcpu: -1 } }, OrderDocError.INVALID_FIELD, 'items[0].minSpecs.vcpu', '-1'],
    ['a duplicate name', d => { d.items[2].name = 'app' }, OrderDocError.DUPLICATE_NAME, 'items[2].name', 'items[0]'],
    ['item countries outside the order\'s', d => { d.items[0].countries = ['CH'] }, OrderDocError.CONFLICT, 'items[0].countries', 'CH'],
    ['an item jurisdiction against the order\'s', d => { d.constraints.jurisdiction = 'FR'; d.items[0].jurisdiction = 'IT' }, OrderDocError.CONFLICT, 'items[0].jurisdiction'],
    ['an order currency against the budget', d => { d.constraints.currency = 'CHF' }, OrderDocError.CONFLICT, 'constraints.currency', 'CHF'],
    ['an item price in another currency', d => { d.items[2].maxPrice = { amount: '400', currency: 'CHF', unit: 'month' } }, OrderDocError.CONFLICT, 'items[2].maxPrice.currency', 'CHF'],
    ['more than 24 certifications with the order\'s', d => {
      d.constraints.certifications = ['iso-27001', 'iso-27017', 'iso-27018', 'iso-27701', 'iso-9001', 'iso-22301', 'iso-14001', 'soc2-type1', 'soc2-type2', 'csa-star-1', 'csa-star-2', 'pci-dss', 'secnumcloud']
      d.items[1].certifications = ['hds', 'c5-type1', 'c5-type2', 'bsi-grundschutz', 'ens-medium', 'ens-high', 'tisax', 'eucs-basic', 'eucs-substantial', 'eucs-high', 'gaia-x-standard', 'gaia-x-label-1']
    }, OrderDocError.INVALID_FIELD, 'items[1].certifications', '25'],
    ['a document that is not an object', d => { for (const k of Object.keys(d)) delete d[k] }, OrderDocError.INVALID_FIELD, 'items']
  ]
  for (const [what, change, code, path, quoted] of table) {
    it(`rejects ${what} with ${code} at ${path}`, () => {
      const d = doc()
      change(d)
      fails(d, code, path, quoted)
    })
  }

  it('rejects a non-object document at $', () => {
    fails('order', OrderDocError.INVALID_FIELD, '$', '"order"')
    fails(null, OrderDocError.INVALID_FIELD, '$')
  })

  it('lists every problem at once, in a thrown error carrying the first one\'s code and path', () => {
    const d = doc()
    d.items[0].countries = ['XX']
    d.items[1].type = 'nope'
    d.term.months = 0
    try {
      validateOrderDocument(d)
      assert.fail('expected an error')
    } catch (err) {
      assert.ok(err instanceof OrderDocumentError)
      assert.equal(err.code, OrderDocError.UNKNOWN_COUNTRY)
      assert.equal(err.path, 'items[0].countries[0]')
      assert.deepEqual(err.issues.map(i => i.path), ['items[0].countries[0]', 'items[1].type', 'term.months'])
    }
  })

  it('expands EU to the 27 member states', () => {
    const s = expandCountries(['EU', 'CH'])
    assert.equal(s?.size, 28)
    assert.ok(s?.has('FR') === true && s.has('CH') && !s.has('GB'))
    assert.equal(expandCountries(undefined), undefined)
  })

  it('takes the order currency from the budget, else the constraints, else an item\'s maximum price', () => {
    const d = validateOrderDocument({ items: [{ name: 'a', type: 'compute.vm', quantity: 1, maxPrice: { amount: '1', currency: 'CHF', unit: 'hour' } }], term: { months: 1 } })
    assert.equal(orderCurrency(d), 'CHF')
    assert.equal(orderCurrency(validateOrderDocument({ items: [{ name: 'a', type: 'compute.vm', quantity: 1 }], term: { months: 1 } })), undefined)
  })
})
