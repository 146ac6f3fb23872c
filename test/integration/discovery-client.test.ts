import { strict as assert } from 'node:assert'
import { createIdentity } from '../../src/identity/index.js'
import { encodeRecord, verifyRecord } from '../../src/offers/index.js'
import { createLibp2pNode, serveProtocol, request, NetworkError } from '../../src/network/index.js'
import type { FulcrumLibp2p } from '../../src/network/index.js'
import { QUERY_PROTOCOL, SYNC_PROTOCOL, DiscoveryError, findProviders, indexKey, provideOnce } from '../../src/discovery/index.js'
import { encodeMessage, decodeMessage } from '../../src/discovery/codec.js'
import { searchOffers, ClientError } from '../../src/client/index.js'
import { ApiClient } from '../../src/api/index.js'
import type { StatusJson } from '../../src/api/index.js'
import { loadApiToken } from '../../src/datadir/index.js'
import { OfferError, recordToJson } from '../../src/offers/index.js'
import type { RecordJson } from '../../src/offers/index.js'
import { isFulcrumError } from '../../src/errors/index.js'
import { startFederation, startMember, stopAll, liveOffer, holds } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { WAIT_BOUND_MS, until } from '../helpers/wait.js'

describe('discovery: light client, DHT index and sync efficiency', function () {
  this.timeout(600_000)
  let fed: Member[] = []
  let rogue: FulcrumLibp2p | undefined
  afterEach(async () => {
    await rogue?.stop()
    rogue = undefined
    await stopAll(fed)
    fed = []
  })

  it('finds offers by filter, verifies each one, merges several nodes and drops what a lying node serves', async () => {
    fed = await startFederation(5)
    const it = (fed[0] as Member).node
    const de = (fed[1] as Member).node
    await it.discovery.publish(liveOffer(it.identity, 'vm-it', 3_600_000, { location: { country: 'IT' }, price: { amount: '0.050', currency: 'EUR', unit: 'hour' } }))
    await it.discovery.publish(liveOffer(it.identity, 'vm-it-big', 3_600_000, { location: { country: 'IT' }, service: { type: 'compute.vm', specs: { vcpu: 32, memoryGiB: 128 } } }))
    await de.discovery.publish(liveOffer(de.identity, 'vm-de', 3_600_000, { location: { country: 'DE', subdivision: 'DE-BE' }, price: { amount: '0.030', currency: 'EUR', unit: 'hour' } }))
    await until(() => fed.every(m => m.node.catalog.size === 3), 'propagation')

    // A rogue node answers queries with a forged offer and one that does not match the filter.
    const victim = createIdentity()
    const genuine = liveOffer(victim, 'cheap', 3_600_000, { location: { country: 'IT' } })
    const forged = encodeRecord({ ...genuine, body: { ...genuine.body, price: { amount: '0.001', currency: 'EUR', unit: 'hour' } } })
    const offTopic = encodeRecord(liveOffer(victim, 'fr', 3_600_000, { location: { country: 'FR', subdivision: 'FR-75' } }))
    rogue = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
    await serveProtocol(rogue, QUERY_PROTOCOL, async () => encodeMessage({ records: [forged, offTopic] }))

    const peers = [(fed[2] as Member).node.multiaddrs()[0] as string, (fed[4] as Member).node.multiaddrs()[0] as string, rogue.getMultiaddrs()[0]!.toString()]
    const result = await searchOffers({ peers, filter: { type: 'compute.vm', countries: ['IT', 'DE'], minSpecs: { vcpu: 8 } } })
    assert.deepEqual(result.offers.map(o => o.record.body.id), ['vm-it-big'])
    const cheapFirst = await searchOffers({ peers, filter: { countries: ['IT', 'DE'] } })
    assert.deepEqual(cheapFirst.offers.map(o => o.record.body.id), ['vm-de', 'vm-it-big', 'vm-it'])
    assert.equal(cheapFirst.sources.find(s => s.peer === peers[2])?.rejected, 2)
    assert.ok(!cheapFirst.offers.some(o => o.record.body.provider === victim.peerId))
  })

  it('reports nodes that do not answer, and fails with CLIENT_ALL_PEERS_FAILED when none does', async () => {
    fed = await startFederation(2)
    const dead = `/ip4/127.0.0.1/tcp/9/p2p/${createIdentity().peerId}`
    const ok = await searchOffers({ peers: [(fed[0] as Member).node.multiaddrs()[0] as string, dead], filter: {} })
    assert.ok(ok.sources.find(s => s.peer === dead)?.error !== undefined)
    await assert.rejects(searchOffers({ peers: [dead], filter: {} }), (e: unknown) => isFulcrumError(e, ClientError.ALL_PEERS_FAILED))
    await assert.rejects(searchOffers({ peers: [], filter: {} }), (e: unknown) => isFulcrumError(e, ClientError.NO_PEERS))
  })

  it('indexes providers in the DHT per (service type, country), found by a light client', async () => {
    fed = await startFederation(5)
    const provider = (fed[3] as Member).node
    await provider.discovery.publish(liveOffer(provider.identity, 'vm-it', 3_600_000, { location: { country: 'IT' } }))
    await until(() => provider.discovery.dhtIndex.status().every(s => s.provided), 'the provide to succeed')
    assert.deepEqual(provider.discovery.dhtIndex.status(), [{ type: 'compute.vm', country: 'IT', provided: true, failures: 0 }])
    const finder = (fed[0] as Member).node
    const found = await findProviders(finder.libp2p.services.dht, 'compute.vm', 'IT', AbortSignal.timeout(WAIT_BOUND_MS))
    assert.deepEqual(found.map(p => p.id.toString()), [provider.identity.peerId])
    assert.deepEqual(await findProviders(finder.libp2p.services.dht, 'compute.vm', 'FR', AbortSignal.timeout(WAIT_BOUND_MS)), [])
    // A light client that knows only node 0 reaches the provider's node through the DHT.
    const result = await searchOffers({ peers: [finder.multiaddrs()[0] as string], filter: { type: 'compute.vm', countries: ['IT'] }, useDht: true })
    assert.ok(result.sources.some(s => s.peer.endsWith(provider.identity.peerId)))
    assert.equal(result.offers.length, 1)
  })

  it('a provide made with no peer fails at once with DISCOVERY_PROVIDE_FAILED (retried later by the index)', async () => {
    // kad-dht with an empty routing table would run until the signal ends it (20 s in the index):
    // provideOnce refuses before asking it. The signal here is far longer than the test's timeout.
    fed = [await startMember([])]
    const alone = (fed[0] as Member).node
    await assert.rejects(provideOnce(alone.libp2p.services.dht, await indexKey('compute.vm', 'IT'), AbortSignal.timeout(600_000)),
      (e: unknown) => isFulcrumError(e, DiscoveryError.PROVIDE_FAILED))
  })

  it('the control API signs a draft with the node key, gossips it, and refuses another provider\'s record', async () => {
    fed = await startFederation(3, { api: true })
    const a = fed[0] as Member
    const api = new ApiClient(a.node.apiUrl as string, await loadApiToken(a.dir))
    const { id: _id, provider: _p, seq: _s, issuedAt: _i, expiresAt: _e, ...draft } = liveOffer(createIdentity(), 'x').body as unknown as Record<string, unknown>
    const published = await api.call<{ decision: string, record: RecordJson }>('POST', '/v1/offers', { ...draft, id: 'drafted' })
    assert.equal(published.decision, 'store')
    assert.equal(published.record.body.provider, a.node.identity.peerId)
    await until(() => fed.every(m => holds(m, a.node.identity.peerId, 'drafted')), 'the drafted offer everywhere')
    const foreign = recordToJson(liveOffer(createIdentity(), 'foreign'))
    await assert.rejects(api.call('POST', '/v1/offers', foreign), (e: unknown) => isFulcrumError(e, OfferError.BAD_PROVIDER))
    const status = await api.call<StatusJson>('GET', '/v1/status')
    assert.ok(status.peers.connected >= 1)
    assert.equal(status.offers.known, 1)
  })

  it('answers a malformed query with DISCOVERY_BAD_MESSAGE, resets a malformed sync stream, and keeps serving', async () => {
    fed = await startFederation(2)
    const [a, b] = fed.map(m => m.node) as [Member['node'], Member['node']]
    const garbage = Uint8Array.from([0xff, 0x00, 0x13])
    const answer = decodeMessage(await request(a.libp2p, b.libp2p.peerId, QUERY_PROTOCOL, garbage), ['error'])
    assert.equal((answer.error as { code: string }).code, DiscoveryError.BAD_MESSAGE)
    await assert.rejects(request(a.libp2p, b.libp2p.peerId, SYNC_PROTOCOL, encodeMessage({ ranges: 'nope' })),
      (e: unknown) => isFulcrumError(e, NetworkError.STREAM_CLOSED))
    await b.discovery.publish(liveOffer(b.identity, 'still-fine'))
    await until(() => holds(fed[0] as Member, b.identity.peerId, 'still-fine'), 'gossip after bad input')
    assert.equal((await a.discovery.syncWith(b.libp2p.peerId)).rounds, 1)
  })

  it('retries a provide made while alone until a peer connects', async () => {
    fed = [await startMember([])]
    const alone = (fed[0] as Member).node
    await alone.discovery.publish(liveOffer(alone.identity, 'vm-it'))
    // The attempt made alone fails at once (see the test above): then it must be retried.
    await until(() => (alone.discovery.dhtIndex.status()[0]?.failures ?? 0) >= 2, 'the provide made alone to be retried')
    assert.equal(alone.discovery.dhtIndex.status()[0]?.provided, false)
    fed.push(await startMember([alone.multiaddrs()[0] as string]))
    await until(() => alone.discovery.dhtIndex.status().every(s => s.provided), 'the retried provide')
    assert.equal(alone.discovery.dhtIndex.status()[0]?.failures, 0)
  })

  it('sync sends only what differs: 1000 shared offers, 5 missing, 3 newer', async () => {
    fed = await startFederation(2)
    const [a, b] = fed.map(m => m.node) as [Member['node'], Member['node']]
    const provider = createIdentity()
    const now = Date.now()
    const shared = Array.from({ length: 1000 }, (_, i) => verifyRecord(liveOffer(provider, `o-${i}`), now))
    for (const r of shared) { await a.discovery.ingestor.store(r); await b.discovery.ingestor.store(r) }
    for (let i = 0; i < 5; i++) await a.discovery.ingestor.store(verifyRecord(liveOffer(provider, `new-${i}`), now))
    for (let i = 0; i < 3; i++) {
      const old = shared[i * 100]!.record
      await a.discovery.ingestor.store(verifyRecord(liveOffer(provider, old.body.id, 7_200_000, { seq: old.body.seq + 1 }), now))
    }
    const report = await b.discovery.syncWith(a.libp2p.peerId)
    assert.equal(report.fetched, 8)
    assert.equal(report.stored, 8)
    assert.ok(report.rounds <= 4, `${report.rounds} rounds`)
    assert.equal(b.catalog.size, 1005)
    assert.ok(holds(fed[1] as Member, provider.peerId, 'o-100', shared[100]!.record.body.seq + 1))
    const again = await b.discovery.syncWith(a.libp2p.peerId)
    assert.deepEqual([again.rounds, again.fetched], [1, 0])
  })
})
