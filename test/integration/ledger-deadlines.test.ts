import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { createLibp2pNode } from '../../src/network/index.js'
import type { FulcrumLibp2p } from '../../src/network/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { MerkleLog } from '../../src/log/index.js'
import { entryToJson } from '../../src/ledger/index.js'
import { LEDGER_PROTOCOL, LedgerProtocolError, LedgerService, MemoryStateStore } from '../../src/ledger-protocol/index.js'
import { nodeBackend } from '../../src/node/backend.js'
import { tempDir } from '../helpers/tmp.js'
import { signedEntry, testBody, testIdentity } from '../unit/ledger/fixtures.js'

/**
 * A counterparty that speaks ledger-v1 just enough to take a request and never answers: the
 * slowest peer the protocol's deadlines allow (it writes nothing, so only deadlines end it).
 */
async function hangingPeer (seed: Uint8Array): Promise<{ libp2p: FulcrumLibp2p, streams: Stream[], requested: (count?: number) => Promise<void> }> {
  const libp2p = await createLibp2pNode({ seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const streams: Stream[] = []
  let requests = 0
  const waiters: Array<{ count: number, resolve: () => void }> = []
  await libp2p.handle(LEDGER_PROTOCOL, (stream) => {
    streams.push(stream)
    stream.addEventListener('message', () => {
      requests++
      for (const w of waiters.filter(w => w.count <= requests)) { waiters.splice(waiters.indexOf(w), 1); w.resolve() }
    }, { once: true })
  })
  const requested = async (count = 1): Promise<void> => {
    if (requests < count) await new Promise<void>(resolve => { waiters.push({ count, resolve }) })
  }
  return { libp2p, streams, requested }
}

describe('ledger protocol: deadlines and cancellation', function () {
  this.timeout(60_000)
  const [provider, hanging] = [testIdentity(60), testIdentity(61)]
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let log: MerkleLog
  let libp2p: FulcrumLibp2p
  let peer: Awaited<ReturnType<typeof hangingPeer>>
  let service: LedgerService
  let n = 0

  async function startService (cosignDeadlineMs?: number): Promise<LedgerService> {
    service = new LedgerService({ libp2p, log, identity: provider, state: new MemoryStateStore(), logger: silentLogger, now: Date.now },
      { gossip: false, ...(cosignDeadlineMs === undefined ? {} : { cosignDeadlineMs }) })
    await service.start()
    return service
  }

  const deal = (): ReturnType<typeof signedEntry> => signedEntry('agreement', testBody(`deal-${n++}`, [provider, hanging]), [provider, hanging])

  beforeEach(async () => {
    tmp = await tempDir()
    log = await MerkleLog.open(join(tmp.path, 'ledger'), { signer: provider })
    libp2p = await createLibp2pNode({ seed: provider.seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
    peer = await hangingPeer(hanging.seed)
    await libp2p.dial(peer.libp2p.getMultiaddrs())
  })
  afterEach(async () => {
    await service?.stop()
    await Promise.all([libp2p.stop(), peer.libp2p.stop()])
    await log.close()
    await tmp.cleanup()
  })

  it('an append whose counterparty never answers returns at the cosign deadline, appended, with the party pending', async () => {
    await startService(1000)
    const started = Date.now()
    const r = await service.append(deal())
    const took = Date.now() - started
    assert.ok(took < 5_000, `append took ${took} ms`)
    assert.deepEqual([r.index, r.cosigners, r.pending], [0, [], [hanging.peerId]])
    assert.equal(log.size, 1, 'the entry is durable')
  })

  it('background appends made while a cosign request hangs share the next round: one request per round, not per append', async () => {
    await startService(1000)
    for (let i = 0; i < 5; i++) assert.deepEqual((await service.append(deal(), { background: true })).pending, [hanging.peerId])
    await peer.requested(1)
    // the first round ends at its deadline; the appends made meanwhile are asked for in one more request
    await peer.requested(2)
    assert.equal(peer.streams.length, 2, 'one cosign request per round')
    assert.equal(log.size, 5)
  })

  it('stop() during an in-flight cosign request makes the append return at once', async () => {
    await startService()
    const appending = service.append(deal())
    await peer.requested()
    const stopped = Date.now()
    await service.stop()
    const r = await appending
    const took = Date.now() - stopped
    assert.ok(took < 2_000, `append returned ${took} ms after stop()`)
    assert.deepEqual(r.pending, [hanging.peerId])
    assert.equal(log.size, 1)
  })

  it('the API backend answers an append with a hanging counterparty as appended, cosigning pending (a stable code)', async () => {
    await startService(1000)
    const backend = nodeBackend({
      identity: provider, libp2p, now: Date.now, ledger: { append: async (e) => await service.append(e), latestNote: () => service.latestNote(), log }, startedAt: Date.now,
      discovery: undefined as never, catalog: undefined as never
    })
    const started = Date.now()
    const r = await backend.appendEntry(entryToJson(deal()))
    assert.ok(Date.now() - started < 5_000)
    assert.deepEqual(r.cosigning, { status: 'pending', code: LedgerProtocolError.COSIGN_PENDING, pending: [hanging.peerId] })
    assert.equal(r.size, 1)
  })
})
