import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { createIdentity } from '../../src/identity/index.js'
import { encodeEntry, entrySigningBytes } from '../../src/ledger/index.js'
import type { EntryBody } from '../../src/ledger/index.js'
import { request } from '../../src/network/index.js'
import { ORDER_LIMITS, ORDER_PROTOCOL } from '../../src/order-protocol/index.js'
import {
  GRACE_MS, buildAgreementBody, decodeOrderMessage, encodeOrderMessage, newOrderId, signMessage
} from '../../src/orders/index.js'
import type { OrderMessage, Plan } from '../../src/orders/index.js'
import type { Identity } from '../../src/identity/index.js'
import { startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { customer, place, planOf, publishOffer } from './orders-fixtures.js'
import type { Customer } from './orders-fixtures.js'

describe('orders: refused messages, holds that end, and racing customers', function () {
  this.timeout(120_000)
  let skew = 0
  let provider: Member
  let other: Member
  const customers: Customer[] = []
  const newCustomer = async (): Promise<Customer> => { const c = await customer(); customers.push(c); return c }

  before(async () => {
    provider = await startMember([], { config: { renewOwnOffers: false }, now: () => Date.now() + skew })
    other = await startMember([provider.node.multiaddrs()[0] as string], { config: { renewOwnOffers: false } })
  })
  after(async () => {
    for (const c of customers.splice(0)) await c.close()
    await stopAll([provider, other])
  })

  /** Sends a message to `to` from `from`'s libp2p node and decodes the answer (no checks). */
  async function raw (from: Customer, to: Member, msg: OrderMessage): Promise<OrderMessage> {
    return decodeOrderMessage(await request(from.components.dialer, to.node.libp2p.getMultiaddrs(), ORDER_PROTOCOL, encodeOrderMessage(msg), { limits: ORDER_LIMITS }))
  }
  const code = (m: OrderMessage): string => m.kind === 'refused' ? m.body.code : m.kind

  function body (c: Customer, plan: Plan, commitIn = 20_000): EntryBody {
    const now = Date.now()
    return buildAgreementBody({ plan, customer: c.identity.peerId, orderId: newOrderId(new Uint8Array(randomBytes(16))), createdAt: now, commitBy: now + commitIn })
  }
  function hold (c: Customer, to: Member, b: EntryBody, signer: Identity = c.identity): OrderMessage {
    return signMessage('hold', { order: b.id, from: c.identity.peerId, to: to.node.identity.peerId, body: b }, { peerId: c.identity.peerId, sign: m => signer.sign(m) }) as OrderMessage
  }
  function commit (c: Customer, to: Member, entry: Uint8Array, order: string): OrderMessage {
    return signMessage('commit', { order, from: c.identity.peerId, to: to.node.identity.peerId, entry }, c.identity) as OrderMessage
  }

  it('refuses forged, relayed and misaddressed messages with stable codes', async () => {
    const c = await newCustomer()
    const b = body(c, planOf([await publishOffer(provider, 'sig')]))
    assert.equal(code(await raw(c, provider, hold(c, provider, b, createIdentity()))), 'ORDER_BAD_SIGNATURE')
    const thief = await newCustomer()
    assert.equal(code(await raw(thief, provider, hold(c, provider, b))), 'ORDER_NOT_A_PARTY')
    assert.equal(code(await raw(c, other, hold(c, provider, b))), 'ORDER_WRONG_RECIPIENT')
  })

  it('refuses holds for withdrawn or changed-seq offers, above capacity, or without a bounded deadline', async () => {
    const c = await newCustomer()
    const old = await publishOffer(provider, 'changing', { capacity: 3 })
    await publishOffer(provider, 'changing', { capacity: 3, seq: old.body.seq + 1 })
    assert.equal(code(await raw(c, provider, hold(c, provider, body(c, planOf([old]))))), 'ORDER_OFFER_CHANGED')
    const gone = await publishOffer(provider, 'gone')
    await provider.node.discovery.withdraw('gone')
    assert.equal(code(await raw(c, provider, hold(c, provider, body(c, planOf([gone]))))), 'ORDER_OFFER_WITHDRAWN')
    const small = await publishOffer(provider, 'small', { capacity: 3 })
    assert.equal(code(await raw(c, provider, hold(c, provider, body(c, planOf([small], 4))))), 'ORDER_QUANTITY_ABOVE_CAPACITY')
    assert.equal(code(await raw(c, provider, hold(c, provider, body(c, planOf([small]), 3_600_000)))), 'ORDER_BAD_DEADLINE')
    assert.deepEqual(provider.node.orders.store.usage('small'), { held: 0, committed: 0 })
  })

  it('a customer cannot pin a provider: its open holds are capped by policy', async () => {
    const c = await newCustomer()
    const offer = await publishOffer(provider, 'pin', { capacity: 1000 })
    const answers: string[] = []
    for (let i = 0; i < 10; i++) answers.push(code(await raw(c, provider, hold(c, provider, body(c, planOf([offer]))))))
    assert.deepEqual(answers, [...Array(8).fill('held'), 'ORDER_TOO_MANY_HOLDS', 'ORDER_TOO_MANY_HOLDS'])
  })

  it('refuses commits for unknown orders, commits that omit or alter a hold, and late commits', async () => {
    const c = await newCustomer()
    const plan = planOf([await publishOffer(provider, 'late', { capacity: 10 })])
    const b = body(c, plan, 7_000)
    const held = await raw(c, provider, hold(c, provider, b))
    assert.equal(held.kind, 'held')
    const sig = (held as OrderMessage<'held'>).body.entrySig
    const mine = c.identity.sign(entrySigningBytes('agreement', b))
    const sigs = b.parties.map(p => p === c.identity.peerId ? mine : sig)
    const unknown = { ...b, id: 'ord-unknown', terms: { ...b.terms, order: 'ord-unknown' } }
    assert.equal(code(await raw(c, provider, commit(c, provider, encodeEntry({ type: 'agreement', body: unknown, sigs }), 'ord-unknown'))), 'ORDER_UNKNOWN_ORDER')
    const partial = b.parties.map(p => p === c.identity.peerId ? mine : mine)
    assert.equal(code(await raw(c, provider, commit(c, provider, encodeEntry({ type: 'agreement', body: b, sigs: partial }), b.id))), 'ORDER_PARTIAL_COMMIT')
    const altered = { ...b, createdAt: b.createdAt + 1 }
    assert.equal(code(await raw(c, provider, commit(c, provider, encodeEntry({ type: 'agreement', body: altered, sigs }), b.id))), 'ORDER_COMMIT_ALTERS_HOLD')
    skew = 7_000 + GRACE_MS
    try {
      assert.equal(code(await raw(c, provider, commit(c, provider, encodeEntry({ type: 'agreement', body: b, sigs }), b.id))), 'ORDER_HOLD_EXPIRED')
    } finally {
      skew = 0
    }
    assert.equal((await provider.node.orders.store.get(b.id))?.status, 'expired')
    assert.deepEqual(provider.node.orders.store.usage('late'), { held: 0, committed: 0 })
  })

  it('a hold whose provider stopped ends at its deadline after a restart, freeing the capacity', async () => {
    const c = await newCustomer()
    const offer = await publishOffer(other, 'restart', { capacity: 2 })
    const b = body(c, planOf([offer], 2), 7_000)
    assert.equal(code(await raw(c, other, hold(c, other, b))), 'held')
    const dir = other.dir
    await other.node.stop()
    other = await startMember([provider.node.multiaddrs()[0] as string], { config: { renewOwnOffers: false }, now: () => Date.now() + 7_000 + GRACE_MS }, dir)
    assert.deepEqual(other.node.orders.store.usage('restart'), { held: 2, committed: 0 })
    await other.node.orders.sweep()
    assert.equal((await other.node.orders.store.get(b.id))?.status, 'expired')
    assert.deepEqual(other.node.orders.store.usage('restart'), { held: 0, committed: 0 })
  })

  it('fifty customers racing for the last units of one offer never overbook it', async () => {
    const offer = await publishOffer(provider, 'last-units', { capacity: 10 })
    const racers = await Promise.all(Array.from({ length: 50 }, async () => await newCustomer()))
    const outcomes = await Promise.all(racers.map(async r => await place(r, planOf([offer]), [provider])))
    const committed = outcomes.filter(o => o.status === 'committed')
    assert.equal(committed.length, 10)
    assert.ok(outcomes.filter(o => o.status === 'aborted').every(o => Object.values(o.providers)[0]?.code === 'ORDER_QUANTITY_ABOVE_CAPACITY'))
    assert.deepEqual(provider.node.orders.store.usage('last-units'), { held: 0, committed: 10 })
  })
})
