import { strict as assert } from 'node:assert'
import { decodeEntry, entrySigningBytes, signEntryBody, verifyEntrySignatures } from '../../../src/ledger/index.js'
import type { EntryBody } from '../../../src/ledger/index.js'
import {
  OrderError, TERMINATION_LAPSE_MS, TERMINATION_MAX_AGE_MS, TERMINATION_RETRY_MS, buildTermination, terminationId, terminationStatus
} from '../../../src/orders/index.js'
import type { OrderMessage } from '../../../src/orders/index.js'
import { customer, providers, stranger } from './fixtures.js'
import { DAY, Party, T1, agreement, codeOf, parties, tmsg, types } from './termination-harness.js'

const [p0, p1, p2] = providers as [typeof customer, typeof customer, typeof customer]
const code = (c: string) => (err: unknown) => (err as { code?: string }).code === c
const sigOf = (body: EntryBody, who = customer) => ({ party: who.peerId, sig: signEntryBody('termination', body, who) })
/** The customer's termination with 40 days' notice, signed by `signers`. */
function customerTermination (now = T1, notice = 40 * DAY): EntryBody { return buildTermination(agreement, customer.peerId, now, { noticeMs: notice, reason: 'moving' }) }
const terminateFrom = (body: EntryBody, signers = [customer], to = p0, from = signers[0] ?? customer): OrderMessage<'terminate'> =>
  tmsg('terminate', from, to, { termination: body, sigs: signers.map(s => sigOf(body, s)) })

describe('orders: termination machine', () => {
  describe('start (the initiator)', () => {
    it('signs a termination effective after the notice, writes it, then sends it to every other party', () => {
      const c = new Party(customer)
      const step = c.step({ type: 'start', request: { noticeMs: 40 * DAY, reason: 'moving' } })
      assert.deepEqual(types(step), ['write', 'send:terminate', 'send:terminate', 'send:terminate', 'wake'])
      const rec = c.writes[0]!
      assert.equal(rec.id, terminationId(agreement.id, customer.peerId))
      assert.equal(rec.body.effectiveAt, T1 + 40 * DAY)
      assert.deepEqual(rec.body.parties, agreement.parties)
      assert.deepEqual(Object.keys(rec.sigs), [customer.peerId])
      assert.deepEqual(c.sends.map(s => s.to).sort(), providers.map(p => p.peerId).sort())
    })
    it('gives at least the minimum notice of the terms when asked for less', () => {
      const c = new Party(customer)
      c.step({ type: 'start', request: { noticeMs: DAY, reason: '' } })
      assert.equal(c.writes[0]!.body.effectiveAt, T1 + 30 * DAY)
    })
    it('refuses an agreement it does not have: ORDER_UNKNOWN_ORDER', () => {
      assert.throws(() => new Party(customer, 'none').step({ type: 'start', request: { noticeMs: 0, reason: '' } }), code(OrderError.UNKNOWN_ORDER))
    })
    it('refuses a non-party: ORDER_NOT_A_PARTY', () => {
      assert.throws(() => new Party(stranger).step({ type: 'start', request: { noticeMs: 0, reason: '' } }), code(OrderError.NOT_A_PARTY))
    })
    it('refuses a negative notice: ORDER_BAD_DEADLINE', () => {
      assert.throws(() => new Party(customer).step({ type: 'start', request: { noticeMs: -1, reason: '' } }), code(OrderError.BAD_DEADLINE))
    })
    it('refuses a second termination by the same party: ORDER_ALREADY_TERMINATED', () => {
      const c = new Party(customer)
      c.step({ type: 'start', request: { noticeMs: 40 * DAY, reason: '' } })
      assert.throws(() => c.step({ type: 'start', request: { noticeMs: 31 * DAY, reason: '' } }, T1 + 1000), code(OrderError.ALREADY_TERMINATED))
    })
    it('may terminate again once its incomplete termination lapsed', () => {
      const c = new Party(customer)
      c.step({ type: 'start', request: { noticeMs: 40 * DAY, reason: '' } })
      const later = T1 + TERMINATION_LAPSE_MS
      assert.deepEqual(types(c.step({ type: 'start', request: { noticeMs: 40 * DAY, reason: '' } }, later)).slice(0, 2), ['write', 'send:terminate'])
      assert.equal(c.writes[1]!.body.createdAt, later)
    })
  })

  describe('a party receiving a termination', () => {
    it('signs it, writes it, answers with both signatures and passes it to the parties that lack its signature', () => {
      const p = new Party(p0)
      const step = p.request(terminateFrom(customerTermination()))
      assert.deepEqual(types(step), ['write', 'reply:terminate', 'send:terminate', 'send:terminate', 'wake'])
      const reply = p.reply as OrderMessage<'terminate'>
      assert.deepEqual(reply.body.sigs.map(s => s.party).sort(), [customer.peerId, p0.peerId].sort())
      assert.deepEqual(p.sends.map(s => s.to).sort(), [p1.peerId, p2.peerId].sort())
    })
    it('answers a repeated termination the same way and writes nothing (idempotent)', () => {
      const p = new Party(p0)
      const m = terminateFrom(customerTermination())
      p.request(m)
      const first = p.reply as OrderMessage<'terminate'>
      const again = p.request(m, T1 + 5)
      assert.deepEqual(types(again).filter(t => t !== 'wake'), ['reply:terminate'])
      assert.deepEqual((p.reply as OrderMessage<'terminate'>).body.sigs, first.body.sigs)
    })
    const refusals: Array<[string, () => { party: Party, m: OrderMessage }, string]> = [
      ['an agreement it does not have', () => ({ party: new Party(p0, 'none'), m: terminateFrom(customerTermination()) }), OrderError.UNKNOWN_ORDER],
      ['a sender that is not a party', () => ({ party: new Party(p0), m: terminateFrom(customerTermination(), [customer], p0, stranger) }), OrderError.NOT_A_PARTY],
      ['a termination by a non-party (its id is no party\'s)', () => {
        const body = { ...customerTermination(), id: terminationId(agreement.id, stranger.peerId) }
        return { party: new Party(p0), m: terminateFrom(body) }
      }, OrderError.BAD_TERMS],
      ['parties other than the agreement\'s', () => {
        const body = { ...customerTermination(), parties: agreement.parties.slice(0, 3) }
        return { party: new Party(p0), m: terminateFrom(body) }
      }, OrderError.BAD_TERMS],
      ['a notice shorter than the terms allow', () => ({ party: new Party(p0), m: terminateFrom({ ...customerTermination(), effectiveAt: T1 + 29 * DAY }) }), OrderError.NOTICE_TOO_SHORT],
      ['a backdated termination (older than the signing window)', () => ({ party: new Party(p0), m: terminateFrom(customerTermination(T1 - TERMINATION_MAX_AGE_MS - 1)) }), OrderError.BAD_DEADLINE],
      ['a termination dated in the future', () => ({ party: new Party(p0), m: terminateFrom(customerTermination(T1 + 60_000)) }), OrderError.BAD_DEADLINE],
      ['a termination without its initiator\'s signature', () => ({ party: new Party(p0), m: terminateFrom(customerTermination(), [p1], p0, p1) }), OrderError.BAD_SIGNATURE],
      ['a forged signature', () => {
        const body = customerTermination()
        return { party: new Party(p0), m: tmsg('terminate', customer, p0, { termination: body, sigs: [{ party: customer.peerId, sig: signEntryBody('termination', body, p1) }] }) }
      }, OrderError.BAD_SIGNATURE],
      ['a signature over the agreement instead of the termination', () => {
        const body = customerTermination()
        return { party: new Party(p0), m: tmsg('terminate', customer, p0, { termination: body, sigs: [{ party: customer.peerId, sig: signEntryBody('agreement', agreement, customer) }] }) }
      }, OrderError.BAD_SIGNATURE]
    ]
    for (const [name, make, c] of refusals) {
      it(`refuses ${name}: ${c}, and writes nothing`, () => {
        const { party, m } = make()
        const step = party.request(m)
        assert.equal(codeOf(party.reply), c)
        assert.deepEqual(types(step).filter(t => t !== 'wake'), ['reply:refused'])
      })
    }
    it('refuses a second, different termination by the same initiator: ORDER_ALREADY_TERMINATED', () => {
      const p = new Party(p0)
      p.request(terminateFrom(customerTermination()))
      p.request(terminateFrom(customerTermination(T1 + 1000, 50 * DAY)), T1 + 1000)
      assert.equal(codeOf(p.reply), OrderError.ALREADY_TERMINATED)
    })
    it('refuses a termination by another party that ends later than one it signed: ORDER_ALREADY_TERMINATED', () => {
      const p = new Party(p0)
      p.request(terminateFrom(customerTermination()))
      const byP1 = buildTermination(agreement, p1.peerId, T1 + 1000, { noticeMs: 60 * DAY, reason: '' })
      p.request(terminateFrom(byP1, [p1], p0, p1), T1 + 1000)
      assert.equal(codeOf(p.reply), OrderError.ALREADY_TERMINATED)
    })
    it('signs a termination by another party that ends earlier than the one it knows', () => {
      const p = new Party(p0)
      p.request(terminateFrom(customerTermination()))
      const byP1 = buildTermination(agreement, p1.peerId, T1 + 1000, { noticeMs: 31 * DAY, reason: '' })
      p.request(terminateFrom(byP1, [p1], p0, p1), T1 + 1000)
      assert.equal(p.reply?.kind, 'terminate')
    })
    it('accepts a complete termination whatever its age, and appends the same entry', () => {
      const body = customerTermination()
      const p = new Party(p0)
      p.request(terminateFrom(body))
      const all = tmsg('terminate', p1, p0, { termination: body, sigs: parties.map(s => sigOf(body, s)) })
      p.request(all, T1 + 2 * TERMINATION_MAX_AGE_MS)
      assert.equal(p.ledger.length, 1)
      assert.equal(terminationStatus(p.state, T1).state, 'terminating')
      assert.equal(terminationStatus(p.state, T1 + 40 * DAY).state, 'terminated')
    })
    it('the party that completes the set appends the complete entry, every signature verifying', () => {
      const body = customerTermination()
      const p = new Party(p2)
      const step = p.request(tmsg('terminate', p1, p2, { termination: body, sigs: [customer, p0, p1].map(s => sigOf(body, s)) }))
      assert.equal(p.ledger.length, 1)
      assert.deepEqual(types(step).slice(0, 2), ['write', 'reply:terminate'])
      const entry = decodeEntry(p.ledger[0]!)
      assert.equal(entry.type, 'termination')
      assert.equal(entry.body.agreement, agreement.id)
      verifyEntrySignatures(entry)
      assert.deepEqual(p.sends.map(s => s.to).sort(), [customer.peerId, p0.peerId].sort()) // p1 learns it from the answer
    })
  })

  describe('answers to the initiator', () => {
    it('merges a countersignature; a refusal is kept and that party is not asked again', () => {
      const c = new Party(customer)
      c.step({ type: 'start', request: { noticeMs: 40 * DAY, reason: '' } })
      const sent = c.sends.find(s => s.to === p0.peerId)!.message as OrderMessage<'terminate'>
      const p = new Party(p0)
      p.request(sent)
      c.step({ type: 'message', message: p.reply!, answers: sent })
      assert.equal(Object.keys(c.state.records.values().next().value!.sigs).length, 2)
      c.step({ type: 'message', message: tmsg('refused', p1, customer, { code: OrderError.NOTICE_TOO_SHORT, reason: 'no' }), answers: sent }, T1 + 10)
      const rec = [...c.state.records.values()][0]!
      assert.deepEqual(rec.refusals.map(r => [r.party, r.code]), [[p1.peerId, OrderError.NOTICE_TOO_SHORT]])
      const retry = c.step({ type: 'tick' }, T1 + TERMINATION_RETRY_MS + 10)
      assert.deepEqual(retry.effects.flatMap(e => e.type === 'send' ? [e.to] : []), [p2.peerId])
    })
    it('retries every TERMINATION_RETRY_MS and stops once the termination lapses', () => {
      const c = new Party(customer)
      c.step({ type: 'start', request: { noticeMs: 40 * DAY, reason: '' } })
      assert.deepEqual(types(c.step({ type: 'tick' }, T1 + TERMINATION_RETRY_MS - 1)), ['wake'])
      assert.equal(types(c.step({ type: 'tick' }, T1 + TERMINATION_RETRY_MS)).filter(t => t === 'send:terminate').length, 3)
      assert.deepEqual(types(c.step({ type: 'tick' }, T1 + TERMINATION_LAPSE_MS)), [])
    })
  })

  describe('termination-query (a light client pulls)', () => {
    it('answers with a termination the asker lacks', () => {
      const p = new Party(p0)
      p.request(terminateFrom(buildTermination(agreement, p1.peerId, T1, { noticeMs: 40 * DAY, reason: '' }), [p1], p0, p1))
      p.request(tmsg('termination-query', customer, p0, {}))
      const reply = p.reply as OrderMessage<'terminate'>
      assert.equal(reply.kind, 'terminate')
      assert.deepEqual(reply.body.sigs.map(s => s.party).sort(), [p0.peerId, p1.peerId].sort())
    })
    it('answers status committed when it knows none, status unknown for an unknown agreement, and refuses a non-party', () => {
      const p = new Party(p0)
      p.request(tmsg('termination-query', customer, p0, {}))
      assert.equal(p.reply?.kind === 'status' && p.reply.body.state, 'committed')
      p.request(tmsg('termination-query', customer, p0, {}, 'ord-other'))
      assert.equal(p.reply?.kind === 'status' && p.reply.body.state, 'unknown')
      p.request(tmsg('termination-query', stranger, p0, {}))
      assert.equal(codeOf(p.reply), OrderError.NOT_A_PARTY)
    })
    it('a pulled termination is signed by the customer and pushed back to every provider', () => {
      const p = new Party(p0)
      p.step({ type: 'start', request: { noticeMs: 40 * DAY, reason: '' } })
      const c = new Party(customer)
      const q = tmsg('termination-query', customer, p0, {})
      p.request(q)
      c.step({ type: 'message', message: p.reply!, answers: q })
      assert.equal(c.writes.length, 1)
      assert.deepEqual(c.sends.map(s => s.to).sort(), providers.map(x => x.peerId).sort())
    })
  })

  it('the termination signing bytes carry the ledger\'s termination tag', () => {
    assert.ok(Buffer.from(entrySigningBytes('termination', customerTermination())).toString('latin1').startsWith('fulcrum/ledger/termination/v1\0'))
  })
})
