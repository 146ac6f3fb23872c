import { strict as assert } from 'node:assert'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { createIdentity } from '../../../src/identity/index.js'
import { GossipTopic, PeerPenalties, TokenBuckets, YIELD_AFTER_MS } from '../../../src/gossip/index.js'
import type { TopicPubSub, TopicRules, Verdict } from '../../../src/gossip/index.js'
import { silentLogger } from '../../../src/logging/index.js'

const RULES: TopicRules = { topic: 't', maxBytes: 8, rate: { perSecond: 10, burst: 3 }, excessPenalty: 0.5, invalidPenalty: 2, scoreParams: {} }
const peer = peerIdFromString(createIdentity().peerId)

describe('gossip: topic toolkit', () => {
  let clock = 0
  let penalties: PeerPenalties
  let verdict: Verdict
  let topic: GossipTopic
  beforeEach(() => {
    clock = 0
    penalties = new PeerPenalties(() => clock)
    verdict = { result: 'accept' }
    topic = new GossipTopic({} as TopicPubSub, RULES, () => verdict, penalties, silentLogger)
  })
  const send = async (bytes = 4): Promise<TopicValidatorResult> => await topic.validate(peer, { data: new Uint8Array(bytes) })

  it('rejects an oversized message before anything else and penalises the sender', async () => {
    assert.equal(await send(9), TopicValidatorResult.Reject)
    assert.equal(penalties.score(peer.toString()), -2)
    assert.deepEqual(topic.stats, { accepted: 0, ignored: 0, rejected: 1, throttled: 0 })
  })

  it('ignores messages over the per-peer rate (with a small penalty) and lets them through as tokens refill', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await send(), TopicValidatorResult.Accept)
    assert.equal(await send(), TopicValidatorResult.Ignore)
    assert.equal(topic.stats.throttled, 1)
    assert.equal(penalties.score(peer.toString()), -0.5)
    clock += 100
    assert.equal(await send(), TopicValidatorResult.Accept)
  })

  it('maps the validator\'s verdicts: ignore without penalty, reject with one', async () => {
    verdict = { result: 'ignore', reason: 'stale' }
    assert.equal(await send(), TopicValidatorResult.Ignore)
    assert.equal(penalties.score(peer.toString()), 0)
    verdict = { result: 'reject', code: 'BAD' }
    assert.equal(await send(), TopicValidatorResult.Reject)
    assert.equal(penalties.score(peer.toString()), -2)
  })

  it('validates a message that arrives alone at once, without waiting for a turn of the event loop', async () => {
    let turned = false
    setImmediate(() => { turned = true })
    let validatedBeforeTurn: boolean | undefined
    topic = new GossipTopic({} as TopicPubSub, RULES, () => { validatedBeforeTurn = !turned; return verdict }, penalties, silentLogger)
    await send()
    assert.equal(validatedBeforeTurn, true)
  })

  it('yields to the event loop during a long run of validations (a flood cannot starve timers)', async () => {
    const spin = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end);/* busy */ }
    const rules = { ...RULES, rate: { perSecond: 1000, burst: 1000 } }
    let validated = 0
    let atTurn = -1
    topic = new GossipTopic({} as TopicPubSub, rules, () => { spin(YIELD_AFTER_MS / 4); validated++; return verdict }, penalties, silentLogger)
    setImmediate(() => { atTurn = validated })
    // As gossipsub does: one chain of promise jobs, each message validated after the previous one.
    for (let i = 0; i < 40; i++) await send()
    assert.ok(atTurn >= 0 && atTurn < 40, `the event loop turned after ${atTurn} of 40 validations`)
    assert.ok(atTurn <= 8, `the event loop waited for ${atTurn} validations of ${YIELD_AFTER_MS / 4} ms`)
  })

  it('token buckets: a shared key is one budget for every caller', () => {
    const b = new TokenBuckets({ perSecond: 1, burst: 2 }, () => clock)
    assert.deepEqual([b.take('k'), b.take('k'), b.take('k')], [true, true, false])
    clock += 1000
    assert.equal(b.take('k'), true)
  })
})
