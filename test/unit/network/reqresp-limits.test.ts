import { strict as assert } from 'node:assert'
import type { Stream } from '@libp2p/interface'
import { createIdentity } from '../../../src/identity/index.js'
import { createLibp2pNode, serveProtocol, request, NetworkError } from '../../../src/network/index.js'
import type { FulcrumLibp2p } from '../../../src/network/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { silentLogger } from '../../../src/logging/index.js'
import type { Telemetry } from '../../../src/metrics/index.js'

const PROTO = '/fulcrum/test-limits/1.0.0'

/** Resolves when `stream` closes (reset or ended), with the time it took. */
async function closed (stream: Stream): Promise<number> {
  const started = Date.now()
  if (stream.status !== 'open') return 0
  await new Promise<void>(resolve => { stream.addEventListener('close', () => { resolve() }, { once: true }) })
  return Date.now() - started
}

/** Telemetry that keeps what it is told. */
function recorder (): { telemetry: Telemetry, refusals: string[], requests: Array<{ protocol: string, ok: boolean }> } {
  const refusals: string[] = []
  const requests: Array<{ protocol: string, ok: boolean }> = []
  return {
    refusals,
    requests,
    telemetry: { gossipVerdict: () => {}, orderState: () => {}, refused: (bound, reason) => { refusals.push(`${bound}:${reason}`) }, protocolRequest: (protocol, _s, ok) => { requests.push({ protocol, ok }) } }
  }
}

const refused = (e: unknown): boolean => isFulcrumError(e, NetworkError.STREAM_CLOSED) || isFulcrumError(e, NetworkError.DIAL_FAILED)

describe('network: request/response limits', function () {
  let server: FulcrumLibp2p
  let a: FulcrumLibp2p
  let b: FulcrumLibp2p
  let unserve: (() => Promise<void>) | undefined
  before(async () => {
    const make = async (): Promise<FulcrumLibp2p> => await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
    ;[server, a, b] = [await make(), await make(), await make()]
  })
  after(async () => { await Promise.all([server, a, b].map(async n => { await n?.stop() })) })
  afterEach(async () => { await unserve?.(); unserve = undefined })

  /** A handler whose requests wait until `open()` (the number of waiting requests is `waiting`). */
  function gated (): { handler: (req: Uint8Array) => Promise<Uint8Array>, open: () => void, arrived: (n: number) => Promise<void> } {
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    let count = 0
    const waiters: Array<{ n: number, resolve: () => void }> = []
    return {
      handler: async (req) => {
        count++
        for (const w of waiters.filter(w => w.n <= count)) w.resolve()
        if (req[0] === 0) await gate
        return req
      },
      open: () => { release() },
      arrived: async (n) => { if (count < n) await new Promise<void>(resolve => waiters.push({ n, resolve })) }
    }
  }

  it('refuses a peer more sessions than maxSessionsPerPeer (told to telemetry), and still serves another peer', async () => {
    const g = gated()
    const t = recorder()
    unserve = await serveProtocol(server, PROTO, g.handler, { maxSessionsPerPeer: 2, maxConcurrentSessions: 10 }, silentLogger, t.telemetry)
    const held = [request(a, server.getMultiaddrs(), PROTO, Uint8Array.from([0])), request(a, server.getMultiaddrs(), PROTO, Uint8Array.from([0]))]
    await g.arrived(2)
    await assert.rejects(request(a, server.getMultiaddrs(), PROTO, Uint8Array.from([1])), refused)
    assert.deepEqual(await request(b, server.getMultiaddrs(), PROTO, Uint8Array.from([2])), Uint8Array.from([2]))
    g.open()
    for (const r of await Promise.all(held)) assert.deepEqual(r, Uint8Array.from([0]))
    assert.deepEqual(t.refusals, ['sessions:busy'])
    assert.deepEqual(t.requests.filter(r => r.ok).length, 3)
    assert.ok(t.requests.every(r => r.protocol === PROTO))
  })

  it('resets a stream that sends no request within firstRequestTimeoutMs, freeing its slot', async () => {
    unserve = await serveProtocol(server, PROTO, async (req) => req, { maxConcurrentSessions: 1, firstRequestTimeoutMs: 300, messageTimeoutMs: 10_000 })
    const silent = await a.dialProtocol(server.getMultiaddrs(), PROTO)
    const took = await closed(silent)
    assert.ok(took < 5_000, `silent stream closed after ${took} ms`)
    assert.deepEqual(await request(b, server.getMultiaddrs(), PROTO, Uint8Array.from([3])), Uint8Array.from([3]))
  })

  it('ends a session when its handler overruns the signal, even if the handler ignores it', async () => {
    let calls = 0
    // The first call never settles and ignores its signal; the second answers.
    unserve = await serveProtocol(server, PROTO, async (req) => { if (calls++ === 0) await new Promise(() => {}); return req },
      { maxConcurrentSessions: 1, messageTimeoutMs: 300 })
    const started = Date.now()
    await assert.rejects(request(a, server.getMultiaddrs(), PROTO, Uint8Array.from([1]), { limits: { messageTimeoutMs: 15_000 } }), refused)
    assert.ok(Date.now() - started < 5_000, 'the server ended the session, not the client timeout')
    assert.deepEqual(await request(b, server.getMultiaddrs(), PROTO, Uint8Array.from([4])), Uint8Array.from([4]))
  })

  it('when every slot is taken, a new peer evicts a session of the peer holding the most (told to telemetry)', async () => {
    const g = gated()
    const t = recorder()
    unserve = await serveProtocol(server, PROTO, g.handler, { maxSessionsPerPeer: 2, maxConcurrentSessions: 2 }, silentLogger, t.telemetry)
    const held = [request(a, server.getMultiaddrs(), PROTO, Uint8Array.from([0])), request(a, server.getMultiaddrs(), PROTO, Uint8Array.from([0]))]
    const outcomes = Promise.allSettled(held)
    await g.arrived(2)
    assert.deepEqual(await request(b, server.getMultiaddrs(), PROTO, Uint8Array.from([5])), Uint8Array.from([5]))
    g.open()
    const [x, y] = await outcomes
    assert.equal([x, y].filter(o => o?.status === 'rejected').length, 1, 'exactly one of the two sessions was evicted')
    assert.deepEqual(t.refusals, ['sessions:evicted'])
  })

  it('ends the sessions in flight when the protocol stops being served', async () => {
    const g = gated()
    const stop = await serveProtocol(server, PROTO, g.handler)
    const held = request(a, server.getMultiaddrs(), PROTO, Uint8Array.from([0]), { limits: { messageTimeoutMs: 15_000 } })
    await g.arrived(1)
    const started = Date.now()
    await stop()
    await assert.rejects(held, refused)
    assert.ok(Date.now() - started < 5_000)
  })
})
