import { strict as assert } from 'node:assert'
import { createIdentity } from '../../src/identity/index.js'
import { signOffer, encodeRecord, verifyRecord } from '../../src/offers/index.js'
import { OFFER_TOPIC } from '../../src/discovery/index.js'
import { makeOffer } from '../helpers/offers.js'
import { startFederation, startMember, stopAll, liveOffer, holds, gossipOf, heartbeats, HEARTBEATS_TO_FORGET } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { offsetClock, until } from '../helpers/wait.js'

/**
 * Every wait below is for a state (an offer held everywhere, a count, a score), never for a time;
 * expiry and renewal move an injected clock instead of waiting for it.
 */
describe('discovery: a federation of nodes on 127.0.0.1', function () {
  this.timeout(600_000)
  let fed: Member[] = []
  afterEach(async () => { await stopAll(fed); fed = [] })

  const everyoneHolds = async (provider: string, id: string, seq?: number, members = fed): Promise<void> => {
    await until(() => members.every(m => holds(m, provider, id, seq)), `${id} at every node`)
  }

  it('propagates a new offer to every node of 6, and a newer seq replaces it everywhere', async () => {
    fed = await startFederation(6)
    const a = (fed[5] as Member).node
    const first = liveOffer(a.identity, 'vm-1')
    await a.discovery.publish(first)
    await everyoneHolds(a.identity.peerId, 'vm-1', first.body.seq)
    const second = signOffer({ ...first.body, seq: first.body.seq + 1, price: { amount: '0.040', currency: 'EUR', unit: 'hour' } }, a.identity)
    await a.discovery.publish(second)
    await everyoneHolds(a.identity.peerId, 'vm-1', second.body.seq)
  })

  it('propagates a withdrawal, after which no node serves the offer', async () => {
    fed = await startFederation(5)
    const a = (fed[0] as Member).node
    await a.discovery.publish(liveOffer(a.identity, 'vm-1'))
    await everyoneHolds(a.identity.peerId, 'vm-1')
    assert.ok(await a.discovery.withdraw('vm-1'))
    await until(async () => (await Promise.all(fed.map(async m => await m.node.catalog.get(a.identity.peerId, 'vm-1')))).every(e => e?.record.kind === 'withdrawal'), 'withdrawal everywhere')
    for (const m of fed) assert.equal((await m.node.catalog.query({}, { now: Date.now() })).entries.length, 0)
  })

  it('stops serving an offer at its expiry on every node, and never relays an expired one', async () => {
    const clock = offsetClock()
    fed = await startFederation(5, { now: clock.now })
    const provider = createIdentity()
    const rec = liveOffer(provider, 'short', 60_000, {}, clock.now())
    await (fed[0] as Member).node.discovery.publish(rec)
    await everyoneHolds(provider.peerId, 'short')
    clock.advance(rec.body.expiresAt - clock.now())
    for (const m of fed) {
      assert.equal((await m.node.catalog.query({}, { now: clock.now() })).entries.length, 0)
      assert.equal(m.node.discovery.index.snapshot(clock.now()).keys.length, 0)
    }
    // A newer record, already expired, injected straight into gossipsub: new bytes, so gossipsub's
    // seen cache lets it through and each neighbour's validator is what refuses it (ignore: not
    // relayed, not a fault of the sender).
    const source = (fed[0] as Member).node
    const expired = signOffer(makeOffer(provider, { id: 'short', seq: rec.body.seq + 1, issuedAt: clock.now() - 60_000, expiresAt: clock.now() - 1 }), provider)
    const neighbours = fed.filter(m => m.node !== source && m.node.libp2p.getConnections(source.libp2p.peerId).length > 0)
    const before = fed.map(m => ({ ...m.node.discovery.gossip.stats }))
    await source.libp2p.services.pubsub.publish(OFFER_TOPIC, encodeRecord(expired))
    await until(() => neighbours.every(m => m.node.discovery.gossip.stats.ignored === (before[fed.indexOf(m)]?.ignored ?? 0) + 1), 'every neighbour to refuse the expired record')
    // A live offer published after it reaches every node: had a neighbour relayed the expired one, it
    // would have gone out first on the same streams.
    const barrier = liveOffer(provider, 'barrier', 3_600_000, {}, clock.now())
    await source.discovery.publish(barrier)
    await everyoneHolds(provider.peerId, 'barrier')
    fed.forEach((m, i) => {
      const was = before[i] as typeof m.node.discovery.gossip.stats
      const expected = neighbours.includes(m) ? was.ignored + 1 : was.ignored
      assert.equal(m.node.discovery.gossip.stats.ignored, expected, 'only the neighbours saw the expired record')
      assert.equal(m.node.discovery.gossip.stats.rejected, 0, 'an expired record is not a fault')
      assert.equal(m.node.catalog.seqOf(provider.peerId, 'short'), rec.body.seq, 'nobody stored it')
    })
  })

  it('renews its own offers before they expire, and every node takes the renewal', async () => {
    const clock = offsetClock()
    fed = await startFederation(5, { now: clock.now, discovery: { republishCheckMs: 100 } })
    const a = (fed[0] as Member).node
    const first = liveOffer(a.identity, 'short', 3_600_000, {}, clock.now())
    await a.discovery.publish(first)
    await everyoneHolds(a.identity.peerId, 'short', first.body.seq)
    // Into the last tenth of its lifetime: the next republish check renews it.
    clock.advance(first.body.expiresAt - clock.now() - 60_000)
    await until(() => fed.every(m => (m.node.catalog.seqOf(a.identity.peerId, 'short') ?? 0) > first.body.seq), 'the renewal everywhere')
    clock.advance(120_000)
    for (const m of fed) assert.equal((await m.node.catalog.query({}, { now: clock.now() })).entries.length, 1, 'still served after the first expiry')
  })

  it('does not renew its own offers when the config says renewOwnOffers: false', async () => {
    const clock = offsetClock()
    fed = await startFederation(2, { now: clock.now, config: { renewOwnOffers: false }, discovery: { republishCheckMs: 100 } })
    const a = (fed[0] as Member).node
    const first = liveOffer(a.identity, 'short', 3_600_000, {}, clock.now())
    await a.discovery.publish(first)
    await everyoneHolds(a.identity.peerId, 'short', first.body.seq)
    // What the republish check sends: a renewal would be new bytes, a re-gossip the same ones.
    const sent: Uint8Array[] = []
    const publish = a.discovery.gossip.publish.bind(a.discovery.gossip)
    a.discovery.gossip.publish = async (bytes) => { sent.push(bytes); await publish(bytes) }
    clock.advance(first.body.expiresAt - clock.now() - 60_000)
    await until(() => sent.length > 0, 'the republish check to run')
    assert.deepEqual(sent[0], encodeRecord(first), 're-gossiped as it was, not re-signed')
    clock.advance(120_000)
    for (const m of fed) {
      assert.equal((await m.node.catalog.get(a.identity.peerId, 'short'))?.record.body.seq, first.body.seq, 'never re-signed')
      assert.equal((await m.node.catalog.query({}, { now: clock.now() })).entries.length, 0, 'ended at its expiry')
    }
  })

  it('brings a late joiner to the full catalog by sync, without republication', async () => {
    fed = await startFederation(5)
    const a = (fed[0] as Member).node
    for (let i = 0; i < 300; i++) await a.discovery.publish(liveOffer(a.identity, `o-${i}`))
    await until(() => fed.every(m => m.node.catalog.size === 300), 'every node to hold 300 offers')
    // Until gossipsub stops advertising them, a newcomer could still fetch the 300 by gossip.
    await heartbeats(fed, HEARTBEATS_TO_FORGET)
    const accepted = fed.map(m => m.node.discovery.gossip.stats.accepted)
    const late = await startMember([(fed[4] as Member).node.multiaddrs()[0] as string])
    fed.push(late)
    await until(() => late.node.catalog.size === 300, 'the late joiner to hold 300 offers')
    assert.equal(late.node.discovery.gossip.stats.accepted, 0, 'nothing came by gossip')
    assert.deepEqual(fed.slice(0, 5).map(m => m.node.discovery.gossip.stats.accepted), accepted, 'nothing was republished')
  })

  it('closes a gap that gossip left by periodic sync (a record stored at one node only)', async () => {
    fed = await startFederation(5, { discovery: { syncIntervalMs: 200, minResyncMs: 100 } })
    const provider = createIdentity()
    await (fed[0] as Member).node.discovery.ingestor.store(verifyRecord(liveOffer(provider, 'quiet'), Date.now()))
    await everyoneHolds(provider.peerId, 'quiet')
    assert.ok(fed.every(m => m.node.discovery.gossip.stats.accepted === 0), 'nothing came by gossip')
  })

  it('a restarted node keeps its catalog and catches up with what it missed', async () => {
    fed = await startFederation(5)
    const a = (fed[0] as Member).node
    const victim = fed[3] as Member
    await a.discovery.publish(liveOffer(a.identity, 'before'))
    await everyoneHolds(a.identity.peerId, 'before')
    await victim.node.stop()
    const others = fed.filter(m => m !== victim)
    await a.discovery.publish(liveOffer(a.identity, 'during'))
    await everyoneHolds(a.identity.peerId, 'during', undefined, others)
    const restarted = await startMember([(fed[1] as Member).node.multiaddrs()[0] as string], {}, victim.dir)
    fed[3] = { ...restarted, cleanup: victim.cleanup }
    assert.ok(holds(fed[3] as Member, a.identity.peerId, 'before'), 'kept across the restart')
    await everyoneHolds(a.identity.peerId, 'during')
  })

  it('heals a partition: two federations that diverged converge once connected (sync), and their meshes join', async () => {
    // Offers published before the link are not gossiped across it (only the last 3 heartbeats'
    // messages are advertised): the nodes converge by sync, every 200 ms here instead of 30 s.
    const sync = { discovery: { syncIntervalMs: 200, minResyncMs: 100 } }
    const left = await startFederation(3, sync)
    const right = await startFederation(3, sync)
    fed = [...left, ...right]
    const l = (left[0] as Member).node
    const r = (right[0] as Member).node
    await l.discovery.publish(liveOffer(l.identity, 'left'))
    await r.discovery.publish(liveOffer(r.identity, 'right'))
    await everyoneHolds(l.identity.peerId, 'left', undefined, left)
    await everyoneHolds(r.identity.peerId, 'right', undefined, right)
    assert.ok(!holds(right[0] as Member, l.identity.peerId, 'left'))
    await (left[2] as Member).node.libp2p.dial((right[2] as Member).node.libp2p.getMultiaddrs()[0]!)
    await everyoneHolds(l.identity.peerId, 'left')
    await everyoneHolds(r.identity.peerId, 'right')
    const [l2, r2] = [left[2] as Member, right[2] as Member].map(m => m.node.libp2p.peerId.toString())
    await until(() => gossipOf(left[2] as Member).getMeshPeers(OFFER_TOPIC).includes(r2 as string) &&
      gossipOf(right[2] as Member).getMeshPeers(OFFER_TOPIC).includes(l2 as string), 'the two meshes to join')
    await l.discovery.publish(liveOffer(l.identity, 'after'))
    await everyoneHolds(l.identity.peerId, 'after')
  })

  it('does not relay a forged offer, penalises its sender, and keeps honest offers flowing', async () => {
    fed = await startFederation(6)
    const forger = (fed[5] as Member).node
    const victim = createIdentity()
    const genuine = liveOffer(victim, 'vm-1')
    const forged = { ...genuine, body: { ...genuine.body, price: { amount: '0.001', currency: 'EUR', unit: 'hour' } } }
    // The forger bypasses its own checks and publishes the tampered record straight into gossipsub.
    await forger.libp2p.services.pubsub.publish(OFFER_TOPIC, encodeRecord(forged))
    const neighbours = fed.filter(m => m.node !== forger && m.node.libp2p.getConnections(forger.libp2p.peerId).length > 0)
    assert.ok(neighbours.length > 0)
    await until(() => neighbours.every(m => m.node.discovery.gossip.stats.rejected === 1), 'neighbours to reject')
    // gossipsub refreshes scores on its heartbeat (1 s).
    await until(() => neighbours.every(m => gossipOf(m).getScore(forger.libp2p.peerId.toString()) < 0), 'the forger to be penalised')
    const honest = (fed[0] as Member).node
    await honest.discovery.publish(liveOffer(honest.identity, 'honest'))
    await everyoneHolds(honest.identity.peerId, 'honest')
    // The honest offer went out after the forgery was refused: had a neighbour relayed the forgery,
    // the non-neighbours would have seen it first.
    for (const m of fed) assert.ok(!holds(m, victim.peerId, 'vm-1'), 'nobody stores the forgery')
    const nowNeighbours = fed.filter(m => m.node.libp2p.getConnections(forger.libp2p.peerId).length > 0)
    for (const m of fed.filter(x => !neighbours.includes(x) && !nowNeighbours.includes(x) && x.node !== forger)) {
      assert.equal(m.node.discovery.gossip.stats.rejected, 0, 'the forgery never reached a non-neighbour')
    }
  })

  it('throttles a flooding peer while honest offers keep flowing', async () => {
    // Real time: with a clock frozen during the flood (so that a slow machine cannot refill the
    // buckets and hide it), the honest offer did not reach every node within 180 s even ten
    // (injected) minutes later: honest relays throttled downstream (issue 7, point 3).
    fed = await startFederation(5)
    const flooder = (fed[4] as Member).node
    const spam = createIdentity()
    const now = Date.now()
    // Far over the burst (500) and the sustained rate (100/s) even when a busy machine spreads their arrival over seconds.
    const records = Array.from({ length: 2000 }, (_, i) => encodeRecord(signOffer(makeOffer(spam, { id: `spam-${i}`, seq: now, issuedAt: now, expiresAt: now + 3_600_000 }), spam)))
    await Promise.all(records.map(async b => { await flooder.libp2p.services.pubsub.publish(OFFER_TOPIC, b) }))
    const neighbour = fed.find(m => m.node !== flooder && m.node.libp2p.getConnections(flooder.libp2p.peerId).length > 0) as Member
    await until(() => neighbour.node.discovery.gossip.stats.throttled > 0, 'the neighbour to throttle')
    await until(() => gossipOf(neighbour).getScore(flooder.libp2p.peerId.toString()) < 0, 'the flooder to be penalised')
    const honest = (fed[0] as Member).node
    await honest.discovery.publish(liveOffer(honest.identity, 'honest'))
    await everyoneHolds(honest.identity.peerId, 'honest')
  })
})
