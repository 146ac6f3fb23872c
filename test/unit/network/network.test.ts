import { strict as assert } from 'node:assert'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createIdentity } from '../../../src/identity/index.js'
import {
  createLibp2pNode, serveProtocol, request, openSession, parseListenAddrs, parseRanges, rangeConnectionGater, NetworkError, DHT_PROTOCOL
} from '../../../src/network/index.js'
import type { FulcrumLibp2p } from '../../../src/network/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

const PROTO = '/fulcrum/test-echo/1.0.0'

async function rejectsWith (p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isFulcrumError(err, code) || assert.fail(`expected ${code}, got ${String((err as { code?: string }).code)}: ${String(err)}`))
}

describe('network', () => {
  describe('connection gater', () => {
    it('allows the configured ranges and refuses every other address', () => {
      // Only asks the gater: nothing is dialled. (198.51.100.0/24 is TEST-NET-2, RFC 5737.)
      const gater = rangeConnectionGater(parseRanges(['127.0.0.0/8']))
      assert.equal(gater.denyDialMultiaddr?.(multiaddr('/ip4/127.0.0.1/tcp/1')), false)
      assert.equal(gater.denyDialMultiaddr?.(multiaddr('/ip4/127.9.9.9/tcp/1')), false)
      assert.equal(gater.denyDialMultiaddr?.(multiaddr('/ip4/198.51.100.7/tcp/1')), true)
      const narrow = rangeConnectionGater(parseRanges(['127.0.0.1/32']))
      assert.equal(narrow.denyDialMultiaddr?.(multiaddr('/ip4/127.0.0.2/tcp/1')), true)
      assert.equal(gater.denyDialMultiaddr?.(multiaddr('/ip6/::1/tcp/1')), true)
      assert.equal(gater.denyDialMultiaddr?.(multiaddr('/dns4/example.com/tcp/1')), true)
    })

    it('rejects a malformed range with NET_BAD_ADDRESS', () => {
      assert.throws(() => parseRanges(['127.0.0.0/33']), (e: unknown) => isFulcrumError(e, NetworkError.BAD_ADDRESS))
      assert.throws(() => parseRanges(['nope']), (e: unknown) => isFulcrumError(e, NetworkError.BAD_ADDRESS))
    })
  })

  describe('listen addresses', () => {
    it('accepts TCP addresses over IPv4 and IPv6 only, refusing others with NET_BAD_ADDRESS', () => {
      assert.equal(parseListenAddrs(['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/4001']).length, 2)
      for (const bad of ['127.0.0.1:4001', '', '/ip4/127.0.0.1/udp/4001', '/ip4/127.0.0.1', '/dns4/localhost/tcp/4001', '/ip4/127.0.0.1/tcp/4001/ws']) {
        assert.throws(() => parseListenAddrs([bad]), (e: unknown) => isFulcrumError(e, NetworkError.BAD_ADDRESS), bad)
      }
    })

    it('a port in use fails start with NET_LISTEN_FAILED (cause EADDRINUSE), and a later start works', async () => {
      const a = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
      const addr = (a.getMultiaddrs()[0] as Multiaddr).decapsulateCode(421).toString()
      try {
        const b = await createLibp2pNode({ seed: createIdentity().seed, listen: [addr], start: false })
        await assert.rejects(async () => { await b.start() }, (err: Error) => isFulcrumError(err, NetworkError.LISTEN_FAILED) && (err.cause as { code?: string }).code === 'EADDRINUSE')
        assert.equal(b.status, 'stopped')
        await a.stop()
        await b.start()
        assert.equal(b.getMultiaddrs().length, 1)
        await b.stop()
      } finally {
        await a.stop()
      }
      await rejectsWith(createLibp2pNode({ seed: createIdentity().seed, listen: ['localhost:4001'] }), NetworkError.BAD_ADDRESS)
    })
  })

  describe('libp2p logging', () => {
    // libp2p makes a debug logger per connection and per stream (a tty check and name matching each):
    // unless DEBUG is set, a node hands it loggers that do nothing (src/network/libp2p-log.ts).
    async function isSilent (debug: string | undefined): Promise<boolean> {
      const saved = process.env.DEBUG
      if (debug === undefined) delete process.env.DEBUG
      else process.env.DEBUG = debug
      try {
        const node = await createLibp2pNode({ seed: createIdentity().seed, listen: [], start: false })
        const log = node.logger.forComponent('libp2p:connection')
        return log.enabled === false && log.newScope('incoming') === log
      } finally {
        if (saved === undefined) delete process.env.DEBUG
        else process.env.DEBUG = saved
      }
    }

    it('gives libp2p loggers that do nothing unless DEBUG is set', async () => {
      assert.equal(await isSilent(undefined), true)
      assert.equal(await isSilent('  '), true)
    })

    it("keeps libp2p's own loggers when DEBUG names what to log", async () => {
      assert.equal(await isSilent('libp2p:*'), false)
    })
  })

  describe('request/response', function () {
    let a: FulcrumLibp2p
    let b: FulcrumLibp2p
    before(async () => {
      a = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
      b = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
    })
    after(async () => { await Promise.all([a?.stop(), b?.stop()]) })
    afterEach(async () => { await b.unhandle(PROTO).catch(() => {}) })

    it('derives the libp2p peer id from the identity seed and speaks the private DHT protocol', async () => {
      const id = createIdentity()
      const n = await createLibp2pNode({ seed: id.seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
      try {
        assert.equal(n.peerId.toString(), id.peerId)
        assert.ok(n.getProtocols().includes(DHT_PROTOCOL))
        assert.ok(!n.getProtocols().includes('/ipfs/kad/1.0.0'))
      } finally { await n.stop() }
    })

    it('answers several requests on one session', async () => {
      await serveProtocol(b, PROTO, async (req, ctx) => Uint8Array.from([...req, ctx.index]))
      const s = await openSession(a, b.getMultiaddrs(), PROTO)
      assert.deepEqual(await s.request(Uint8Array.from([7])), Uint8Array.from([7, 0]))
      assert.deepEqual(await s.request(Uint8Array.from([8])), Uint8Array.from([8, 1]))
      await s.close()
    })

    it('refuses a response larger than the cap with NET_MESSAGE_TOO_LARGE', async () => {
      await serveProtocol(b, PROTO, async () => new Uint8Array(2000))
      await rejectsWith(request(a, b.getMultiaddrs(), PROTO, Uint8Array.from([1]), { limits: { maxMessageBytes: 1000 } }), NetworkError.MESSAGE_TOO_LARGE)
    })

    it('cuts off a request larger than the server cap without answering', async () => {
      let called = false
      await serveProtocol(b, PROTO, async () => { called = true; return new Uint8Array(1) }, { maxMessageBytes: 100 })
      await assert.rejects(request(a, b.getMultiaddrs(), PROTO, new Uint8Array(500)),
        (e: unknown) => isFulcrumError(e, NetworkError.STREAM_CLOSED) || isFulcrumError(e, NetworkError.TIMEOUT))
      assert.equal(called, false)
    })

    it('times out a peer that never answers with NET_TIMEOUT', async () => {
      await serveProtocol(b, PROTO, async (_req, ctx) => await new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => { reject(new Error('aborted')) })
      }))
      // The default (10 s) would also end in NET_TIMEOUT: only ending well before it shows the limit given was used.
      const started = Date.now()
      await rejectsWith(request(a, b.getMultiaddrs(), PROTO, Uint8Array.from([1]), { limits: { messageTimeoutMs: 300 } }), NetworkError.TIMEOUT)
      assert.ok(Date.now() - started < 8000)
    })

    it('honours the caller AbortSignal with NET_ABORTED', async () => {
      // The handler never answers; the caller aborts once the request has reached it.
      const ctrl = new AbortController()
      await serveProtocol(b, PROTO, async (_req, ctx) => await new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => { reject(new Error('aborted')) })
        ctrl.abort()
      }))
      await rejectsWith(request(a, b.getMultiaddrs(), PROTO, Uint8Array.from([1]), { signal: ctrl.signal }), NetworkError.ABORTED)
    })

    it('refuses sessions beyond the concurrency cap', async () => {
      let release!: () => void
      const gate = new Promise<void>(resolve => { release = resolve })
      let entered!: () => void
      const inHandler = new Promise<void>(resolve => { entered = resolve })
      await serveProtocol(b, PROTO, async () => { entered(); await gate; return new Uint8Array(1) }, { maxConcurrentSessions: 1 })
      const first = request(a, b.getMultiaddrs(), PROTO, Uint8Array.from([1]))
      await inHandler
      await assert.rejects(request(a, b.getMultiaddrs(), PROTO, Uint8Array.from([2])),
        (e: unknown) => isFulcrumError(e, NetworkError.STREAM_CLOSED) || isFulcrumError(e, NetworkError.DIAL_FAILED))
      release()
      assert.deepEqual(await first, new Uint8Array(1))
    })

    it('fails to dial an address outside the allowed ranges with NET_DIAL_FAILED', async () => {
      // A server on 127.0.0.2 that `a` (127.0.0.0/8) reaches, but a node allowed 127.0.0.1 only must
      // not: a gater bug could only ever reach loopback.
      const c = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.2/tcp/0'] })
      const narrow = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'], allowedDialRanges: ['127.0.0.1/32'] })
      try {
        await serveProtocol(c, PROTO, async () => Uint8Array.from([7]))
        assert.deepEqual(await request(a, c.getMultiaddrs(), PROTO, Uint8Array.from([1])), Uint8Array.from([7]))
        await rejectsWith(request(narrow, c.getMultiaddrs(), PROTO, Uint8Array.from([1]), { limits: { messageTimeoutMs: 2000 } }), NetworkError.DIAL_FAILED)
      } finally {
        await narrow.stop()
        await c.stop()
      }
    })

    it('refuses inbound connections from outside allowedInboundRanges, and accepts them from inside', async () => {
      // Loopback connections come from 127.0.0.1: one server admits only 127.0.0.2, the other 127.0.0.1.
      const closed = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'], allowedInboundRanges: ['127.0.0.2/32'] })
      const open = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'], allowedInboundRanges: ['127.0.0.1/32'] })
      try {
        for (const n of [closed, open]) await serveProtocol(n, PROTO, async () => Uint8Array.from([9]))
        assert.deepEqual(await request(a, open.getMultiaddrs(), PROTO, Uint8Array.from([1])), Uint8Array.from([9]))
        await assert.rejects(request(a, closed.getMultiaddrs(), PROTO, Uint8Array.from([1]), { limits: { messageTimeoutMs: 2000 } }),
          (e: unknown) => isFulcrumError(e, NetworkError.DIAL_FAILED) || isFulcrumError(e, NetworkError.STREAM_CLOSED))
      } finally {
        await closed.stop()
        await open.stop()
      }
    })
  })
})

describe('network: bootstrap', () => {
  const BOOT = ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWEkekwV7NF5igeexY8k7JVMcxXRQJyrqwZyo22mQHKdAL']
  const FAST = { firstRetryMs: 1, maxRetryMs: 4 }

  /** Fails unless `p` settles within `ms` (a bound on a failure, not a wait before asserting). */
  async function within<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(what)) }, ms) })])
    } finally { clearTimeout(timer) }
  }

  it('retries a failed bootstrap dial with backoff until it succeeds', async () => {
    const { Bootstrapper } = await import('../../../src/network/index.js')
    let attempts = 0
    const b = new Bootstrapper({
      dial: async () => { attempts++; if (attempts < 3) throw new Error('refused') },
      getConnections: () => []
    }, BOOT, undefined, FAST)
    b.start()
    await within(b.settled(), 5000, 'bootstrap never connected')
    assert.equal(attempts, 3)
    b.stop()
  })

  it('stops retrying when stopped: no dial after stop, and the retry loop ends', async () => {
    const { Bootstrapper } = await import('../../../src/network/index.js')
    let attempts = 0
    // Every dial fails; the second one stops the bootstrapper before failing, so a retry is pending
    // exactly when stop() runs. Without the abort the loop would go on forever (settled never resolves).
    const b = new Bootstrapper({
      dial: async () => {
        attempts++
        if (attempts === 2) b.stop()
        throw new Error('refused')
      },
      getConnections: () => []
    }, BOOT, undefined, FAST)
    b.start()
    await within(b.settled(), 5000, 'still retrying after stop()')
    assert.equal(attempts, 2)
  })

  it('stop aborts a bootstrap dial in flight', async () => {
    const { Bootstrapper } = await import('../../../src/network/index.js')
    let dialing!: () => void
    const started = new Promise<void>(resolve => { dialing = resolve })
    let aborted = false
    const b = new Bootstrapper({
      dial: async (_ma, options) => await new Promise((_resolve, reject) => {
        dialing()
        options?.signal?.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')) })
      }),
      getConnections: () => []
    }, BOOT, undefined, { ...FAST, dialTimeoutMs: 60_000 })
    b.start()
    await started
    b.stop()
    await within(b.settled(), 5000, 'dial still in flight after stop()')
    assert.equal(aborted, true)
  })

  it('refuses at start a bootstrap address with a placeholder or invalid peer id, or no peer id, with NET_BAD_ADDRESS', async () => {
    const { parseBootstrapAddrs } = await import('../../../src/network/index.js')
    const good = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWEkekwV7NF5igeexY8k7JVMcxXRQJyrqwZyo22mQHKdAL'
    assert.equal(parseBootstrapAddrs([good]).length, 1)
    for (const bad of ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...', '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWabc', '/ip4/127.0.0.1/tcp/4001',
      '/ip4/127.0.0.1/udp/4001/p2p/12D3KooWEkekwV7NF5igeexY8k7JVMcxXRQJyrqwZyo22mQHKdAL', '/p2p/12D3KooWEkekwV7NF5igeexY8k7JVMcxXRQJyrqwZyo22mQHKdAL']) {
      assert.throws(() => parseBootstrapAddrs([good, bad]), (e: unknown) => isFulcrumError(e, NetworkError.BAD_ADDRESS) && e.message.includes(bad), bad)
    }
  })

  it('rejects a malformed bootstrap address with NET_BAD_ADDRESS', async () => {
    const { Bootstrapper } = await import('../../../src/network/index.js')
    assert.throws(() => new Bootstrapper({ dial: async () => {}, getConnections: () => [] }, ['not-a-multiaddr']),
      (e: unknown) => isFulcrumError(e, NetworkError.BAD_ADDRESS))
  })
})
