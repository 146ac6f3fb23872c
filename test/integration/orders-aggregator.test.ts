import { strict as assert } from 'node:assert'
import { bodyHash, bytesEqual, decodeEntry } from '../../src/ledger/index.js'
import type { Entry } from '../../src/ledger/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { encodeRecord, sha256, signOffer } from '../../src/offers/index.js'
import type { BundleComponent, Offer, OfferRecord } from '../../src/offers/index.js'
import { AggregatorError, ed25519Verifier, parseTerms, signMessage, verifyChainLink } from '../../src/orders/index.js'
import { sendOrderMessage } from '../../src/order-protocol/index.js'
import { cli } from '../helpers/cli.js'
import { makeOffer } from '../helpers/offers.js'
import { holds, startFederation, startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { customer, place, planOf, publishOffer, waitFor } from './orders-fixtures.js'
import type { Customer } from './orders-fixtures.js'

type SignedOffer = OfferRecord & { kind: 'offer', body: Offer }
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Every agreement entry of a node's ledger, with its leaf bytes. */
async function entries (node: FulcrumNode): Promise<Array<{ entry: Entry, bytes: Uint8Array }>> {
  const log = (node.ledger as unknown as { c: { log: { size: number, leaf: (i: number) => Promise<Uint8Array> } } }).c.log
  const out: Array<{ entry: Entry, bytes: Uint8Array }> = []
  for (let i = 0; i < log.size; i++) { const bytes = await log.leaf(i); out.push({ entry: decodeEntry(bytes), bytes }) }
  return out.filter(e => e.entry.type === 'agreement')
}
const leafOf = async (node: FulcrumNode, id: string): Promise<Uint8Array | undefined> => (await entries(node)).find(e => e.entry.body.id === id)?.bytes
/** The sub-order entries in a ledger that serve `parent`. */
async function subsOf (node: FulcrumNode, parent: string): Promise<Entry[]> {
  return (await entries(node)).map(e => e.entry).filter(e => parseTerms(e.body).parent?.order === parent)
}

describe('orders: an aggregator sells a bundle of two other providers\' offers (order-v1 §10)', function () {
  this.timeout(120_000)
  let members: Member[]
  let agg: Member, p1: Member, p2: Member, p3: Member
  const customers: Customer[] = []
  const newCustomer = async (): Promise<Customer> => { const c = await customer(); customers.push(c); return c }

  before(async () => {
    members = await startFederation(4, { config: { renewOwnOffers: false } })
    ;[agg, p1, p2, p3] = members as [Member, Member, Member, Member]
  })
  after(async () => {
    for (const c of customers.splice(0)) await c.close()
    await stopAll(members)
  })

  /** The two parts published by p1 and p2, known to the aggregator's catalog, and the aggregator's bundle of them. */
  async function bundle (name: string, capacity = 5): Promise<{ parts: SignedOffer[], record: SignedOffer }> {
    const parts = [await publishOffer(p1, `${name}-vm`, { capacity }), await publishOffer(p2, `${name}-db`, { capacity })]
    await waitFor(() => parts.every(r => holds(agg, r.body.provider, r.body.id, r.body.seq)), 20_000, 'the parts in the aggregator\'s catalog')
    const components: BundleComponent[] = parts
      .map((r, i) => ({ provider: r.body.provider, id: r.body.id, seq: r.body.seq, hash: hex(sha256(encodeRecord(r))), quantity: i + 1 }))
      .sort((a, b) => a.provider < b.provider ? -1 : 1)
    const now = Date.now()
    const body = makeOffer(agg.node.identity, { id: name, seq: now, issuedAt: now, expiresAt: now + 3_600_000, capacity: 3, price: { amount: '9', currency: 'EUR', unit: 'month' }, bundle: components } as Partial<Offer>)
    const record = signOffer(body, agg.node.identity) as SignedOffer
    await agg.node.discovery.publish(record)
    return { parts, record }
  }

  /**
   * Places the bundle `name` with p3's own offer, p3 approving by hand, and runs `then` once the
   * aggregator holds the parent while p3 still waits; p3 approves automatically again afterwards.
   */
  async function whileAggregatorHolds (name: string,
    then: (s: { parts: SignedOffer[], placing: ReturnType<typeof place>, orderId: string }) => Promise<void>): Promise<void> {
    const { parts, record } = await bundle(name)
    const other = await publishOffer(p3, `${name}-other`)
    p3.node.orders.policy.approval = 'manual'
    try {
      const c = await newCustomer()
      const placing = place(c, planOf([record, other]), [agg, p3])
      let orderId = ''
      await waitFor(async () => {
        orderId = (await p3.node.orders.pendingApprovals())[0]?.id ?? ''
        return orderId !== '' && (await agg.node.orders.store.get(orderId))?.status === 'held'
      }, 20_000, 'the aggregator holding the parent while the other provider waits for approval')
      await then({ parts, placing, orderId })
    } finally {
      p3.node.orders.policy.approval = 'auto'
    }
  }

  it('commits the chain: customer and aggregator share the parent entry, aggregator and parts the sub-order entry, which links to the parent', async () => {
    const { parts, record } = await bundle('stack')
    const c = await newCustomer()
    const outcome = await place(c, planOf([record], 2), [agg])
    assert.equal(outcome.status, 'committed', JSON.stringify(outcome.providers))
    const parentBytes = await c.components.log.leaf((await c.components.log.indexOfDocument(outcome.orderId)) as number)
    const parent = decodeEntry(parentBytes)
    const aggParent = await leafOf(agg.node, outcome.orderId)
    assert.ok(aggParent !== undefined && bytesEqual(aggParent, parentBytes), 'the aggregator holds the customer\'s entry, byte for byte')
    assert.deepEqual(parseTerms(parent.body).items.map(i => i.offer.id), ['stack'], 'the customer\'s agreement names the bundle')
    await waitFor(async () => (await subsOf(agg.node, outcome.orderId)).length === 1, 20_000, 'the sub-order in the aggregator\'s ledger')
    const [sub] = await subsOf(agg.node, outcome.orderId) as [Entry]
    verifyChainLink(parent, sub, ed25519Verifier)
    const subTerms = parseTerms(sub.body)
    assert.equal(subTerms.customer, agg.node.identity.peerId)
    assert.deepEqual(subTerms.items.map(i => [i.provider, i.offer.id, i.quantity]).sort(), [[p1.node.identity.peerId, 'stack-vm', 2], [p2.node.identity.peerId, 'stack-db', 4]].sort())
    for (const [i, m] of [p1, p2].entries()) {
      await waitFor(async () => (await leafOf(m.node, sub.body.id)) !== undefined, 20_000, `part ${i}'s ledger`)
      assert.ok(bytesEqual(await leafOf(m.node, sub.body.id) as Uint8Array, await leafOf(agg.node, sub.body.id) as Uint8Array), `part ${i} holds the sub-order entry, byte for byte`)
      assert.equal(await leafOf(m.node, outcome.orderId), undefined, 'a part provider is not a party of the customer\'s order')
      assert.deepEqual(m.node.orders.store.usage(parts[i]!.body.id), { held: 0, committed: i === 0 ? 2 : 4 })
    }
    assert.deepEqual(agg.node.orders.store.usage('stack'), { held: 0, committed: 2 })
    // a part asking the aggregator (the sub-order's customer) for the outcome gets the certificate
    const asked = await sendOrderMessage(p1.node.libp2p, agg.node.libp2p.peerId, signMessage('status-request', { order: sub.body.id, from: p1.node.identity.peerId, to: agg.node.identity.peerId }, p1.node.identity))
    assert.ok(asked.kind === 'status' && asked.body.state === 'committed' && asked.body.entry !== undefined && bytesEqual(asked.body.entry, await leafOf(agg.node, sub.body.id) as Uint8Array))
    // `fulcrum ledger show` prints the link at both ends of it
    const atAgg = await cli(['ledger', 'show', outcome.orderId, '--data-dir', agg.dir])
    assert.equal(atAgg.code, 0, atAgg.err)
    assert.match(atAgg.out, new RegExp(`^sub-orders: ${sub.body.id}$`, 'm'))
    const atPart = await cli(['ledger', 'show', sub.body.id, '--data-dir', p1.dir])
    assert.match(atPart.out, new RegExp(`^serves: ${outcome.orderId} \\(parent body sha256 ${hex(bodyHash('agreement', parent.body))}\\)$`, 'm'))
    const json = JSON.parse((await cli(['ledger', 'show', sub.body.id, '--data-dir', agg.dir, '--json'])).out) as { chain: unknown }
    assert.deepEqual(json.chain, { parent: { order: outcome.orderId, hash: hex(bodyHash('agreement', parent.body)) }, subOrders: [] })
  })

  it('refuses the customer\'s hold with ORDER_BUNDLE_PART_REFUSED when a part refuses, and releases the other part', async () => {
    const { parts, record } = await bundle('denied')
    p2.node.orders.policy.denyCustomers.push(agg.node.identity.peerId)
    try {
      const c = await newCustomer()
      const outcome = await place(c, planOf([record]), [agg])
      assert.equal(outcome.status, 'aborted')
      const mine = outcome.providers[agg.node.identity.peerId]
      assert.equal(mine?.code, AggregatorError.PART_REFUSED)
      assert.match(mine?.reason ?? '', /denied-db.*ORDER_POLICY_REFUSED/)
      await waitFor(() => p1.node.orders.store.usage(parts[0]!.body.id).held === 0, 20_000, 'the held part released')
      assert.deepEqual(p1.node.orders.store.usage(parts[0]!.body.id), { held: 0, committed: 0 })
      assert.deepEqual(agg.node.orders.store.usage('denied'), { held: 0, committed: 0 })
      assert.equal(await leafOf(agg.node, outcome.orderId), undefined)
      assert.equal((await subsOf(agg.node, outcome.orderId)).length, 0)
      assert.equal(await c.components.log.indexOfDocument(outcome.orderId), undefined)
    } finally {
      p2.node.orders.policy.denyCustomers.pop()
    }
  })

  it('refuses with ORDER_BUNDLE_PART_UNREACHABLE when a part\'s provider has stopped serving orders', async () => {
    const { parts, record } = await bundle('silent')
    await p2.node.orders.stop()
    try {
      const c = await newCustomer()
      const outcome = await place(c, planOf([record]), [agg])
      assert.equal(outcome.status, 'aborted')
      assert.equal(outcome.providers[agg.node.identity.peerId]?.code, AggregatorError.PART_UNREACHABLE)
      await waitFor(() => p1.node.orders.store.usage(parts[0]!.body.id).held === 0, 20_000, 'the held part released')
      assert.deepEqual(agg.node.orders.store.usage('silent'), { held: 0, committed: 0 })
      assert.equal(await c.components.log.indexOfDocument(outcome.orderId), undefined)
    } finally {
      await p2.node.orders.start()
    }
  })

  it('releases every part when the customer aborts while the aggregator holds the parts (another provider refused at once)', async () => {
    const { parts, record } = await bundle('parentabort')
    const other = await publishOffer(p3, 'parentabort-other')
    const c = await newCustomer()
    p3.node.orders.policy.denyCustomers.push(c.identity.peerId)
    const outcome = await place(c, planOf([record, other]), [agg, p3])
    assert.equal(outcome.status, 'aborted')
    assert.equal(outcome.providers[p3.node.identity.peerId]?.code, 'ORDER_POLICY_REFUSED')
    await waitFor(() => parts.every((r, i) => [p1, p2][i]!.node.orders.store.usage(r.body.id).held === 0), 20_000, 'every part released')
    for (const [i, m] of [p1, p2].entries()) assert.deepEqual(m.node.orders.store.usage(parts[i]!.body.id), { held: 0, committed: 0 })
    assert.deepEqual(agg.node.orders.store.usage('parentabort'), { held: 0, committed: 0 })
    assert.equal((await subsOf(agg.node, outcome.orderId)).length, 0)
  })

  it('releases every part when the customer aborts after the aggregator held the parent: its release aborts the sub-order', async () => {
    await whileAggregatorHolds('heldabort', async ({ parts, placing, orderId }) => {
      for (const [i, m] of [p1, p2].entries()) assert.equal(m.node.orders.store.usage(parts[i]!.body.id).held, i + 1, `part ${i} held`)
      await p3.node.orders.refuse(orderId)
      const outcome = await placing
      assert.equal(outcome.status, 'aborted')
      assert.equal(outcome.providers[p3.node.identity.peerId]?.code, 'ORDER_APPROVAL_DENIED')
      await waitFor(() => parts.every((r, i) => [p1, p2][i]!.node.orders.store.usage(r.body.id).held === 0), 20_000, 'every part released')
      assert.equal((await agg.node.orders.store.get(orderId))?.status, 'released')
      for (const [i, m] of [p1, p2].entries()) assert.deepEqual(m.node.orders.store.usage(parts[i]!.body.id), { held: 0, committed: 0 })
      assert.equal((await subsOf(agg.node, orderId)).length, 0)
    })
  })

  it('survives an aggregator restart between its hold on the parent and the customer\'s commit: the stored sub-order is committed when the parent is', async () => {
    await whileAggregatorHolds('restart', async ({ parts, placing, orderId }) => {
      const listen = (agg.node.multiaddrs()[0] as string).replace(/\/p2p\/.*$/, '')
      await agg.node.stop()
      const restarted = await startMember([p1.node.multiaddrs()[0] as string], { config: { renewOwnOffers: false, listen: [listen] } }, agg.dir)
      members[0] = { ...restarted, cleanup: agg.cleanup }
      agg = members[0]
      await p3.node.orders.approve(orderId)
      const outcome = await placing
      assert.equal(outcome.status, 'committed', JSON.stringify(outcome.providers))
      await waitFor(async () => (await subsOf(agg.node, orderId)).length === 1, 20_000, 'the sub-order in the restarted aggregator\'s ledger')
      const [sub] = await subsOf(agg.node, orderId) as [Entry]
      for (const [i, m] of [p1, p2].entries()) {
        await waitFor(async () => (await leafOf(m.node, sub.body.id)) !== undefined, 20_000, `part ${i}'s ledger`)
        assert.deepEqual(m.node.orders.store.usage(parts[i]!.body.id), { held: 0, committed: i + 1 })
      }
    })
  })
})
