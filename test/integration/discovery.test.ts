import { strict as assert } from 'node:assert'
import { createIdentity } from '../../src/identity/index.js'
import { signOffer, encodeRecord, verifyRecord } from '../../src/offers/index.js'
import { OFFER_TOPIC } from '../../src/discovery/index.js'
import { makeOffer } from '../helpers/offers.js'
import { startFederation, startMember, stopAll, liveOffer, holds, waitFor, waitForMesh, gossipOf } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'

const PROPAGATION_MS = 5_000

describe('discovery: a federation of nodes on 127.0.0.1', function () {
  this.timeout(60_000)
  let fed: Member[] = []
  afterEach(async () => { await stopAll(fed); fed = [] })

  const everyoneHolds = async (provider: string, id: string, seq?: number, members = fed): Promise<void> => {
    await waitFor(() => members.every(m => holds(m, provider, id, seq)), PROPAGATION_MS, `${id} at every node`)
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
    await waitFor(() => fed.every(m => m.node.catalog.get(a.identity.peerId, 'vm-1')?.record.kind === 'withdrawal'), PROPAGATION_MS, 'withdrawal everywhere')
    for (const m of fed) assert.equal(m.node.catalog.query({}, { now: Date.now() }).entries.length, 0)
  })

  it('stops serving an offer at its expiry on every node, and never relays an expired one', async () => {
    fed = await startFederation(5)
    const provider = createIdentity()
    const rec = liveOffer(provider, 'short', 1500)
    await (fed[0] as Member).node.discovery.publish(rec)
    await everyoneHolds(provider.peerId, 'short')
    await new Promise(resolve => setTimeout(resolve, Math.max(0, rec.body.issuedAt + 1600 - Date.now())))
    for (const m of fed) {
      assert.equal(m.node.catalog.query({}, { now: Date.now() }).entries.length, 0)
      assert.equal(m.node.discovery.index.snapshot(Date.now()).keys.length, 0)
    }
    // Re-injecting the expired record: the validators ignore it, nothing is relayed.
    await (fed[0] as Member).node.libp2p.services.pubsub.publish(OFFER_TOPIC, encodeRecord(rec))
    await new Promise(resolve => setTimeout(resolve, 300))
    assert.ok(fed.slice(1).every(m => m.node.discovery.gossip.stats.accepted === 1))
  })

  it('renews its own offers before they expire, and every node takes the renewal', async () => {
    fed = await startFederation(5, { discovery: { republishCheckMs: 100 } })
    const a = (fed[0] as Member).node
    const first = liveOffer(a.identity, 'short', 2000)
    await a.discovery.publish(first)
    await everyoneHolds(a.identity.peerId, 'short', first.body.seq)
    await new Promise(resolve => setTimeout(resolve, Math.max(0, first.body.expiresAt + 200 - Date.now())))
    await waitFor(() => fed.every(m => (m.node.catalog.get(a.identity.peerId, 'short')?.record.body.seq ?? 0) > first.body.seq), PROPAGATION_MS, 'the renewal everywhere')
    for (const m of fed) assert.equal(m.node.catalog.query({}, { now: Date.now() }).entries.length, 1, 'still served after the first expiry')
  })

  it('does not renew its own offers when the config says renewOwnOffers: false', async () => {
    fed = await startFederation(2, { config: { renewOwnOffers: false }, discovery: { republishCheckMs: 100 } })
    const a = (fed[0] as Member).node
    const first = liveOffer(a.identity, 'short', 1500)
    await a.discovery.publish(first)
    await everyoneHolds(a.identity.peerId, 'short', first.body.seq)
    await new Promise(resolve => setTimeout(resolve, Math.max(0, first.body.expiresAt + 300 - Date.now())))
    for (const m of fed) {
      assert.equal(m.node.catalog.get(a.identity.peerId, 'short')?.record.body.seq, first.body.seq, 'never re-signed')
      assert.equal(m.node.catalog.query({}, { now: Date.now() }).entries.length, 0, 'ended at its expiry')
    }
  })

  it('brings a late joiner to the full catalog by sync, without republication', async () => {
    fed = await startFederation(5)
    const a = (fed[0] as Member).node
    for (let i = 0; i < 300; i++) await a.discovery.publish(liveOffer(a.identity, `o-${i}`))
    await waitFor(() => fed.every(m => m.node.catalog.size === 300), PROPAGATION_MS, 'every node to hold 300 offers')
    const accepted = fed.map(m => m.node.discovery.gossip.stats.accepted)
    const late = await startMember([(fed[4] as Member).node.multiaddrs()[0] as string])
    fed.push(late)
    await waitFor(() => late.node.catalog.size === 300, PROPAGATION_MS, 'the late joiner to hold 300 offers')
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

  it('heals a partition: two federations that diverged converge once connected, and gossip crosses', async () => {
    const left = await startFederation(3)
    const right = await startFederation(3)
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
    await waitForMesh(fed)
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
    await waitFor(() => neighbours.every(m => m.node.discovery.gossip.stats.rejected === 1), PROPAGATION_MS, 'neighbours to reject')
    await new Promise(resolve => setTimeout(resolve, 300))
    for (const m of fed) assert.ok(!holds(m, victim.peerId, 'vm-1'), 'nobody stores the forgery')
    const nowNeighbours = fed.filter(m => m.node.libp2p.getConnections(forger.libp2p.peerId).length > 0)
    for (const m of fed.filter(x => !neighbours.includes(x) && !nowNeighbours.includes(x) && x.node !== forger)) {
      assert.equal(m.node.discovery.gossip.stats.rejected, 0, 'the forgery never reached a non-neighbour')
    }
    // gossipsub refreshes scores on its heartbeat (1 s).
    await waitFor(() => neighbours.every(m => gossipOf(m).getScore(forger.libp2p.peerId.toString()) < 0), 3000, 'the forger to be penalised')
    const honest = (fed[0] as Member).node
    await honest.discovery.publish(liveOffer(honest.identity, 'honest'))
    await everyoneHolds(honest.identity.peerId, 'honest')
  })

  it('throttles a flooding peer while honest offers keep flowing', async () => {
    fed = await startFederation(5)
    const flooder = (fed[4] as Member).node
    const spam = createIdentity()
    const now = Date.now()
    const records = Array.from({ length: 700 }, (_, i) => encodeRecord(signOffer(makeOffer(spam, { id: `spam-${i}`, seq: now, issuedAt: now, expiresAt: now + 3_600_000 }), spam)))
    await Promise.all(records.map(async b => { await flooder.libp2p.services.pubsub.publish(OFFER_TOPIC, b) }))
    const neighbour = fed.find(m => m.node !== flooder && m.node.libp2p.getConnections(flooder.libp2p.peerId).length > 0) as Member
    await waitFor(() => neighbour.node.discovery.gossip.stats.throttled > 0, PROPAGATION_MS, 'the neighbour to throttle')
    await waitFor(() => gossipOf(neighbour).getScore(flooder.libp2p.peerId.toString()) < 0, 3000, 'the flooder to be penalised')
    const honest = (fed[0] as Member).node
    await honest.discovery.publish(liveOffer(honest.identity, 'honest'))
    await everyoneHolds(honest.identity.peerId, 'honest')
  })
})
