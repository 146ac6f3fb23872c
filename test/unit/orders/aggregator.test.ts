import { strict as assert } from 'node:assert'
import type { Identity } from '../../../src/identity/index.js'
import { bodyHash, decodeEntry, signEntryBody } from '../../../src/ledger/index.js'
import type { Entry, EntryBody } from '../../../src/ledger/index.js'
import { encodeRecord, sha256 } from '../../../src/offers/index.js'
import type { BundleComponent, Offer, OfferRecord } from '../../../src/offers/index.js'
import {
  AggregatorError, COMMIT_MARGIN_MS, CustomerStatus, DEFAULT_COMMIT_WINDOW_MS, GRACE_MS, MAX_HOLD_WINDOW_MS, OrderError, ProviderStatus,
  SUB_ORDER_OFFSET_MS, assembleCertificate, buildAgreementBody, customerStep, decideCustomer, ed25519Verifier, parentLink, parseTerms,
  partRefusal, planSubOrder, restoreCustomer, startOrder, subOrderAction, verifyCertificate, verifyChainLink
} from '../../../src/orders/index.js'
import type { ComponentOffer, CustomerRecord, CustomerStep, OrderMessage, ParentState } from '../../../src/orders/index.js'
import { signed } from '../../helpers/offers.js'
import { customer, providers, stranger, T0 } from './fixtures.js'
import { msg } from './provider-harness.js'

type SignedOffer = OfferRecord & { kind: 'offer', body: Offer }
const [aggregator, part1, part2] = providers as [Identity, Identity, Identity]
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const code = (c: string, path?: string) => (e: unknown): boolean => {
  const err = e as { code?: string, path?: string }
  assert.equal(err.code, c, String(e))
  if (path !== undefined) assert.equal(err.path, path)
  return true
}

/** The two parts: part1's vm at 2.5 EUR/month, part2's db at 4 EUR/month. */
const parts: SignedOffer[] = [
  signed(part1, { id: 'vm', capacity: 10, price: { amount: '2.5', currency: 'EUR', unit: 'month' } }) as SignedOffer,
  signed(part2, { id: 'db', capacity: 10, price: { amount: '4', currency: 'EUR', unit: 'month' } }) as SignedOffer
]
const componentOf = (r: SignedOffer, quantity: number): BundleComponent => ({ provider: r.body.provider, id: r.body.id, seq: r.body.seq, hash: hex(sha256(encodeRecord(r))), quantity })
const components = [componentOf(parts[0]!, 2), componentOf(parts[1]!, 1)]
const bundleRecord = signed(aggregator, { id: 'stack', capacity: 3, price: { amount: '20', currency: 'EUR', unit: 'month' }, bundle: components } as Partial<Offer>) as SignedOffer
const bundles = new Map([['stack', components]])
const known = (records: SignedOffer[]) => (provider: string, id: string): ComponentOffer | undefined => {
  const r = records.find(x => x.body.provider === provider && x.body.id === id)
  return r === undefined ? undefined : { offer: r.body, hash: sha256(encodeRecord(r)) }
}

/** The customer's body: `quantity` bundles (plus, optionally, another item). */
function parentBody (quantity = 3, extra: SignedOffer[] = [], commitBy = T0 + DEFAULT_COMMIT_WINDOW_MS): EntryBody {
  const items = [{ name: 'stack', record: bundleRecord, quantity }, ...extra.map((record, i) => ({ name: `x${i}`, record, quantity: 1 }))]
  return buildAgreementBody({ plan: { items, term: { months: 2 }, total: { amount: '60', currency: 'EUR', unit: 'month' } }, customer: customer.peerId, orderId: 'ord-parent', createdAt: T0, commitBy })
}
const plan = (parent = parentBody(), records = parts, now = T0 + 100): ReturnType<typeof planSubOrder> =>
  planSubOrder({ parent, self: aggregator.peerId, bundles, component: known(records), orderId: 'ord-sub', now })

describe('orders: aggregator sub-orders (order-v1 §10)', () => {
  describe('planSubOrder', () => {
    it('buys each part for the bundle quantity, at the part\'s price, linked to the parent by id and body hash, deciding later than the parent can', () => {
      const parent = parentBody()
      const sub = plan(parent)
      assert.ok(sub !== undefined)
      const t = parseTerms(sub.body)
      assert.equal(t.customer, aggregator.peerId)
      assert.deepEqual(t.items.map(i => [i.name, i.provider, i.offer.id, i.quantity, i.price.amount]), [
        ['0.0.stack', part1.peerId, 'vm', 6, '2.5'], ['0.1.stack', part2.peerId, 'db', 3, '4']
      ])
      assert.deepEqual(t.items.map(i => hex(i.offer.hash)), parts.map(r => hex(sha256(encodeRecord(r)))))
      assert.equal(t.commitBy, parseTerms(parent).commitBy + SUB_ORDER_OFFSET_MS)
      assert.ok(t.commitBy - COMMIT_MARGIN_MS > parseTerms(parent).commitBy + GRACE_MS, 'the sub-order can still commit when the parent hold ends')
      assert.deepEqual(t.parent, { order: 'ord-parent', hash: bodyHash('agreement', parent) })
      assert.deepEqual(t.term, { months: 2 })
      assert.deepEqual(t.total, { amount: '27', currency: 'EUR', unit: 'month' })
      assert.deepEqual(sub.body.parties, [aggregator.peerId, part1.peerId, part2.peerId].sort())
      assert.deepEqual(sub.addresses, { [part1.peerId]: [], [part2.peerId]: [] })
    })
    it('returns nothing for a parent naming none of this aggregator\'s bundles', () => {
      assert.equal(planSubOrder({ parent: parentBody(), self: aggregator.peerId, bundles: new Map(), component: known(parts), orderId: 'ord-sub', now: T0 }), undefined)
      assert.equal(planSubOrder({ parent: parentBody(), self: part1.peerId, bundles, component: known(parts), orderId: 'ord-sub', now: T0 }), undefined)
    })
    it('refuses a part it does not know: ORDER_BUNDLE_PART_UNAVAILABLE at the parent item', () => {
      assert.throws(() => plan(parentBody(), [parts[0]!]), code(AggregatorError.PART_UNAVAILABLE, 'terms.items[0]'))
    })
    it('refuses a part at another seq than the bundle pins: ORDER_BUNDLE_PART_UNAVAILABLE', () => {
      const newer = signed(part2, { id: 'db', seq: parts[1]!.body.seq + 1, price: { amount: '4', currency: 'EUR', unit: 'month' } }) as SignedOffer
      assert.throws(() => plan(parentBody(), [parts[0]!, newer]), code(AggregatorError.PART_UNAVAILABLE, 'terms.items[0]'))
    })
    it('refuses a part whose record hash differs at the same seq: ORDER_BUNDLE_PART_UNAVAILABLE', () => {
      const other = signed(part2, { id: 'db', price: { amount: '5', currency: 'EUR', unit: 'month' } }) as SignedOffer
      assert.equal(other.body.seq, parts[1]!.body.seq)
      assert.throws(() => plan(parentBody(), [parts[0]!, other]), code(AggregatorError.PART_UNAVAILABLE))
    })
    it('refuses an expired part: ORDER_BUNDLE_PART_UNAVAILABLE', () => {
      const now = parts[0]!.body.expiresAt
      const parent = parentBody(1, [], now + DEFAULT_COMMIT_WINDOW_MS)
      assert.throws(() => plan(parent, parts, now), code(AggregatorError.PART_UNAVAILABLE))
    })
    it('refuses a parent deadline that would hold the parts longer than MAX_HOLD_WINDOW_MS: ORDER_BAD_DEADLINE', () => {
      const commitBy = T0 + MAX_HOLD_WINDOW_MS - SUB_ORDER_OFFSET_MS + 1
      assert.throws(() => plan(parentBody(1, [], commitBy), parts, T0), code(OrderError.BAD_DEADLINE, 'terms.commitBy'))
      assert.ok(plan(parentBody(1, [], commitBy - 1), parts, T0) !== undefined)
    })
    it('refuses parts priced in two currencies, or billed by use: ORDER_BAD_TERMS', () => {
      const chf = signed(part2, { id: 'db', price: { amount: '4', currency: 'CHF', unit: 'month' } }) as SignedOffer
      const byUse = signed(part2, { id: 'db', price: { amount: '4', currency: 'EUR', unit: 'gib-transfer' } }) as SignedOffer
      for (const r of [chf, byUse]) {
        const b = new Map([['stack', [components[0]!, componentOf(r, 1)]]])
        assert.throws(() => planSubOrder({ parent: parentBody(), self: aggregator.peerId, bundles: b, component: known([parts[0]!, r]), orderId: 'ord-sub', now: T0 }), code(OrderError.BAD_TERMS))
      }
    })
    it('refuses more than MAX_ORDER_ITEMS parts in all: ORDER_BAD_TERMS', () => {
      const many = Array.from({ length: 8 }, (_, k) => signed(part1, { id: `c${k}`, price: { amount: '1', currency: 'EUR', unit: 'month' } }) as SignedOffer)
      const b = new Map([['stack', many.map(r => componentOf(r, 1))]])
      const items = Array.from({ length: 5 }, (_, i) => ({ name: `s${i}`, record: bundleRecord, quantity: 1 }))
      const parent = buildAgreementBody({ plan: { items, term: { months: 1 }, total: { amount: '1', currency: 'EUR', unit: 'month' } }, customer: customer.peerId, orderId: 'ord-parent', createdAt: T0, commitBy: T0 + DEFAULT_COMMIT_WINDOW_MS })
      assert.throws(() => planSubOrder({ parent, self: aggregator.peerId, bundles: b, component: known(many), orderId: 'ord-sub', now: T0 }), code(OrderError.BAD_TERMS, 'terms.items'))
    })
  })

  describe('partRefusal', () => {
    const sub = plan() as NonNullable<ReturnType<typeof plan>>
    it('names the part that refused, its provider and offer, and the provider\'s code: ORDER_BUNDLE_PART_REFUSED', () => {
      const r = partRefusal(sub.body, [{ provider: part2.peerId, code: OrderError.QUANTITY_ABOVE_CAPACITY, reason: '3 asked, 1 available' }], [])
      assert.equal(r.code, AggregatorError.PART_REFUSED)
      assert.ok(r.reason.includes(`0.1.stack (${part2.peerId}/db)`) && r.reason.includes(OrderError.QUANTITY_ABOVE_CAPACITY), r.reason)
    })
    it('names the parts that never held when none refused: ORDER_BUNDLE_PART_UNREACHABLE', () => {
      const r = partRefusal(sub.body, [], [part1.peerId])
      assert.equal(r.code, AggregatorError.PART_UNREACHABLE)
      assert.ok(r.reason.includes(`0.0.stack (${part1.peerId}/vm)`) && !r.reason.includes('/db'), r.reason)
    })
  })

  describe('subOrderAction: the sub-order\'s decision from the parent\'s state', () => {
    const parentStates: ParentState[] = ['none', ProviderStatus.Pending, ProviderStatus.Held, ProviderStatus.Committed, ProviderStatus.Released, ProviderStatus.Expired]
    const table: Record<string, string[]> = {
      [CustomerStatus.Holding]: ['abort', 'abort', 'abort', 'abort', 'abort', 'abort'],
      [CustomerStatus.Prepared]: ['abort', 'wait', 'wait', 'commit', 'abort', 'abort'],
      [CustomerStatus.Committed]: ['none', 'none', 'none', 'none', 'none', 'none'],
      [CustomerStatus.Aborted]: ['none', 'none', 'none', 'none', 'none', 'none'],
      [CustomerStatus.Done]: ['none', 'none', 'none', 'none', 'none', 'none']
    }
    for (const [sub, actions] of Object.entries(table)) {
      it(`sub-order ${sub}: ${parentStates.map((p, i) => `${p} -> ${actions[i] as string}`).join(', ')}`, () => {
        assert.deepEqual(parentStates.map(p => subOrderAction(sub as CustomerStatus, p)), actions)
      })
    }
  })

  describe('verifyChainLink: an auditor follows customer -> aggregator -> parts', () => {
    const certify = (body: EntryBody, signers: Identity[]): Entry => assembleCertificate(body, new Map(signers.map(s => [s.peerId, signEntryBody('agreement', body, s)])))
    const parent = parentBody()
    const parentEntry = certify(parent, [customer, aggregator])
    const subBody = (plan(parent) as NonNullable<ReturnType<typeof plan>>).body
    const subEntry = certify(subBody, [aggregator, part1, part2])
    const withTerms = (change: Record<string, unknown>, signers = [aggregator, part1, part2], parties = subBody.parties): Entry =>
      certify({ ...subBody, parties, terms: { ...subBody.terms, ...change } as EntryBody['terms'] }, signers)

    it('accepts the real chain', () => {
      verifyChainLink(parentEntry, subEntry, ed25519Verifier)
    })
    const { parent: _omit, ...noParent } = subBody.terms as Record<string, unknown>
    const cases: Array<[string, () => Entry, Entry, string, string | undefined]> = [
      ['a sub-order without a parent link', () => certify({ ...subBody, terms: noParent as EntryBody['terms'] }, [aggregator, part1, part2]), parentEntry, AggregatorError.BROKEN_LINK, 'terms.parent'],
      ['a link to another order id', () => withTerms({ parent: { order: 'ord-other', hash: parentLink(parent).hash } }), parentEntry, AggregatorError.BROKEN_LINK, 'terms.parent.order'],
      ['a link to another body of the same id', () => subEntry, certify(parentBody(2), [customer, aggregator]), AggregatorError.BROKEN_LINK, 'terms.parent.hash'],
      ['a sub-order whose customer sells nothing in the parent', () => withTerms({ customer: stranger.peerId }, [stranger, part1, part2], [stranger.peerId, part1.peerId, part2.peerId].sort()), parentEntry, AggregatorError.BROKEN_LINK, 'terms.customer'],
      ['a sub-order a part did not sign', () => ({ ...subEntry, sigs: subEntry.sigs.map((s, i) => i === 1 ? new Uint8Array(64) : s) }), parentEntry, OrderError.PARTIAL_COMMIT, undefined],
      ['a parent the customer did not sign', () => subEntry, { ...parentEntry, sigs: parentEntry.sigs.map(() => new Uint8Array(64)) }, OrderError.PARTIAL_COMMIT, undefined]
    ]
    for (const [name, sub, par, c, path] of cases) {
      it(`refuses ${name}: ${c}`, () => { assert.throws(() => verifyChainLink(par, sub(), ed25519Verifier), code(c, path)) })
    }
  })
})

describe('orders: customer machine, prepare-only orders (an aggregator\'s sub-orders)', () => {
  const sub = (plan() as NonNullable<ReturnType<typeof plan>>).body
  const terms = parseTerms(sub)
  const ctx = { signer: aggregator, verifier: ed25519Verifier }
  const to = aggregator.peerId
  const heldBy = (p: Identity): OrderMessage => msg('held', p, sub.id, { bodyHash: bodyHash('agreement', sub), entrySig: signEntryBody('agreement', sub, p), expiresAt: terms.commitBy + GRACE_MS }, to)
  const types = (s: CustomerStep): string[] => s.effects.map(e => e.type === 'send' ? `send:${e.message.kind}` : e.type)
  const t1 = T0 + 1_000
  const prepared = (): CustomerStep => {
    let s = startOrder(ctx, sub, T0 + 100, { prepareOnly: true })
    for (const p of [part1, part2]) s = customerStep(ctx, s.state, { type: 'message', message: heldBy(p) }, t1)
    return s
  }
  const written = (s: CustomerStep): CustomerRecord => (s.effects.find(e => e.type === 'write') as { record: CustomerRecord }).record

  it('Holding -> Prepared when every part held: writes every party\'s signature, sends nothing, wakes at its own decision deadline', () => {
    const s = prepared()
    assert.deepEqual(types(s), ['write', 'wake'])
    const r = written(s)
    assert.equal(r.status, CustomerStatus.Prepared)
    assert.deepEqual(Object.keys((r as { sigs: Record<string, Uint8Array> }).sigs).sort(), sub.parties)
    assert.deepEqual(s.effects[1], { type: 'wake', at: terms.commitBy - COMMIT_MARGIN_MS })
  })
  it('Prepared survives a restart (no presumed abort): the signatures come back from the record', () => {
    const r = restoreCustomer(ctx, written(prepared()), t1)
    assert.equal(r.state.record.status, CustomerStatus.Prepared)
    assert.deepEqual(types(r), ['wake'])
    assert.equal(r.state.sigs.size, 3)
  })
  it('Prepared -> Committed on decide commit: the certificate is written first, then sent to every part', () => {
    const s = decideCustomer(ctx, restoreCustomer(ctx, written(prepared()), t1).state, { commit: true }, t1 + 1)
    assert.deepEqual(types(s), ['write', 'send:commit', 'send:commit', 'wake'])
    const w = s.effects[0] as { record: CustomerRecord, entry?: Uint8Array }
    assert.equal(w.record.status, CustomerStatus.Committed)
    verifyCertificate(decodeEntry(w.entry as Uint8Array), ed25519Verifier)
  })
  it('Prepared -> Aborted on decide commit too late (ORDER_LATE_COMMIT), and on decide abort', () => {
    const late = decideCustomer(ctx, prepared().state, { commit: true }, terms.commitBy - COMMIT_MARGIN_MS)
    assert.equal(late.state.record.status, CustomerStatus.Aborted)
    assert.match((late.state.record as { reason: string }).reason, /^ORDER_LATE_COMMIT/)
    const aborted = decideCustomer(ctx, prepared().state, { commit: false, reason: 'parent released' }, t1)
    assert.deepEqual(types(aborted), ['write', 'send:abort', 'send:abort', 'wake'])
  })
  it('Holding -> Aborted on decide abort; a commit while holding is ORDER_WRONG_STATUS', () => {
    const holding = startOrder(ctx, sub, T0 + 100, { prepareOnly: true }).state
    assert.equal(decideCustomer(ctx, holding, { commit: false }, t1).state.record.status, CustomerStatus.Aborted)
    assert.throws(() => decideCustomer(ctx, holding, { commit: true }, t1), code(OrderError.WRONG_STATUS))
  })
  it('deciding again changes nothing; deciding the opposite is ORDER_WRONG_STATUS', () => {
    const committed = decideCustomer(ctx, prepared().state, { commit: true }, t1).state
    assert.deepEqual(types(decideCustomer(ctx, committed, { commit: true }, t1)), ['wake'])
    assert.throws(() => decideCustomer(ctx, committed, { commit: false }, t1), code(OrderError.WRONG_STATUS))
    const aborted = decideCustomer(ctx, prepared().state, { commit: false }, t1).state
    assert.throws(() => decideCustomer(ctx, aborted, { commit: true }, t1), code(OrderError.WRONG_STATUS))
  })
  it('Prepared: a tick before the deadline does nothing; at the deadline it aborts (ORDER_LATE_COMMIT)', () => {
    const s = prepared().state
    assert.deepEqual(types(customerStep(ctx, s, { type: 'tick' }, t1 + 5_000)), ['wake'])
    const late = customerStep(ctx, s, { type: 'tick' }, terms.commitBy - COMMIT_MARGIN_MS)
    assert.equal(late.state.record.status, CustomerStatus.Aborted)
    assert.deepEqual(types(late), ['write', 'send:abort', 'send:abort', 'wake'])
  })
  it('Prepared: answers status-request with pending and ignores a repeated held', () => {
    const s = prepared().state
    const q = customerStep(ctx, s, { type: 'message', message: msg('status-request', part1, sub.id, {}, to) }, t1)
    assert.equal((q.effects[0] as { message: OrderMessage<'status'> }).message.body.state, 'pending')
    assert.deepEqual(types(customerStep(ctx, s, { type: 'message', message: heldBy(part1) }, t1)), ['wake'])
  })
  it('Holding (prepare-only) -> Aborted when a part refuses, like any order', () => {
    const s = customerStep(ctx, startOrder(ctx, sub, T0 + 100, { prepareOnly: true }).state, { type: 'message', message: msg('refused', part2, sub.id, { code: OrderError.POLICY_REFUSED, reason: 'no' }, to) }, t1)
    assert.equal(s.state.record.status, CustomerStatus.Aborted)
    assert.deepEqual((s.state.record as { refusals: unknown[] }).refusals, [{ provider: part2.peerId, code: OrderError.POLICY_REFUSED, reason: 'no' }])
  })
})
