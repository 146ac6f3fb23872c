/** Providers and light-client customers in one process on 127.0.0.1, for the order integration tests. */
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { createLightLibp2pNode } from '../../src/network/index.js'
import { MerkleLog } from '../../src/log/index.js'
import { CustomerStore, placeOrder } from '../../src/order-protocol/index.js'
import type { CustomerComponents, OrderOutcome, ProgressEvent } from '../../src/order-protocol/index.js'
import type { Plan } from '../../src/orders/index.js'
import type { Offer, OfferRecord } from '../../src/offers/index.js'
import { signOffer } from '../../src/offers/index.js'
import { makeOffer } from '../helpers/offers.js'
import { tempDir } from '../helpers/tmp.js'
import { startFederation, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import type { FulcrumNode } from '../../src/node/index.js'

/** A customer: its key, a client-only libp2p node with that key, its order store and ledger. */
export interface Customer {
  identity: Identity
  components: CustomerComponents
  events: ProgressEvent[]
  close: () => Promise<void>
}

/** Creates a customer in a fresh temp dir. */
export async function customer (now: () => number = Date.now): Promise<Customer> {
  const tmp = await tempDir('fulcrum-customer-')
  const identity = createIdentity()
  const node = await createLightLibp2pNode({ seed: identity.seed })
  const store = await CustomerStore.open(join(tmp.path, 'orders'))
  const log = await MerkleLog.open(join(tmp.path, 'ledger'), { signer: identity })
  const events: ProgressEvent[] = []
  const components: CustomerComponents = {
    identity, dialer: node, store, log, now, random: n => new Uint8Array(randomBytes(n)), progress: e => { events.push(e) }
  }
  return {
    identity,
    components,
    events,
    close: async () => { await node.stop(); await store.close(); await log.close(); await tmp.cleanup() }
  }
}

/** Publishes a live offer of `member` (now, one hour) and returns its signed record. */
export async function publishOffer (member: Member, id: string, overrides: Parameters<typeof makeOffer>[1] = {}): Promise<OfferRecord & { kind: 'offer', body: Offer }> {
  const now = Date.now()
  const body = makeOffer(member.node.identity, { id, seq: now, issuedAt: now, expiresAt: now + 3_600_000, ...overrides })
  const record = signOffer(body, member.node.identity) as OfferRecord & { kind: 'offer', body: Offer }
  await member.node.discovery.publish(record)
  return record
}

/** A plan of one item per record. */
export function planOf (records: Array<OfferRecord & { kind: 'offer', body: Offer }>, quantity = 1): Plan {
  return { items: records.map((record, i) => ({ name: `item-${i}`, record, quantity })), term: { months: 1 }, total: { amount: '1', currency: 'EUR', unit: 'month' } }
}

/** Peer id -> listen addresses of the members. */
export function addressesOf (members: Member[]): Record<string, string[]> {
  return Object.fromEntries(members.map(m => [m.node.identity.peerId, m.node.multiaddrs()]))
}

/** Places `plan` as `c` with the members' addresses. */
export async function place (c: Customer, plan: Plan, members: Member[], commitWindowMs?: number): Promise<OrderOutcome> {
  return await placeOrder(c.components, plan, addressesOf(members), commitWindowMs === undefined ? {} : { commitWindowMs })
}

/** Polls `check` every 25 ms until it is true or `ms` pass; throws with `what` on timeout. */
export async function waitFor (check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/** The leaf of agreement `id` in a provider node's ledger, if it holds it. */
export async function ledgerLeaf (node: FulcrumNode, id: string): Promise<Uint8Array | undefined> {
  const log = (node.ledger as unknown as { c: { log: { indexOfDocument: (id: string) => Promise<number | undefined>, leaf: (i: number) => Promise<Uint8Array> } } }).c.log
  const index = await log.indexOfDocument(id)
  return index === undefined ? undefined : await log.leaf(index)
}

/**
 * A federation of `n` provider nodes for one describe block: started before its tests and stopped
 * after them, with every customer its tests made (`providers` is filled once the block starts).
 */
export function orderFederation (n: number): { providers: Member[], newCustomer: () => Promise<Customer> } {
  const providers: Member[] = []
  const customers: Customer[] = []
  before(async () => { providers.push(...await startFederation(n, { config: { renewOwnOffers: false } })) })
  after(async () => {
    for (const c of customers.splice(0)) await c.close()
    await stopAll(providers.splice(0))
  })
  return { providers, newCustomer: async () => { const c = await customer(); customers.push(c); return c } }
}
