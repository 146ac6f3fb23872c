import { strict as assert } from 'node:assert'
import { createIdentity } from '../../src/identity/index.js'
import { createLibp2pNode, createLightLibp2pNode, request, serveProtocol, parseListenAddrs, NetworkError } from '../../src/network/index.js'
import type { FulcrumLibp2p, Libp2pNodeInit } from '../../src/network/index.js'
import { isFulcrumError } from '../../src/errors/index.js'
import { multiaddr } from '@multiformats/multiaddr'
import { connect } from 'node:net'
import type { Multiaddr } from '@multiformats/multiaddr'

const WS = '/ip4/127.0.0.1/tcp/0/ws'
const TCP = '/ip4/127.0.0.1/tcp/0'
const PROTO = '/fulcrum/test-ws/1.0.0'

const wsAddr = (n: FulcrumLibp2p): Multiaddr => n.getMultiaddrs().find(a => a.toString().includes('/ws/')) ?? assert.fail('no /ws address')
const tcpAddr = (n: FulcrumLibp2p): Multiaddr => n.getMultiaddrs().find(a => !a.toString().includes('/ws/')) ?? assert.fail('no TCP address')

/** Dials `addr` from `n` fresh light clients at once; returns how many hold an open connection, and stops them. */
async function admitted (addr: Multiaddr, n: number): Promise<number> {
  const clients = await Promise.all(Array.from({ length: n }, async () => await createLightLibp2pNode({ seed: createIdentity().seed })))
  try {
    const results = await Promise.allSettled(clients.map(async c => await c.dial(multiaddr(addr.toString()), { signal: AbortSignal.timeout(20_000) })))
    return results.filter((r, i) => r.status === 'fulfilled' && clients[i]?.getConnections().some(c => c.status === 'open') === true).length
  } finally {
    await Promise.all(clients.map(async c => await c.stop()))
  }
}

describe('network: libp2p WebSockets (what browsers dial) under the same gater, limits and protocols as TCP', function () {
  this.timeout(120_000)
  let node: FulcrumLibp2p | undefined
  afterEach(async () => { await node?.stop(); node = undefined })

  const start = async (init: Partial<Libp2pNodeInit> = {}): Promise<FulcrumLibp2p> => {
    node = await createLibp2pNode({ seed: createIdentity().seed, listen: [TCP], webSocketListen: [WS], ...init })
    return node
  }

  it('listens on both and serves the same protocols over a WebSocket connection', async () => {
    const n = await start()
    await serveProtocol(n, PROTO, async (req) => Uint8Array.from([...req, 7]))
    const client = await createLightLibp2pNode()
    try {
      assert.deepEqual(await request(client, [wsAddr(n)], PROTO, Uint8Array.from([1])), Uint8Array.from([1, 7]))
      assert.ok(n.getConnections().some(c => c.remoteAddr.toString().includes('/ws')), 'the connection came over WebSockets')
    } finally {
      await client.stop()
    }
  })

  it('refuses WebSocket peers outside allowedInboundRanges, as it refuses TCP ones', async () => {
    const n = await start({ allowedInboundRanges: ['10.0.0.0/8'] })
    assert.equal(await admitted(wsAddr(n), 2), 0)
    assert.equal(await admitted(tcpAddr(n), 2), 0)
  })

  it('counts WebSocket connections in maxConnections together with TCP ones', async () => {
    const n = await start({ maxConnections: 6 })
    let peak = 0
    n.addEventListener('connection:open', () => { peak = Math.max(peak, n.getConnections().length) })
    const clients = await Promise.all(Array.from({ length: 15 }, async () => await createLightLibp2pNode({ seed: createIdentity().seed })))
    try {
      // Three TCP peers hold three of the six slots; then twelve WebSocket peers dial at once.
      for (const c of clients.slice(0, 3)) await c.dial(multiaddr(tcpAddr(n).toString()))
      await Promise.allSettled(clients.slice(3).map(async c => await c.dial(multiaddr(wsAddr(n).toString()), { signal: AbortSignal.timeout(20_000) })))
      const held = n.getConnections()
      assert.ok(peak <= 6, `peak of ${peak} connections with maxConnections 6`)
      assert.ok(held.length <= 6)
      assert.ok(held.filter(c => c.remoteAddr.toString().includes('/ws')).length <= 3, 'WebSocket peers got at most the slots TCP peers left')
      assert.ok(held.some(c => c.remoteAddr.toString().includes('/ws')), 'some WebSocket peer was admitted')
    } finally {
      await Promise.all(clients.map(async c => await c.stop()))
    }
  })

  it('applies the per-IP rate of new connections to WebSocket peers when loopback is not exempt', async () => {
    const n = await start({ inboundConnectionsPerIpPerSecond: 1, rateLimitExemptRanges: [] })
    const ws = await admitted(wsAddr(n), 6)
    assert.ok(ws >= 1 && ws <= 2, `${ws} of 6 WebSocket connections admitted at 1 per second`)
  })

  it('closes a socket that never speaks at the handshake deadline, and keeps an upgraded idle connection open', async () => {
    const deadlineMs = 1500
    const n = await start({ inboundUpgradeTimeoutMs: deadlineMs })
    const client = await createLightLibp2pNode()
    try {
      const conn = await client.dial(multiaddr(wsAddr(n).toString()))
      const port = Number(wsAddr(n).getComponents().find(c => c.name === 'tcp')?.value)
      const started = Date.now()
      const bound = deadlineMs * 4 + 5000
      const lived = await new Promise<number>(resolve => {
        const socket = connect({ host: '127.0.0.1', port })
        // A failure bound, not a wait: past it the socket is ours to close and the test fails.
        const timer = setTimeout(() => { socket.destroy(); resolve(Infinity) }, bound)
        socket.on('error', () => {})
        socket.once('close', () => { clearTimeout(timer); resolve(Date.now() - started) })
      })
      assert.ok(lived >= deadlineMs * 0.8, `closed after ${lived} ms, before the deadline`)
      assert.ok(lived < bound, `still open after ${bound} ms`)
      // The silent socket's deadline passed; the connection that spoke (idle since) is still open.
      assert.equal(conn.status, 'open')
    } finally {
      await client.stop()
    }
  })

  it('takes only /ip4|ip6/ADDR/tcp/PORT/ws as a WebSocket listen address (NET_BAD_ADDRESS otherwise)', () => {
    assert.equal(parseListenAddrs([WS], 'ws').length, 1)
    for (const bad of [TCP, '/ip4/127.0.0.1/tcp/0/wss', '/ip4/127.0.0.1/udp/0/ws', '/dns4/x/tcp/1/ws']) {
      assert.throws(() => parseListenAddrs([bad], 'ws'), (e: unknown) => isFulcrumError(e, NetworkError.BAD_ADDRESS), bad)
    }
    assert.throws(() => parseListenAddrs([WS]), (e: unknown) => isFulcrumError(e, NetworkError.BAD_ADDRESS), 'a /ws address is not a TCP listen address')
  })
})
