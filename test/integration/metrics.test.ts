import { strict as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { ApiClient } from '../../src/api/index.js'
import { initDataDir } from '../../src/datadir/index.js'
import { isFulcrumError } from '../../src/errors/index.js'
import { createNode } from '../../src/node/index.js'
import { createPinoLogger } from '../../src/logging/pino.js'
import { ORDER_PROTOCOL } from '../../src/order-protocol/index.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'
import { holds, startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { customer, place, planOf, publishOffer } from './orders-fixtures.js'
import type { Customer } from './orders-fixtures.js'

/** One sample of a Prometheus text exposition: `name{labels} value`. */
interface Sample { name: string, labels: Record<string, string>, value: number }

function parseExposition (text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string
    out.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return out
}

/** The value of the first sample of `name` whose labels include `labels` (0 if none). */
function value (samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.find(x => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
  return s?.value ?? 0
}

async function scrape (url: string): Promise<Sample[]> {
  const res = await fetch(url)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
  return parseExposition(await res.text())
}

describe('metrics and info logs of a provider during a composed order', function () {
  this.timeout(120_000)
  let metered: Member
  let other: Member
  let api: ApiClient
  const lines: string[] = []
  const customers: Customer[] = []
  const logged = (): Array<Record<string, unknown>> => lines.map(l => JSON.parse(l) as Record<string, unknown>)

  before(async () => {
    const tmp = await tempDir('fulcrum-metrics-')
    await initDataDir(tmp.path, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    const logger = createPinoLogger({ level: 'info', write: line => { lines.push(line) } })
    metered = await startMember([], {
      api: true,
      logger,
      logSummaryIntervalMs: 200,
      config: { renewOwnOffers: false, apiPort: 0, orders: { approval: 'manual' }, metrics: { listen: '127.0.0.1:0' } }
    }, tmp.path)
    metered.cleanup = tmp.cleanup
    other = await startMember([metered.node.multiaddrs()[0] as string], { config: { renewOwnOffers: false } })
    api = await ApiClient.forDataDir(tmp.path)
  })
  after(async () => {
    for (const c of customers.splice(0)) await c.close()
    await stopAll([other, metered])
  })

  it('serves /metrics on its own loopback port; order counters, holds, ledger size and latencies move with the order', async () => {
    const url = metered.node.metricsUrl as string
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    assert.equal((await fetch(url.replace(/metrics$/, 'other'))).status, 404)
    const a = await publishOffer(metered, 'metered-vm', { capacity: 5 })
    const b = await publishOffer(other, 'other-vm', { capacity: 5 })
    await until(() => holds(metered, other.node.identity.peerId, 'other-vm'), 'the other provider\'s offer at the metered node')
    const before = await scrape(url)
    assert.equal(value(before, 'fulcrum_orders', { state: 'committed' }), 0)
    assert.equal(value(before, 'fulcrum_order_transitions_total', { state: 'committed' }), 0)
    assert.equal(value(before, 'fulcrum_ledger_entries'), 0)
    assert.ok(value(before, 'fulcrum_peers') >= 1)
    assert.ok(value(before, 'fulcrum_offers_known') >= 2)
    assert.equal(value(before, 'fulcrum_offers_own'), 1)
    assert.ok(value(before, 'fulcrum_gossip_messages_total', { result: 'accept' }) >= 1)

    const c = await customer()
    customers.push(c)
    const placing = place(c, planOf([a, b]), [metered, other])
    await until(async () => (await metered.node.orders.pendingApprovals()).length === 1, 'a pending hold at the metered provider')
    const during = await scrape(url)
    assert.equal(value(during, 'fulcrum_holds_open'), 1)
    assert.equal(value(during, 'fulcrum_orders', { state: 'pending' }), 1)
    assert.equal(value(during, 'fulcrum_order_transitions_total', { state: 'pending' }), 1)
    const [pending] = (await api.call<{ orders: Array<{ id: string }> }>('GET', '/v1/orders/approvals')).orders
    await api.call('POST', `/v1/orders/${pending?.id ?? ''}/approve`)
    assert.equal((await placing).status, 'committed')
    await until(async () => value(await scrape(url), 'fulcrum_orders', { state: 'committed' }) === 1, 'the committed order in the metrics')

    const after = await scrape(url)
    assert.equal(value(after, 'fulcrum_holds_open'), 0)
    assert.equal(value(after, 'fulcrum_order_transitions_total', { state: 'committed' }), 1)
    assert.equal(value(after, 'fulcrum_ledger_entries'), 1)
    assert.ok(value(after, 'fulcrum_protocol_request_duration_seconds_count', { protocol: ORDER_PROTOCOL, outcome: 'ok' }) >= 2)
    assert.ok(value(after, 'fulcrum_api_request_duration_seconds_count', { operation: 'decideOrder', outcome: 'ok' }) === 1)
    assert.ok(after.some(s => s.name.startsWith('libp2p_')), 'libp2p\'s own metrics are in the same registry')
  })

  it('is off unless configured, and a non-loopback or malformed address is refused when the node is created', async () => {
    assert.equal(other.node.metricsUrl, undefined)
    const tmp = await tempDir('fulcrum-metrics-bad-')
    try {
      await initDataDir(tmp.path, { listen: ['/ip4/127.0.0.1/tcp/0'] })
      await assert.rejects(createNode({ dataDir: tmp.path, api: false, config: { metrics: { listen: '0.0.0.0:9464' } } }), e => isFulcrumError(e, 'METRICS_NOT_LOOPBACK'))
      await assert.rejects(createNode({ dataDir: tmp.path, api: false, config: { metrics: { listen: 'localhost' } } }), e => isFulcrumError(e, 'METRICS_BAD_LISTEN'))
    } finally {
      await tmp.cleanup()
    }
  })

  it('every metric the Grafana dashboard queries is exported', async () => {
    const dashboard = await readFile(new URL('../../config/grafana-dashboard.json', import.meta.url), 'utf8')
    const exprs = [...dashboard.matchAll(/"expr": "((?:[^"\\]|\\.)*)"/g)].map(m => m[1] as string)
    //     assert.ok(exprs.length >= 8, 'the dashboard has panels')
    // A metric is exported when declared (# TYPE), even before its first sample; a histogram's series carry suffixes.
    const text = await (await fetch(metered.node.metricsUrl as string)).text()
    const exported = new Set(parseExposition(text).map(s => s.name))
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(name as string)
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name as string}${suffix}`)
    }
    const named = new Set(exprs.flatMap(e => [...e.matchAll(/\b((?:fulcrum|libp2p|nodejs|process)_[a-z0-9_]+)/g)].map(m => m[1] as string)))
    assert.ok(named.size >= 8)
    for (const name of named) assert.ok(exported.has(name), `${name} is queried by the dashboard but not exported`)
  })

  it('logs at info level, as JSON lines: peers, gossip summaries with counts by code, each order state, ledger appends and cosignatures', async () => {
    const entries = logged()
    for (const e of entries) assert.equal(typeof e.time, 'string')
    assert.ok(entries.some(e => e.msg === 'peer connected' && e.level === 'info'))
    await until(() => logged().some(e => e.component === 'gossip' && e.topic === 'offers' && (e.accepted as number) >= 1), 'a gossip summary line')
    const states = logged().filter(e => e.component === 'orders' && typeof e.status === 'string').map(e => e.status)
    assert.deepEqual(states, ['pending', 'held', 'committed'])
    const appended = logged().filter(e => e.msg === 'ledger entry appended')
    assert.equal(appended.length, 1)
    assert.equal(appended[0]?.size, 1)
    await until(() => logged().some(e => e.msg === 'checkpoint cosigned' && e.peer === other.node.identity.peerId), 'the other provider\'s cosignature logged')
  })
})
