import { strict as assert } from 'node:assert'
import { bodyHash, decodeEntry, entrySigningBytes } from '../../../src/ledger/index.js'
import { verify } from '../../../src/identity/index.js'
import {
  OrderError, ProviderStatus, GRACE_MS, QUERY_AFTER_MS, MAX_HOLD_WINDOW_MS, DEFAULT_POLICY, availableUnits, buildAgreementBody,
  providerState, DEFAULT_COMMIT_WINDOW_MS, ENDED_RETENTION_MS
} from '../../../src/orders/index.js'
import type { OrderMessage } from '../../../src/orders/index.js'
import { bodyOf, customer, offerOf, planOf, providers, stranger, T0 } from './fixtures.js'
import { ProviderHarness, certificate, holdMsg, liveOf, msg, self } from './provider-harness.js'


const body = bodyOf()
const commitBy = T0 + DEFAULT_COMMIT_WINDOW_MS
const held = (h: ProviderHarness, b = body): ProviderHarness => { h.send(holdMsg(b)); assert.equal(h.code(), 'held'); return h }
const avail = (h: ProviderHarness): number => availableUnits(h.state, h.state.offers.get('vm-0')!)
/** A body from `customer` for `quantity` units of vm-0 (and the other two providers' offers). */
const bodyWith = (order: string, quantity: number, at = T0): ReturnType<typeof bodyOf> =>
  buildAgreementBody({ plan: planOf(3, quantity), customer: customer.peerId, orderId: order, createdAt: at, commitBy: at + DEFAULT_COMMIT_WINDOW_MS })

describe('orders: provider state machine', () => {
  describe('(none) -> Held', () => {
    it('reserves capacity durably, then answers with its entry signature and expiry commitBy + GRACE', () => {
      const h = new ProviderHarness()
      const effects = h.send(holdMsg(body))
      assert.deepEqual(effects.map(e => e.type), ['write', 'reply', 'wake'])
      const m = h.reply() as OrderMessage<'held'>
      assert.equal(m.kind, 'held')
      assert.equal(m.body.expiresAt, commitBy + GRACE_MS)
      assert.deepEqual(m.body.bodyHash, bodyHash('agreement', body))
      assert.ok(verify(self.publicKey, entrySigningBytes('agreement', body), m.body.entrySig))
      assert.equal(h.status(body.id), ProviderStatus.Held)
      assert.equal(avail(h), 8)
    })

    it('answers a repeated hold with the same held message and writes nothing', () => {
      const h = held(new ProviderHarness())
      const first = h.reply()
      h.send(holdMsg(body))
      assert.deepEqual(h.reply(), first)
      assert.equal(h.writes().length, 0)
      assert.equal(avail(h), 8)
    })

    const refusals: Array<[string, string, (h: ProviderHarness) => OrderMessage]> = [
      ['the same order id with another body', OrderError.CONFLICT, h => { held(h); return holdMsg(bodyOf(3, 3)) }],
      ['a hold signed by someone other than the customer', OrderError.NOT_A_PARTY, () => holdMsg(body, stranger)],
      ['a hold addressed to another provider', OrderError.WRONG_RECIPIENT, () => msg('hold', customer, body.id, { body }, providers[1]!.peerId)],
      ['a forged signature', OrderError.BAD_SIGNATURE, () => ({ ...holdMsg(body), sig: holdMsg(bodyOf(3, 3)).sig })],
      ['a body whose id is not the order id', OrderError.BAD_MESSAGE, () => msg('hold', customer, 'ord-other', { body })],
      ['an offer that was withdrawn', OrderError.OFFER_WITHDRAWN, h => { h.step({ type: 'offer', offer: liveOf(0, { seq: 2, withdrawn: true }) }); return holdMsg(body) }],
      ['an offer that changed seq', OrderError.OFFER_CHANGED, h => { h.step({ type: 'offer', offer: liveOf(0, { seq: 2 }) }); return holdMsg(body) }],
      ['an offer whose record hash differs', OrderError.OFFER_CHANGED, h => { h.step({ type: 'offer', offer: liveOf(0, { hash: new Uint8Array(32) }) }); return holdMsg(body) }],
      ['an offer it does not have', OrderError.UNKNOWN_OFFER, h => { h.state = providerState(self.peerId, []); return holdMsg(body) }],
      ['a price that is not the offer\'s', OrderError.PRICE_MISMATCH, h => { h.step({ type: 'offer', offer: liveOf(0, { price: { amount: '3', currency: 'EUR', unit: 'month' } }) }); return holdMsg(body) }],
      ['a quantity above capacity', OrderError.QUANTITY_ABOVE_CAPACITY, () => holdMsg(bodyWith('ord-big', 11))],
      ['a quantity above what other holds left', OrderError.QUANTITY_ABOVE_CAPACITY, h => { h.send(holdMsg(bodyWith('ord-a', 6))); return holdMsg(bodyWith('ord-b', 5)) }],
      ['a commitBy too close', OrderError.BAD_DEADLINE, h => { h.now = commitBy - 1000; return holdMsg(body) }],
      ['a commitBy that has passed (a replay after the record was forgotten)', OrderError.BAD_DEADLINE, h => { h.now = commitBy + 1; return holdMsg(body) }],
      ['a commitBy further than the longest hold', OrderError.BAD_DEADLINE, () => holdMsg(buildAgreementBody({ plan: planOf(), customer: customer.peerId, orderId: 'o-far', createdAt: T0, commitBy: T0 + MAX_HOLD_WINDOW_MS + 1 }))],
      ['a customer on the deny list', OrderError.POLICY_REFUSED, h => { h.policy = { ...DEFAULT_POLICY, deny: [customer.peerId] }; return holdMsg(body) }],
      ['a customer not on the allow list', OrderError.POLICY_REFUSED, h => { h.policy = { ...DEFAULT_POLICY, allow: [stranger.peerId] }; return holdMsg(body) }],
      ['a customer at its cap of concurrent holds', OrderError.TOO_MANY_HOLDS, h => { h.policy = { maxHoldsPerCustomer: 1 }; held(h, bodyWith('ord-1', 1)); return holdMsg(bodyWith('ord-2', 1)) }],
      ['a hold after the customer aborted (replay)', OrderError.REPLAY, h => { held(h); h.send(msg('abort', customer, body.id, { reason: 'x' })); return holdMsg(body) }],
      ['a hold for an order it is not part of', OrderError.NOT_A_PARTY, () => holdMsg(buildAgreementBody({ plan: { ...planOf(3), items: planOf(3).items.slice(1) }, customer: customer.peerId, orderId: 'o-x', createdAt: T0, commitBy }))]
    ]
    for (const [name, code, make] of refusals) {
      it(`refuses ${name}: ${code}`, () => {
        const h = new ProviderHarness()
        const m = make(h)
        const before = h.state.orders.get(m.body.order)
        h.send(m)
        assert.equal(h.code(), code)
        assert.equal(h.state.orders.get(m.body.order), before)
      })
    }
  })

  describe('manual approval: (none) -> Pending -> Held | Released', () => {
    const manual = (): ProviderHarness => new ProviderHarness({ ...DEFAULT_POLICY, manualApproval: true })
    it('reserves and answers pending; approve signs; the repeated hold gets held', () => {
      const h = manual()
      h.send(holdMsg(body))
      assert.equal(h.code(), 'status')
      assert.equal((h.reply() as OrderMessage<'status'>).body.state, 'pending')
      assert.equal(avail(h), 8)
      h.step({ type: 'approve', order: body.id })
      assert.equal(h.status(body.id), ProviderStatus.Held)
      h.send(holdMsg(body))
      assert.equal(h.code(), 'held')
    })
    it('deny releases; the repeated hold is ORDER_APPROVAL_DENIED', () => {
      const h = manual()
      h.send(holdMsg(body))
      h.step({ type: 'deny', order: body.id })
      assert.equal(avail(h), 10)
      h.send(holdMsg(body))
      assert.equal(h.code(), OrderError.APPROVAL_DENIED)
    })
    it('expires a pending hold at commitBy', () => {
      const h = manual()
      h.send(holdMsg(body))
      h.step({ type: 'tick' }, commitBy)
      assert.equal(h.status(body.id), ProviderStatus.Expired)
    })
    it('throws ORDER_WRONG_STATUS for approve or deny of an order that is not pending', () => {
      const h = held(new ProviderHarness())
      assert.throws(() => h.step({ type: 'approve', order: body.id }), (e: unknown) => (e as { code?: string }).code === OrderError.WRONG_STATUS)
      assert.throws(() => h.step({ type: 'deny', order: 'nope' }), (e: unknown) => (e as { code?: string }).code === OrderError.WRONG_STATUS)
    })
  })

  describe('Held -> Committed', () => {
    it('appends the certificate with the record, acks, and forwards it to the other providers', () => {
      const h = held(new ProviderHarness())
      const cert = certificate(body)
      const effects = h.send(msg('commit', customer, body.id, { entry: cert }))
      assert.deepEqual(effects.map(e => e.type), ['write', 'reply', 'send', 'send'])
      assert.deepEqual((effects[0] as { entry?: Uint8Array }).entry, cert)
      assert.equal(h.code(), 'committed')
      assert.deepEqual(h.sends().map(s => s.to).sort(), [providers[1]!.peerId, providers[2]!.peerId].sort())
      assert.ok(h.sends().every(s => s.message.kind === 'commit'))
      assert.equal(h.status(body.id), ProviderStatus.Committed)
      assert.equal(avail(h), 8)
      decodeEntry(cert)
    })
    it('acks a repeated commit without writing again', () => {
      const h = held(new ProviderHarness())
      h.send(msg('commit', customer, body.id, { entry: certificate(body) }))
      h.send(msg('commit', providers[1]!, body.id, { entry: certificate(body) }))
      assert.equal(h.code(), 'committed')
      assert.equal(h.writes().length, 0)
    })
    it('commits from a certificate another party returns to its status query (cooperative termination)', () => {
      const h = held(new ProviderHarness())
      h.send(msg('status', providers[2]!, body.id, { state: 'committed', entry: certificate(body) }), commitBy + QUERY_AFTER_MS)
      assert.equal(h.status(body.id), ProviderStatus.Committed)
      assert.equal(h.last.effects.filter(e => e.type === 'reply').length, 0)
    })

    const refusals: Array<[string, string, (h: ProviderHarness) => OrderMessage]> = [
      ['a commit for an order it never held', OrderError.UNKNOWN_ORDER, () => msg('commit', customer, body.id, { entry: certificate(body) })],
      ['a commit whose body alters the hold', OrderError.COMMIT_ALTERS_HOLD, h => { held(h); const other = bodyOf(3, 3); return msg('commit', customer, body.id, { entry: certificate(other) }) }],
      ['a commit that lacks a party\'s signature (a partial set)', OrderError.PARTIAL_COMMIT, h => { held(h); return msg('commit', customer, body.id, { entry: certificate(body, providers[2]!.peerId) }) }],
      ['a commit after the hold expired (late)', OrderError.HOLD_EXPIRED, h => { held(h); h.now = commitBy + GRACE_MS; return msg('commit', customer, body.id, { entry: certificate(body) }) }],
      ['a commit after the customer aborted', OrderError.RELEASED, h => { held(h); h.send(msg('abort', customer, body.id, { reason: 'x' })); return msg('commit', customer, body.id, { entry: certificate(body) }) }],
      ['a commit from a non-party', OrderError.NOT_A_PARTY, h => { held(h); return msg('commit', stranger, body.id, { entry: certificate(body) }) }],
      ['a commit whose bytes are no entry', OrderError.BAD_MESSAGE, h => { held(h); return msg('commit', customer, body.id, { entry: new Uint8Array([1]) }) }]
    ]
    for (const [name, code, make] of refusals) {
      it(`refuses ${name}: ${code}`, () => {
        const h = new ProviderHarness()
        const m = make(h)
        h.send(m)
        assert.equal(h.code(), code)
        assert.notEqual(h.status(body.id), ProviderStatus.Committed)
        assert.equal(h.writes().filter(w => 'entry' in w).length, 0)
      })
    }
    it('records the expiry when a late commit is what finds the hold expired', () => {
      const h = held(new ProviderHarness())
      h.send(msg('commit', customer, body.id, { entry: certificate(body) }), commitBy + GRACE_MS)
      assert.equal(h.status(body.id), ProviderStatus.Expired)
      assert.equal(avail(h), 10)
    })
  })

  describe('Held -> Released', () => {
    it('frees the capacity on the customer\'s abort and acks with status released, idempotently', () => {
      const h = held(new ProviderHarness())
      h.send(msg('abort', customer, body.id, { reason: 'a provider refused' }))
      assert.equal(h.status(body.id), ProviderStatus.Released)
      assert.equal(avail(h), 10)
      assert.equal((h.reply() as OrderMessage<'status'>).body.state, 'released')
      h.send(msg('abort', customer, body.id, { reason: 'again' }))
      assert.equal((h.reply() as OrderMessage<'status'>).body.state, 'released')
      assert.equal(h.writes().length, 0)
    })
    it('releases on the customer\'s signed status "aborted" during its query', () => {
      const h = held(new ProviderHarness())
      h.send(msg('status', customer, body.id, { state: 'aborted' }))
      assert.equal(h.status(body.id), ProviderStatus.Released)
    })
    it('acks an abort for an order it does not know with status unknown', () => {
      const h = new ProviderHarness()
      h.send(msg('abort', customer, 'ord-never', { reason: 'x' }))
      assert.equal((h.reply() as OrderMessage<'status'>).body.state, 'unknown')
    })
    it('refuses an abort by anyone but the customer (ORDER_NOT_A_PARTY) and after commit (ORDER_ALREADY_COMMITTED)', () => {
      const h = held(new ProviderHarness())
      h.send(msg('abort', providers[1]!, body.id, { reason: 'x' }))
      assert.equal(h.code(), OrderError.NOT_A_PARTY)
      assert.equal(h.status(body.id), ProviderStatus.Held)
      h.send(msg('commit', customer, body.id, { entry: certificate(body) }))
      h.send(msg('abort', customer, body.id, { reason: 'x' }))
      assert.equal(h.code(), OrderError.ALREADY_COMMITTED)
      assert.equal(h.status(body.id), ProviderStatus.Committed)
    })
  })

  describe('Held -> Expired, deadlines and restarts', () => {
    it('asks every other party for the certificate after commitBy + QUERY_AFTER, then expires at commitBy + GRACE', () => {
      const h = held(new ProviderHarness())
      h.step({ type: 'tick' }, commitBy + QUERY_AFTER_MS - 1)
      assert.equal(h.sends().length, 0)
      h.step({ type: 'tick' }, commitBy + QUERY_AFTER_MS)
      assert.deepEqual(h.sends().map(s => s.to).sort(), body.parties.filter(p => p !== self.peerId).sort())
      assert.ok(h.sends().every(s => s.message.kind === 'status-request'))
      h.step({ type: 'tick' }, commitBy + GRACE_MS - 1)
      assert.equal(h.status(body.id), ProviderStatus.Held)
      h.step({ type: 'tick' }, commitBy + GRACE_MS)
      assert.equal(h.status(body.id), ProviderStatus.Expired)
      assert.equal(avail(h), 10)
    })
    it('keeps the expiry across a restart: a provider rebuilt from its records expires on time', () => {
      const h = held(new ProviderHarness())
      const records = [...h.state.orders.values()]
      const h2 = new ProviderHarness()
      h2.state = providerState(self.peerId, [liveOf()], records)
      assert.equal(avail(h2), 8)
      const effects = h2.step({ type: 'tick' }, commitBy + GRACE_MS)
      assert.equal(h2.status(body.id), ProviderStatus.Expired)
      assert.equal(effects[0]!.type, 'write')
    })
    it('forgets an ended order after its retention, and asks to be woken for each deadline', () => {
      const h = held(new ProviderHarness())
      assert.deepEqual(h.last.effects.at(-1), { type: 'wake', at: commitBy + QUERY_AFTER_MS })
      h.send(msg('abort', customer, body.id, { reason: 'x' }))
      h.step({ type: 'tick' }, commitBy + GRACE_MS + ENDED_RETENTION_MS)
      assert.equal(h.status(body.id), undefined)
      assert.deepEqual(h.last.effects, [{ type: 'delete', order: body.id }])
    })
    it('counts commits against the live seq only: a new seq states the capacity left', () => {
      const h = held(new ProviderHarness())
      h.send(msg('commit', customer, body.id, { entry: certificate(body) }))
      assert.equal(avail(h), 8)
      h.step({ type: 'offer', offer: { ...liveOf(), seq: 2, capacity: 8 } })
      assert.equal(avail(h), 8)
    })
  })

  describe('status requests', () => {
    it('answers a party with its state, the expiry while held and the certificate once committed', () => {
      const h = held(new ProviderHarness())
      h.send(msg('status-request', providers[1]!, body.id, {}))
      const s = h.reply() as OrderMessage<'status'>
      assert.equal(s.body.state, 'held')
      assert.equal(s.body.expiresAt, commitBy + GRACE_MS)
      h.send(msg('commit', customer, body.id, { entry: certificate(body) }))
      h.send(msg('status-request', customer, body.id, {}))
      assert.deepEqual((h.reply() as OrderMessage<'status'>).body.entry, certificate(body))
    })
    it('refuses a status request by a non-party: ORDER_NOT_A_PARTY', () => {
      const h = held(new ProviderHarness())
      h.send(msg('status-request', stranger, body.id, {}))
      assert.equal(h.code(), OrderError.NOT_A_PARTY)
    })
  })

  describe('quotes and counter-offers', () => {
    const ref = { provider: self.peerId, id: 'vm-0', seq: 1, hash: liveOf().hash }
    it('quotes the list price for lines that fit, and counters with the units left', () => {
      const h = held(new ProviderHarness(), bodyWith('ord-a', 7))
      h.send(msg('quote-request', customer, 'ord-q', { items: [{ offer: ref, quantity: 5 }] }))
      const q = h.reply() as OrderMessage<'quote'>
      assert.equal(q.kind, 'quote')
      assert.deepEqual(q.body.items, [])
      assert.deepEqual(q.body.counter?.map(l => l.quantity), [3])
    })
    it('counters a bid at or above its price floor, and then holds at the quoted price', () => {
      const h = new ProviderHarness({ ...DEFAULT_POLICY, priceFloor: { 'vm-0': '2' } })
      const bid = { amount: '2.2', currency: 'EUR', unit: 'month' }
      h.send(msg('quote-request', customer, 'ord-q', { items: [{ offer: ref, quantity: 2, bid }] }))
      assert.deepEqual((h.reply() as OrderMessage<'quote'>).body.counter?.[0]?.price, bid)
      const plan = planOf(3)
      plan.items[0] = { ...plan.items[0]!, record: { ...plan.items[0]!.record, body: { ...plan.items[0]!.record.body, price: bid } } }
      const b = buildAgreementBody({ plan, customer: customer.peerId, orderId: 'ord-q', createdAt: T0, commitBy })
      // the record hash of the plan's item must still name the signed record: patch it back
      const terms = b.terms as unknown as { items: Array<{ offer: { hash: Uint8Array } }> }
      terms.items[0]!.offer.hash = liveOf().hash
      h.send(holdMsg(b))
      assert.equal(h.code(), 'held')
      const h2 = new ProviderHarness()
      h2.send(holdMsg(b))
      assert.equal(h2.code(), OrderError.PRICE_MISMATCH)
    })
    it('refuses a quote when no line can be served: ORDER_QUANTITY_ABOVE_CAPACITY', () => {
      const h = new ProviderHarness()
      h.send(msg('quote-request', customer, 'ord-q', { items: [{ offer: ref, quantity: 11 }] }))
      assert.equal(h.code(), 'quote')
      h.send(msg('quote-request', customer, 'ord-q2', { items: [{ offer: { ...ref, seq: 9 }, quantity: 1 }] }))
      assert.equal(h.code(), OrderError.OFFER_CHANGED)
    })
  })
  void offerOf
})

describe('orders: provider quotes, refusals', () => {
  const ref = { provider: self.peerId, id: 'vm-0', seq: 1, hash: liveOf().hash }
  it('refuses a quote for an order id it already holds: ORDER_CONFLICT', () => {
    const h = new ProviderHarness()
    h.send(holdMsg(bodyOf()))
    h.send(msg('quote-request', customer, bodyOf().id, { items: [{ offer: ref, quantity: 1 }] }))
    assert.equal(h.code(), OrderError.CONFLICT)
  })
  it('counts live quotes against the customer\'s cap: ORDER_TOO_MANY_HOLDS', () => {
    const h = new ProviderHarness({ maxHoldsPerCustomer: 1 })
    h.send(msg('quote-request', customer, 'ord-q1', { items: [{ offer: ref, quantity: 1 }] }))
    assert.equal(h.code(), 'quote')
    h.send(msg('quote-request', customer, 'ord-q2', { items: [{ offer: ref, quantity: 1 }] }))
    assert.equal(h.code(), OrderError.TOO_MANY_HOLDS)
    h.step({ type: 'tick' }, T0 + 60_000)
    h.send(msg('quote-request', customer, 'ord-q3', { items: [{ offer: ref, quantity: 1 }] }), T0 + 60_000)
    assert.equal(h.code(), 'quote')
  })
})

describe('orders: provider quotes then holds', () => {
  it('a hold replaces the quote it used in the customer\'s count', () => {
    const h = new ProviderHarness({ maxHoldsPerCustomer: 2 })
    const ref = { provider: self.peerId, id: 'vm-0', seq: 1, hash: liveOf().hash }
    h.send(msg('quote-request', customer, bodyOf().id, { items: [{ offer: ref, quantity: 2 }] }))
    h.send(holdMsg(bodyOf()))
    assert.equal(h.code(), 'held')
    assert.equal(h.state.quotes.size, 0)
    h.send(holdMsg(bodyOf(3, 1, 'ord-second')))
    assert.equal(h.code(), 'held')
  })
})
