/**
 * Attacks on the gossip surfaces of a small federation on 127.0.0.1, run for real and bounded in
 * time: a Sybil flood of offers from many fresh identities, and the replay of an honest node's old
 * checkpoint (with an extra signature line for a new message id).
 */
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { createLibp2pNode } from '../../src/network/index.js'
import type { FulcrumLibp2p } from '../../src/network/index.js'
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { encodeRecord } from '../../src/offers/index.js'
import { OFFER_TOPIC } from '../../src/discovery/index.js'
import { CHECKPOINT_TOPIC } from '../../src/ledger-protocol/index.js'
import { encodeEntry } from '../../src/ledger/index.js'
import { signedEntry, testBody } from '../unit/ledger/fixtures.js'
import { startFederation, stopAll, liveOffer, holds } from './discovery-federation.js'
import { until } from '../helpers/wait.js'
import type { Member } from './discovery-federation.js'

const LIMITS = { maxRecords: 300, maxRecordsPerProvider: 20, newProviderRecordsPerSecond: 10, newProviderBurst: 30, protectedProviders: [] }
const SYBIL_PEERS = 4
/** Offers per Sybil peer signed by fresh keys (one key each), and by the peer's own key. */
const FRESH_KEY_OFFERS = 100
const OWN_KEY_OFFERS = 40

/** A bare libp2p node (gossipsub without Fulcrum's validators), connected to `targets`, subscribed to `topic`. */
async function attackerNode (identity: Identity, targets: Member[], topic: string, started: FulcrumLibp2p[]): Promise<FulcrumLibp2p> {
  const node = await createLibp2pNode({ seed: identity.seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
  started.push(node)
  node.services.pubsub.subscribe(topic)
  for (const t of targets) await node.dial(t.node.libp2p.getMultiaddrs())
  const ids = targets.map(t => t.node.identity.peerId)
  try {
    await until(() => ids.every(id => node.services.pubsub.getSubscribers(topic).map(String).includes(id)), `the targets' subscriptions (attacker ${started.length})`, 30_000)
  } catch (err) {
    const ps = node.services.pubsub as unknown as { getPeers: () => unknown[] }
    process.stderr.write(`conns ${node.getConnections().map(c => `${c.remotePeer.toString().slice(-6)} ${c.status}`).join(',')} pubsub peers ${ps.getPeers().length} target conns ${targets.map(t => t.node.libp2p.getConnections().length).join(',')}\n`)
    throw err
  }
  return node
}

/** One search through the control API on a fresh connection (no keep-alive race while the event loop is busy); returns its latency in ms. */
async function apiSearch (m: Member): Promise<number> {
  const token = (await readFile(join(m.dir, 'api-token'), 'utf8')).trim()
  const start = performance.now()
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${m.node.apiUrl as string}/v1/search`, {
      method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    }, res => { res.resume(); res.on('end', () => { resolve(res.statusCode ?? 0) }) })
    req.on('error', reject)
    req.end(JSON.stringify({ filter: {} }))
  })
  assert.equal(status, 200)
  return performance.now() - start
}

describe('attacks on gossip (a federation of 3 on 127.0.0.1)', function () {
  this.timeout(120_000)
  let fed: Member[] = []
  const attackers: FulcrumLibp2p[] = []
  afterEach(async () => {
    await Promise.all(attackers.splice(0).map(async a => { await a.stop() }))
    await stopAll(fed)
    fed = []
  })

  it('a Sybil flood of offers: the caps and the new-provider budget hold, an honest offer reaches every node, the API answers', async () => {
    fed = await startFederation(3, { api: true, config: { catalogLimits: LIMITS } })
    const [target, , honest] = fed as [Member, Member, Member]
    const first = liveOffer(honest.node.identity, 'honest-1')
    await honest.node.discovery.publish(first)
    await until(() => fed.every(m => holds(m, honest.node.identity.peerId, 'honest-1')), 'the honest offer before the flood', 10_000)

    const sybils = Array.from({ length: SYBIL_PEERS }, () => createIdentity())
    for (const s of sybils) await attackerNode(s, [target], OFFER_TOPIC, attackers)
    const messages = sybils.map(s => [
      ...Array.from({ length: FRESH_KEY_OFFERS }, (_, i) => encodeRecord(liveOffer(createIdentity(), `fresh-${i}`))),
      ...Array.from({ length: OWN_KEY_OFFERS }, (_, i) => encodeRecord(liveOffer(s, `own-${i}`)))
    ])
    const sent = messages.reduce((n, list) => n + list.length, 0)
    const rssBefore = process.memoryUsage().rss
    const started = performance.now()
    const dbg = (m: string): void => { if (process.env.DEBUG_ATTACK !== undefined) process.stderr.write(`${Math.round(performance.now() - started)} ms ${m}\n`) }
    dbg(`sending ${sent}`)
    const ticker = process.env.DEBUG_ATTACK === undefined ? undefined : setInterval(() => { dbg(`tick ${JSON.stringify(target.node.discovery.gossip.stats)} sizes ${fed.map(m => m.node.catalog.size).join('/')}`) }, 1000)
    ticker?.unref()
    const flood = Promise.all(attackers.map(async (a, k) => {
      for (const m of messages[k] as Uint8Array[]) await a.services.pubsub.publish(OFFER_TOPIC, m)
    }))
    // During the flood, until the target has judged every flooded message: the API answers, and
    // an honest provider's new offer gets through.
    const judged = (): number => { const st = target.node.discovery.gossip.stats; return st.accepted + st.ignored + st.rejected + st.throttled }
    const second = liveOffer(honest.node.identity, 'honest-2')
    const honestPublished = honest.node.discovery.publish(second)
    const latencies: number[] = []
    const deadline = Date.now() + 60_000
    while ((judged() < sent || latencies.length < 3) && Date.now() < deadline) latencies.push(await apiSearch(target))
    await flood
    await honestPublished
    dbg(`flood judged: ${latencies.length} searches; stats ${JSON.stringify(target.node.discovery.gossip.stats)}`)
    assert.ok(judged() >= sent, `the target judged ${judged()} of ${sent} messages`)
    await until(() => fed.every(m => holds(m, honest.node.identity.peerId, 'honest-2')), 'the honest offer sent during the flood at every node', 20_000)
    clearInterval(ticker)
    const elapsed = (performance.now() - started) / 1000
    const rssAfter = process.memoryUsage().rss
    const sybilKeys = new Set(sybils.map(s => s.peerId))
    for (const m of fed) {
      const own = (await m.node.catalog.byProvider(m.node.identity.peerId)).length
      assert.ok(m.node.catalog.size - own <= LIMITS.maxRecords, `catalog within its cap (${m.node.catalog.size})`)
      for (const s of sybilKeys) assert.ok(m.node.catalog.providerCount(s) <= LIMITS.maxRecordsPerProvider)
      assert.equal((await m.node.catalog.byProvider(honest.node.identity.peerId)).length >= 2, true, 'honest offers kept')
    }
    const after = target.node.discovery.gossip.stats
    const freshAdmitted = (await target.node.catalog.sorted()).filter(e => e.record.body.id.startsWith('fresh-')).length
    // Fresh keys enter at the new-provider budget, not at 100/s per peer each.
    assert.ok(after.unadmitted > 0)
    assert.ok(freshAdmitted <= LIMITS.newProviderBurst + LIMITS.newProviderRecordsPerSecond * (elapsed + 1), `fresh-key offers admitted: ${freshAdmitted}`)
    const worst = Math.max(...latencies)
    assert.ok(worst < 5_000, `API answered within 5 s during the flood (worst ${Math.round(worst)} ms)`)
    process.stdout.write(`      figures: sent ${sent}, target accepted ${after.accepted}, unadmitted ${after.unadmitted}, throttled ${after.throttled}, ` +
      `catalog sizes ${fed.map(m => m.node.catalog.size).join('/')}, fresh-key offers held ${freshAdmitted}, flood ${elapsed.toFixed(1)} s, ` +
      `API ${latencies.length} searches p50 ${Math.round(latencies.sort((a, b) => a - b)[Math.floor(latencies.length / 2)] as number)} ms worst ${Math.round(worst)} ms, ` +
      `RSS ${Math.round(rssBefore / 2 ** 20)} -> ${Math.round(rssAfter / 2 ** 20)} MiB (whole process)\n`)
  })

  it('a replayed old checkpoint of an honest node (extra signature line) makes no evidence and goes no further', async () => {
    fed = await startFederation(3, { config: {} })
    const [a, b, c] = fed as [Member, Member, Member]
    const deal = (n: number): Uint8Array => encodeEntry(signedEntry('agreement', testBody(`deal-${n}`, [a.node.identity, b.node.identity]), [a.node.identity, b.node.identity]))
    await a.node.ledger.append(deal(1))
    const old = a.node.ledger.latestNote()
    await b.node.ledger.append(deal(1))
    await a.node.ledger.append(deal(2))
    await a.node.ledger.append(deal(3))
    // b follows a (a counterparty); c does not, and must not witness a at all.
    await until(async () => (await b.node.ledger.witness.latest(a.node.identity.peerId))?.checkpoint.size === 3, 'b to witness a at size 3', 10_000)
    const replay = `${old}\u2014 example.com/replay ${randomBytes(68).toString('base64')}\n`
    const attacker = await attackerNode(createIdentity(), [b, c], CHECKPOINT_TOPIC, attackers)
    const before = [b, c].map(m => m.node.ledger.gossip.stats.ignored)
    await attacker.services.pubsub.publish(CHECKPOINT_TOPIC, new TextEncoder().encode(replay))
    await until(() => [b, c].every((m, i) => m.node.ledger.gossip.stats.ignored > (before[i] as number)), 'b and c to judge the replay', 10_000)
    // Straight to the witness too (as a node that never relayed a's newer checkpoint would): stale.
    assert.equal((await b.node.ledger.observe(a.node.identity.peerId, replay)).status, 'stale')
    for (const m of fed) {
      const files = await readdir(join(m.dir, 'audit', 'witness', 'evidence')).catch(() => [])
      assert.deepEqual(files, [], `no evidence at ${m.node.identity.peerId}`)
    }
    assert.equal((await b.node.ledger.witness.latest(a.node.identity.peerId))?.checkpoint.size, 3)
    assert.equal(await c.node.ledger.witness.latest(a.node.identity.peerId), undefined, 'c follows no log of a')
  })
})
