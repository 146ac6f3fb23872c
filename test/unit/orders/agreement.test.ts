import { strict as assert } from 'node:assert'
import { encodeEntry, signEntryBody } from '../../../src/ledger/index.js'
import type { EntryBody } from '../../../src/ledger/index.js'
import { encodeRecord, sha256 } from '../../../src/offers/index.js'
import {
  OrderError, assembleCertificate, buildAgreementBody, decodeCertificate, ed25519Verifier, newOrderId, parseTerms, providersOf, verifyCertificate
} from '../../../src/orders/index.js'
import { bodyOf, customer, offerOf, planOf, providers, T0 } from './fixtures.js'

const code = (c: string, path?: string) => (err: unknown) =>
  (err as { code?: string }).code === c && (path === undefined || (err as { path?: string }).path === path)
type Terms = Record<string, unknown> & { items: Array<Record<string, unknown>> }
const withTerms = (change: (t: Terms) => void, b: EntryBody = bodyOf()): EntryBody => {
  const terms = structuredClone(b.terms) as unknown as Terms
  change(terms)
  return { ...b, terms: terms as never }
}

describe('orders: agreement terms', () => {
  it('builds the body from a plan: parties sorted, every item with its offer reference and record hash', () => {
    const body = bodyOf()
    const terms = parseTerms(body)
    assert.deepEqual(body.parties, [customer.peerId, ...providers.map(p => p.peerId)].sort())
    assert.equal(body.id, 'ord-test1')
    assert.equal(terms.customer, customer.peerId)
    assert.equal(terms.items.length, 3)
    const item = terms.items[0]!
    assert.deepEqual(item.offer, { provider: providers[0]!.peerId, id: 'vm-0', seq: 1, hash: sha256(encodeRecord(offerOf(0))) })
    assert.deepEqual(item.price, { amount: '2.5', currency: 'EUR', unit: 'month' })
    assert.deepEqual(providersOf(terms), providers.map(p => p.peerId).sort())
  })

  it('makes order ids of 16 random bytes', () => {
    const id = newOrderId(new Uint8Array(16).fill(255))
    assert.match(id, /^ord-[a-z2-7]{26}$/)
    assert.notEqual(id, newOrderId(new Uint8Array(16)))
  })

  it('refuses a plan in which the customer is also a provider', () => {
    assert.throws(() => buildAgreementBody({ plan: planOf(), customer: providers[0]!.peerId, orderId: 'o', createdAt: T0, commitBy: T0 + 1 }), code(OrderError.BAD_TERMS, 'terms.customer'))
  })

  const cases: Array<[string, EntryBody, string]> = [
    ['an unknown terms field', withTerms(t => { t.discount = '5' }), 'terms.discount'],
    ['an order id other than the entry id', withTerms(t => { t.order = 'ord-other' }), 'terms.order'],
    ['duplicate item names', withTerms(t => { t.items[1]!.name = 'item-0' }), 'terms.items'],
    ['no items', withTerms(t => { t.items = [] }), 'terms.items'],
    ['a zero quantity', withTerms(t => { t.items[0]!.quantity = 0 }), 'terms.items[0].quantity'],
    ['a float-like price', withTerms(t => { (t.items[0]!.price as Record<string, unknown>).amount = '2,5' }), 'terms.items[0].price.amount'],
    ['an item whose offer is another provider\'s', withTerms(t => { (t.items[0]!.offer as Record<string, unknown>).provider = providers[1]!.peerId }), 'terms.items[0].offer.provider'],
    ['a commitBy not after createdAt', withTerms(t => { t.commitBy = T0 }), 'terms.commitBy'],
    ['a term of 0 months', withTerms(t => { t.term = { months: 0 } }), 'terms.term.months'],
    ['parties that omit a provider', { ...bodyOf(), parties: bodyOf(2).parties }, 'parties']
  ]
  for (const [name, body, path] of cases) {
    it(`refuses terms with ${name} (ORDER_BAD_TERMS at ${path})`, () => {
      assert.throws(() => parseTerms(body), code(OrderError.BAD_TERMS, path))
    })
  }

  describe('certificates', () => {
    const body = bodyOf()
    const everyone = [customer, ...providers]
    const sigs = new Map(everyone.map(p => [p.peerId, signEntryBody('agreement', body, p)]))

    it('verifies a certificate that every party signed, and it encodes as a ledger entry', () => {
      const entry = assembleCertificate(body, sigs)
      verifyCertificate(entry, ed25519Verifier)
      assert.deepEqual(decodeCertificate(encodeEntry(entry)), entry)
    })

    it('refuses to assemble without every party\'s signature', () => {
      const some = new Map(sigs); some.delete(providers[2]!.peerId)
      assert.throws(() => assembleCertificate(body, some), code(OrderError.PARTIAL_COMMIT))
    })

    it('refuses a certificate in which one party\'s signature is missing or over another body', () => {
      const entry = assembleCertificate(body, sigs)
      const i = body.parties.indexOf(providers[1]!.peerId)
      const zeroed = { ...entry, sigs: entry.sigs.map((s, j) => j === i ? new Uint8Array(64) : s) }
      assert.throws(() => { verifyCertificate(zeroed, ed25519Verifier) }, code(OrderError.PARTIAL_COMMIT, `sigs[${i}]`))
      const other = signEntryBody('agreement', bodyOf(3, 3), providers[1]!)
      const swapped = { ...entry, sigs: entry.sigs.map((s, j) => j === i ? other : s) }
      assert.throws(() => { verifyCertificate(swapped, ed25519Verifier) }, code(OrderError.PARTIAL_COMMIT, `sigs[${i}]`))
    })

    it('refuses entry bytes that are not an agreement entry', () => {
      assert.throws(() => decodeCertificate(new Uint8Array([1, 2, 3])), code(OrderError.BAD_MESSAGE))
      const termination = encodeEntry({ type: 'termination', body: { id: 't1', agreement: body.id, parties: body.parties, createdAt: T0, reason: 'x' }, sigs: body.parties.map(() => new Uint8Array(64)) })
      assert.throws(() => decodeCertificate(termination), code(OrderError.BAD_MESSAGE))
    })
  })
})
