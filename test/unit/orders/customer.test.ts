import { strict as assert } from 'node:assert'
import type { Identity } from '../../../src/identity/index.js'
import { bodyHash, decodeEntry, signEntryBody } from '../../../src/ledger/index.js'
import {
  OrderError, CustomerStatus, COMMIT_MARGIN_MS, GRACE_MS, RETRY_INTERVAL_MS, DEFAULT_COMMIT_WINDOW_MS,
  customerStep, deliverUntil, ed25519Verifier, restoreCustomer, startOrder, toCustomerCommitted, toCustomerDone, verifyCertificate
} from '../../../src/orders/index.js'
import type { CustomerEvent, CustomerRecord, CustomerStep, OrderMessage } from '../../../src/orders/index.js'
import { bodyOf, customer, providers, stranger, T0 } from './fixtures.js'
import { msg } from './provider-harness.js'

const body = bodyOf()
const commitBy = T0 + DEFAULT_COMMIT_WINDOW_MS
const ctx = { signer: customer, verifier: ed25519Verifier }
const to = customer.peerId
const heldBy = (p: Identity, b = body, expiresAt = commitBy + GRACE_MS): OrderMessage =>
  msg('held', p, body.id, { bodyHash: bodyHash('agreement', b), entrySig: signEntryBody('agreement', b, p), expiresAt }, to)
const refusedBy = (p: Identity, code: string): OrderMessage => msg('refused', p, body.id, { code, reason: 'no' }, to)
const statusBy = (p: Identity, state: 'released' | 'unknown' | 'committed'): OrderMessage => msg('status', p, body.id, { state }, to)
const types = (s: CustomerStep): string[] => s.effects.map(e => e.type === 'send' ? `send:${e.message.kind}` : e.type)

/** Drives one customer machine. */
class Customer {
  last: CustomerStep
  constructor (now = T0) { this.last = startOrder(ctx, body, now) }
  step (event: CustomerEvent, now = T0 + 1000): CustomerStep {
    this.last = customerStep(ctx, this.last.state, event, now)
    return this.last
  }

  recv (m: OrderMessage, now = T0 + 1000): CustomerStep { return this.step({ type: 'message', message: m }, now) }
  get record (): CustomerRecord { return this.last.state.record }
  allHeld (now = T0 + 1000): this { for (const p of providers) this.recv(heldBy(p), now); return this }
}

describe('orders: customer state machine', () => {
  describe('(none) -> Holding', () => {
    it('writes the order before it sends a hold to every provider', () => {
      const c = new Customer()
      assert.deepEqual(types(c.last), ['write', 'send:hold', 'send:hold', 'send:hold', 'wake'])
      assert.equal(c.record.status, CustomerStatus.Holding)
    })
    it('refuses to start when commitBy leaves no time: ORDER_BAD_DEADLINE', () => {
      assert.throws(() => startOrder(ctx, body, commitBy - COMMIT_MARGIN_MS), (e: unknown) => (e as { code?: string }).code === OrderError.BAD_DEADLINE)
    })
    it('refuses to start an order whose customer is someone else: ORDER_NOT_A_PARTY', () => {
      assert.throws(() => startOrder({ signer: stranger, verifier: ed25519Verifier }, body, T0), (e: unknown) => (e as { code?: string }).code === OrderError.NOT_A_PARTY)
    })
  })

  describe('Holding -> Committed', () => {
    it('decides commit when every provider held: the certificate is written to its ledger, then sent to every provider', () => {
      const c = new Customer()
      c.recv(heldBy(providers[0]!)); c.recv(heldBy(providers[1]!))
      assert.equal(c.record.status, CustomerStatus.Holding)
      const s = c.recv(heldBy(providers[2]!))
      assert.deepEqual(types(s), ['write', 'send:commit', 'send:commit', 'send:commit', 'wake'])
      const w = s.effects[0] as { record: CustomerRecord, entry?: Uint8Array }
      assert.equal(w.record.status, CustomerStatus.Committed)
      verifyCertificate(decodeEntry(w.entry!), ed25519Verifier)
    })
    it('ignores a repeated held', () => {
      const c = new Customer()
      c.recv(heldBy(providers[0]!))
      const s = c.recv(heldBy(providers[0]!))
      assert.deepEqual(types(s), ['wake'])
    })
  })

  describe('Holding -> Aborted', () => {
    const cases: Array<[string, (c: Customer) => CustomerStep, string | undefined]> = [
      ['a provider refused (its code kept)', c => c.recv(refusedBy(providers[1]!, OrderError.QUANTITY_ABOVE_CAPACITY)), OrderError.QUANTITY_ABOVE_CAPACITY],
      ['a held signature that does not verify', c => c.recv(msg('held', providers[1]!, body.id, { bodyHash: bodyHash('agreement', body), entrySig: new Uint8Array(64), expiresAt: commitBy + GRACE_MS }, to)), OrderError.BAD_SIGNATURE],
      ['a held for another body', c => c.recv(heldBy(providers[1]!, bodyOf(3, 3))), OrderError.COMMIT_ALTERS_HOLD],
      ['a hold that expires before commitBy + GRACE', c => c.recv(heldBy(providers[1]!, body, commitBy)), OrderError.BAD_DEADLINE],
      ['the last held arriving after commitBy - margin (ORDER_LATE_COMMIT)', c => { c.allHeld(T0 + 1000); return c.last }, undefined],
      ['no decision by commitBy - margin (ORDER_LATE_COMMIT)', c => c.step({ type: 'tick' }, commitBy - COMMIT_MARGIN_MS), undefined]
    ]
    for (const [name, act, code] of cases) {
      it(`aborts when ${name}, writing the decision before sending aborts`, () => {
        const c = new Customer()
        if (name.startsWith('the last held')) { c.recv(heldBy(providers[0]!)); c.recv(heldBy(providers[1]!)); c.recv(heldBy(providers[2]!), commitBy - COMMIT_MARGIN_MS) } else act(c)
        assert.equal(c.record.status, CustomerStatus.Aborted)
        assert.deepEqual(types(c.last).filter(t => t !== 'send:abort'), ['write', 'wake'])
        assert.ok(types(c.last).filter(t => t === 'send:abort').length >= 2)
        const rec = c.record as CustomerRecord & { status: CustomerStatus.Aborted }
        if (code !== undefined) assert.equal(rec.refusals[0]?.code, code)
        else assert.match(rec.reason, new RegExp(OrderError.LATE_COMMIT))
        assert.equal(c.last.effects.some(e => e.type === 'write' && e.entry !== undefined), false)
      })
    }
    it('ignores forged messages, messages from non-providers and messages for other orders', () => {
      const c = new Customer()
      const before = c.last.state
      c.recv({ ...refusedBy(providers[0]!, 'X'), sig: new Uint8Array(64) })
      c.recv(refusedBy(stranger, 'X'))
      c.recv(msg('refused', providers[0]!, 'ord-other', { code: 'X', reason: 'no' }, to))
      assert.equal(c.last.state.record, before.record)
    })
  })

  describe('retries and deadlines', () => {
    it('re-sends holds only to providers that have not answered, every RETRY_INTERVAL', () => {
      const c = new Customer()
      c.recv(heldBy(providers[0]!), T0 + 10)
      assert.deepEqual(types(c.step({ type: 'tick' }, T0 + RETRY_INTERVAL_MS - 1)), ['wake'])
      const s = c.step({ type: 'tick' }, T0 + RETRY_INTERVAL_MS)
      assert.deepEqual(s.effects.filter(e => e.type === 'send').map(e => (e as { to: string }).to).sort(), [providers[1]!.peerId, providers[2]!.peerId].sort())
    })
    it('delivers the commit until every provider acknowledged, then is done', () => {
      const c = new Customer().allHeld()
      c.recv(msg('committed', providers[0]!, body.id, { bodyHash: bodyHash('agreement', body) }, to))
      c.recv(statusBy(providers[1]!, 'committed'))
      const retry = c.step({ type: 'tick' }, T0 + 1000 + RETRY_INTERVAL_MS)
      assert.deepEqual(retry.effects.filter(e => e.type === 'send').map(e => (e as { to: string }).to), [providers[2]!.peerId])
      c.recv(msg('committed', providers[2]!, body.id, { bodyHash: bodyHash('agreement', body) }, to))
      assert.equal(c.record.status, CustomerStatus.Done)
      assert.deepEqual((c.record as { unacknowledged: string[] }).unacknowledged, [])
    })
    it('keeps a provider\'s refusal of the certificate (late commit) as a failure and stops retrying it', () => {
      const c = new Customer().allHeld()
      c.recv(refusedBy(providers[0]!, OrderError.HOLD_EXPIRED))
      c.recv(statusBy(providers[1]!, 'committed')); c.recv(statusBy(providers[2]!, 'committed'))
      const rec = c.record as CustomerRecord & { status: CustomerStatus.Done }
      assert.equal(rec.outcome, 'committed')
      assert.deepEqual(rec.refusals.map(r => r.code), [OrderError.HOLD_EXPIRED])
    })
    it('gives up delivering when the providers\' holds are over, naming who never acknowledged', () => {
      const c = new Customer().allHeld()
      c.step({ type: 'tick' }, deliverUntil(commitBy))
      const rec = c.record as CustomerRecord & { status: CustomerStatus.Done }
      assert.equal(rec.status, CustomerStatus.Done)
      assert.deepEqual(rec.unacknowledged, [...providers.map(p => p.peerId)].sort())
    })
    it('after an abort, counts released, expired or unknown as acknowledged, and releases a hold that overtook the abort', () => {
      const c = new Customer()
      c.recv(refusedBy(providers[0]!, OrderError.POLICY_REFUSED))
      c.recv(statusBy(providers[1]!, 'unknown'))
      c.recv(heldBy(providers[1]!))
      c.recv(statusBy(providers[2]!, 'released'))
      assert.equal(c.record.status, CustomerStatus.Aborted)
      const s = c.step({ type: 'tick' }, T0 + 1000 + RETRY_INTERVAL_MS)
      assert.deepEqual(s.effects.filter(e => e.type === 'send').map(e => (e as { to: string }).to), [providers[1]!.peerId])
    })
  })

  describe('restarts', () => {
    it('aborts an undecided order on restart (presumed abort)', () => {
      const c = new Customer()
      c.recv(heldBy(providers[0]!))
      const s = restoreCustomer(ctx, { status: CustomerStatus.Holding, order: body.id, body }, T0 + 2000)
      assert.equal(s.state.record.status, CustomerStatus.Aborted)
      assert.deepEqual(types(s), ['write', 'send:abort', 'send:abort', 'send:abort', 'wake'])
    })
    it('delivers a decided commit again after a restart, and does nothing for a done order', () => {
      const c = new Customer().allHeld()
      const s = restoreCustomer(ctx, c.record, T0 + 5000)
      assert.deepEqual(types(s), ['send:commit', 'send:commit', 'send:commit', 'wake'])
      const done = toCustomerDone(c.record, [], [])
      assert.deepEqual(restoreCustomer(ctx, done, T0 + 5000).effects, [])
    })
  })

  describe('status requests (cooperative termination)', () => {
    it('answers pending while holding, the certificate once committed, aborted after an abort', () => {
      const ask = (c: Customer): OrderMessage<'status'> => { c.recv(msg('status-request', providers[0]!, body.id, {}, to)); return (c.last.effects.find(e => e.type === 'reply') as { message: OrderMessage<'status'> }).message }
      assert.equal(ask(new Customer()).body.state, 'pending')
      const committed = new Customer().allHeld()
      const s = ask(committed)
      assert.equal(s.body.state, 'committed')
      assert.deepEqual(s.body.entry, (committed.record as { entry: Uint8Array }).entry)
      const aborted = new Customer(); aborted.recv(refusedBy(providers[0]!, 'X'))
      assert.equal(ask(aborted).body.state, 'aborted')
    })
    it('refuses a status request from a non-party: ORDER_NOT_A_PARTY', () => {
      const c = new Customer()
      c.recv(msg('status-request', stranger, body.id, {}, to))
      const r = (c.last.effects.find(e => e.type === 'reply') as { message: OrderMessage<'refused'> }).message
      assert.equal(r.body.code, OrderError.NOT_A_PARTY)
    })
  })

  it('transitions throw ORDER_WRONG_STATUS from a wrong status', () => {
    const c = new Customer().allHeld()
    assert.throws(() => toCustomerCommitted(c.record, new Uint8Array(1)), (e: unknown) => (e as { code?: string }).code === OrderError.WRONG_STATUS)
    assert.throws(() => toCustomerDone({ status: CustomerStatus.Holding, order: body.id, body }, [], []), (e: unknown) => (e as { code?: string }).code === OrderError.WRONG_STATUS)
  })
})
