/**
 * Composed orders end to end (issue 8 §Evidence): a three-provider order over open connections,
 * as a ratio of its p95 to a floor measured in the same run (two rounds of parallel
 * request/response to the three providers over open connections, plus one synced LevelDB write at
 * each party; goal <= 3x), and committed orders per second with 50 concurrent customers against
 * 10 providers. Everything runs in this process on 127.0.0.1.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { initDataDir } from '../../src/datadir/index.js'
import { createIdentity } from '../../src/identity/index.js'
import { MerkleLog } from '../../src/log/index.js'
import { createLightLibp2pNode, request, serveProtocol } from '../../src/network/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { signOffer } from '../../src/offers/index.js'
import type { Offer, OfferRecord } from '../../src/offers/index.js'
import { CustomerStore, placeOrder } from '../../src/order-protocol/index.js'
import type { CustomerComponents } from '../../src/order-protocol/index.js'
import type { Plan } from '../../src/orders/index.js'
import { atMost, fmt, goalTable, load, percentile, table } from './_util.js'

/** Orders timed one after another for the latency percentiles. */
const LATENCY_ORDERS = 20
/** Concurrent customers and providers of the throughput run, and how long it runs. */
const CUSTOMERS = 50
const PROVIDERS = 10
const THROUGHPUT_MS = 10_000
const ECHO = '/fulcrum/bench-echo/1.0.0'

interface Provider { node: FulcrumNode, dir: string, db: Level<string, string>, unserve: () => Promise<void> }

async function provider (root: string, i: number): Promise<Provider> {
  const dir = join(root, `p${i}`)
  await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
  const node = await createNode({ dataDir: dir, api: false, config: { renewOwnOffers: false, orders: { maxHoldsPerCustomer: 1000, maxActiveHolds: 100_000 } } })
  await node.start()
  const db = new Level<string, string>(join(root, `echo${i}`))
  const unserve = await serveProtocol(node.libp2p, ECHO, async (req, ctx) => {
    if (ctx.index === 0 && req[0] === 1) await db.put(String(Math.random()), 'x', { sync: true })
    return req
  })
  return { node, dir, db, unserve }
}

async function offerOf (p: Provider): Promise<OfferRecord & { kind: 'offer', body: Offer }> {
  const now = Date.now()
  const id = p.node.identity
  const body: Offer = {
    provider: id.peerId, id: 'bench', seq: now, issuedAt: now, expiresAt: now + 3_600_000,
    service: { type: 'compute.vm', specs: { vcpu: 4, memoryGiB: 16, diskGiB: 100 } }, location: { country: 'IT' }, jurisdiction: 'IT', certifications: [],
    price: { amount: '0.05', currency: 'EUR', unit: 'hour' }, capacity: 10_000_000, sla: { availability: '99.9' },
    terms: { url: 'https://provider.example/terms', sha256: 'a'.repeat(64) }, addresses: []
  }
  const record = signOffer(body, id) as OfferRecord & { kind: 'offer', body: Offer }
  await p.node.discovery.publish(record)
  return record
}

async function customer (root: string, i: number): Promise<CustomerComponents & { close: () => Promise<void> }> {
  const identity = createIdentity()
  const node = await createLightLibp2pNode({ seed: identity.seed })
  const store = await CustomerStore.open(join(root, `c${i}-orders`))
  const log = await MerkleLog.open(join(root, `c${i}-ledger`), { signer: identity })
  return {
    identity, dialer: node, store, log, now: Date.now, random: n => new Uint8Array(randomBytes(n)),
    close: async () => { await node.stop(); await store.close(); await log.close() }
  }
}

const planOf = (records: Array<OfferRecord & { kind: 'offer', body: Offer }>): Plan =>
  ({ items: records.map((record, i) => ({ name: `i${i}`, record, quantity: 1 })), term: { months: 1 }, total: { amount: '1', currency: 'EUR', unit: 'month' } })

export default async function orders (): Promise<string> {
  const loadBefore = load()
  const root = await mkdtemp(join(tmpdir(), 'fulcrum-bench-orders-'))
  const providers: Provider[] = []
  try {
    for (let i = 0; i < PROVIDERS; i++) providers.push(await provider(root, i))
    const records = await Promise.all(providers.map(offerOf))
    const addresses = Object.fromEntries(providers.map(p => [p.node.identity.peerId, p.node.multiaddrs()]))
    const three = providers.slice(0, 3)
    const c = await customer(root, 0)
    const floorDb = new Level<string, string>(join(root, 'floor'))
    const floor: number[] = []
    const order: number[] = []
    for (let i = 0; i < LATENCY_ORDERS + 5; i++) {
      let t = performance.now()
      await Promise.all(three.map(async p => await request(c.dialer, p.node.libp2p.getMultiaddrs(), ECHO, Uint8Array.of(1))))
      await floorDb.put(String(i), 'x', { sync: true })
      await Promise.all(three.map(async p => await request(c.dialer, p.node.libp2p.getMultiaddrs(), ECHO, Uint8Array.of(0))))
      if (i >= 5) floor.push(performance.now() - t)
      t = performance.now()
      const outcome = await placeOrder(c, planOf(records.slice(0, 3)), addresses)
      if (outcome.status !== 'committed') throw new Error(`bench order ${outcome.status}`)
      if (i >= 5) order.push(performance.now() - t)
    }
    await floorDb.close()
    await c.close()

    const customers = await Promise.all(Array.from({ length: CUSTOMERS }, async (_, i) => await customer(root, i + 1)))
    let committed = 0
    let aborted = 0
    const codes = new Map<string, number>()
    const until = Date.now() + THROUGHPUT_MS
    const started = performance.now()
    await Promise.all(customers.map(async (cu, i) => {
      while (Date.now() < until) {
        const pick = [0, 1, 2].map(k => records[(i + k * 3) % PROVIDERS] as OfferRecord & { kind: 'offer', body: Offer })
        const outcome = await placeOrder(cu, planOf(pick), addresses)
        if (outcome.status === 'committed') committed++
        else {
          aborted++
          for (const r of Object.values(outcome.providers)) if (r.code !== undefined) codes.set(r.code, (codes.get(r.code) ?? 0) + 1)
        }
      }
    }))
    const seconds = (performance.now() - started) / 1000
    await Promise.all(customers.map(async cu => await cu.close()))

    const p50 = percentile(order, 50)
    const p95 = percentile(order, 95)
    const f95 = percentile(floor, 95)
    const ms = (x: number): string => `${fmt(x, 2)} ms`
    return [
      '## Orders: three-provider order end to end, and throughput',
      '',
      `Command: \`npm run bench -- orders\`. In one process on 127.0.0.1: ${PROVIDERS} provider nodes (createNode, LevelDB stores, order service), light-client customers`,
      '(client-only libp2p node, own order store and ledger). Floor: two rounds of parallel request/response to the three',
      'providers over open connections, with one synced LevelDB write at each provider and one at the customer.',
      `Load average ${loadBefore} at the start, ${load()} at the end.`,
      '',
      goalTable([atMost(`three-provider order end to end, p95 (${LATENCY_ORDERS} orders)`, p95, f95, 3, ms, 'the floor\'s p95')]),
      '',
      table(['measure', 'p50 ms', 'p95 ms', 'p95 / floor p95'], [
        ['floor', fmt(percentile(floor, 50), 2), fmt(f95, 2), '1'],
        [`three-provider order (${LATENCY_ORDERS} orders)`, fmt(p50, 2), fmt(p95, 2), fmt(p95 / f95, 2)]
      ]),
      '',
      `Throughput (the issue sets no ratio for it): ${CUSTOMERS} customers each placing three-provider orders one after another for ${THROUGHPUT_MS / 1000} s.`,
      '',
      table(['customers', 'providers', 'committed orders/s', 'aborted', 'abort codes'], [[CUSTOMERS, PROVIDERS, fmt(committed / seconds, 1), aborted,
        [...codes].map(([k, n]) => `${k} x${n}`).join(', ') || '-']])
    ].join('\n')
  } finally {
    for (const p of providers) {
      await p.unserve().catch(() => {})
      await p.node.stop().catch(() => {})
      await p.db.close().catch(() => {})
    }
    await rm(root, { recursive: true, force: true })
  }
}
