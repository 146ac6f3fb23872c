import { strict as assert } from 'node:assert'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createIdentity } from '../../../src/identity/index.js'
import { GossipTopic, PeerPenalties } from '../../../src/gossip/index.js'
import type { TopicPubSub, TopicRules, Verdict } from '../../../src/gossip/index.js'
import { silentLogger } from '../../../src/logging/index.js'
import { NodeMetrics } from '../../../src/metrics/registry.js'
import { ConnectionLimiter } from '../../../src/network/limits.js'
import { parseRanges } from '../../../src/network/index.js'

const RULES: TopicRules = { topic: 'offers-topic', maxBytes: 8, rate: { perSecond: 1, burst: 1 }, excessPenalty: 0.5, invalidPenalty: 2, scoreParams: {} }

/** The value of the series `line` starts with (the exact text before the value). */
function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('metrics: the node registry', () => {
  it('reads its gauges from the node at each scrape', async () => {
    const m = new NodeMetrics()
    let peers = 2
    m.bind({ peers: () => peers, offersKnown: () => 7, offersOwn: async () => 3, ordersByStatus: async () => ({ held: 2, pending: 1, committed: 4 }), ledgerSize: () => 5 })
    let text = (await m.scrape()).body
    assert.equal(sample(text, 'fulcrum_peers'), 2)
    assert.equal(sample(text, 'fulcrum_offers_known'), 7)
    assert.equal(sample(text, 'fulcrum_offers_own'), 3)
    assert.equal(sample(text, 'fulcrum_ledger_entries'), 5)
    assert.equal(sample(text, 'fulcrum_holds_open'), 3)
    assert.equal(sample(text, 'fulcrum_orders{state="committed"}'), 4)
    assert.equal(sample(text, 'fulcrum_orders{state="expired"}'), 0)
    peers = 0
    text = (await m.scrape()).body
    assert.equal(sample(text, 'fulcrum_peers'), 0)
  })

  it('counts a gossip topic\'s verdicts by topic, result and code', async () => {
    const m = new NodeMetrics()
    let verdict: Verdict = { result: 'accept' }
    const topic = new GossipTopic({} as TopicPubSub, RULES, () => verdict, new PeerPenalties(() => 0), silentLogger, m.telemetry)
    const peer = peerIdFromString(createIdentity().peerId)
    await topic.validate(peer, { data: new Uint8Array(4) })
    await topic.validate(peer, { data: new Uint8Array(4) }) // over the rate: throttled
    await topic.validate(peer, { data: new Uint8Array(9) }) // oversized
    verdict = { result: 'reject', code: 'OFFER_BAD_SIGNATURE' }
    const other = peerIdFromString(createIdentity().peerId)
    await topic.validate(other, { data: new Uint8Array(4) })
    const text = (await m.scrape()).body
    assert.equal(sample(text, 'fulcrum_gossip_messages_total{topic="offers-topic",result="accept",code=""}'), 1)
    assert.equal(sample(text, 'fulcrum_gossip_messages_total{topic="offers-topic",result="throttle",code=""}'), 1)
    assert.equal(sample(text, 'fulcrum_gossip_messages_total{topic="offers-topic",result="reject",code="TOPIC_OVERSIZED"}'), 1)
    assert.equal(sample(text, 'fulcrum_gossip_messages_total{topic="offers-topic",result="reject",code="OFFER_BAD_SIGNATURE"}'), 1)
  })

  it('counts the connection limiter\'s refusals by reason', async () => {
    const m = new NodeMetrics()
    const limiter = new ConnectionLimiter({ maxConnections: 1, maxConnectionsPerPeer: 1, inboundPerIpPerSecond: 1, rateLimitExempt: parseRanges([]) },
      () => 0, reason => { m.telemetry.refused('connections', reason) })
    const addr = multiaddr('/ip4/127.0.0.1/tcp/4001') // no range is exempt here: loopback is rate-limited too
    assert.equal(limiter.denyInboundConnection(addr), false)
    assert.equal(limiter.denyInboundConnection(addr), true)
    limiter.bind({ getConnections: () => [{}] as never })
    assert.equal(limiter.denyPeer(peerIdFromString(createIdentity().peerId)), true)
    assert.equal(limiter.denyUpgraded(), true)
    const text = (await m.scrape()).body
    assert.equal(sample(text, 'fulcrum_bound_refusals_total{bound="connections",reason="per-ip-rate"}'), 1)
    assert.equal(sample(text, 'fulcrum_bound_refusals_total{bound="connections",reason="per-peer"}'), 1)
    assert.equal(sample(text, 'fulcrum_bound_refusals_total{bound="connections",reason="max-connections"}'), 1)
  })

  it('times every method of the API backend under its name, failures apart', async () => {
    const m = new NodeMetrics()
    const backend = m.timeBackend({
      health: () => ({ status: 'ok' }),
      peers: async () => [],
      order: async (id: string): Promise<unknown> => { throw new Error(`no ${id}`) }
    })
    assert.deepEqual(backend.health(), { status: 'ok' })
    assert.deepEqual(await backend.peers(), [])
    await assert.rejects(backend.order('x'))
    const text = (await m.scrape()).body
    assert.equal(sample(text, 'fulcrum_api_request_duration_seconds_count{operation="health",outcome="ok"}'), 1)
    assert.equal(sample(text, 'fulcrum_api_request_duration_seconds_count{operation="peers",outcome="ok"}'), 1)
    assert.equal(sample(text, 'fulcrum_api_request_duration_seconds_count{operation="order",outcome="error"}'), 1)
  })
})
