/**
 * One process of a multi-process federation (scripts/bench/network.ts): hosts some of the nodes,
 * either Fulcrum nodes (`createNode`: gossip validation, DHT, sync, everything) or stock libp2p
 * nodes (tcp + noise + yamux + identify + gossipsub with its defaults, no validator), and talks to
 * the parent over IPC: start nodes, report mesh sizes, publish, report arrivals, stop.
 * Arrival and publish times are wall-clock milliseconds (performance.timeOrigin + now), comparable
 * between processes on one machine.
 */
import '../../src/polyfill.js'
import { createHash } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import { initDataDir } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { OFFER_TOPIC } from '../../src/discovery/index.js'
import { createIdentity } from '../../src/identity/index.js'
import { encodeRecord, signOffer } from '../../src/offers/index.js'
import { realisticOffer } from './_data.js'

const STOCK_TOPIC = 'bench/stock/1'
const clock = (): number => performance.timeOrigin + performance.now()
const idOf = (data: Uint8Array): string => createHash('sha256').update(data).digest('base64').slice(0, 16)
const send = (m: unknown): void => { process.send?.(m) }

interface Hosted { addr: string, pubsub: GossipSub, connections: () => number, publish: (i: number) => Promise<{ id: string, t: number }>, stop: () => Promise<void> }

const mode = process.argv[2] as 'fulcrum' | 'stock'
const hosted: Hosted[] = []
let base = ''
const provider = createIdentity()
/** Event-loop delay of this process while messages are published (from the `measure` command on). */
const loop = monitorEventLoopDelay({ resolution: 5 })
/** Milliseconds each publish call took in this process (the local part of the path: verify, store, send). */
const publishMs: number[] = []

/** Messages of the measured topic received from peers (first deliveries and duplicates) while measuring. */
let receptions = 0
let measuring = false
/** CPU time of this process at the last `measure` or `cpu` command (process.cpuUsage). */
let cpuMark: NodeJS.CpuUsage | undefined

function cpuMsSince (start: NodeJS.CpuUsage | undefined): number {
  const used = process.cpuUsage(start)
  return start === undefined ? 0 : (used.user + used.system) / 1000
}

function listen (pubsub: GossipSub, topic: string): void {
  const counted = pubsub as unknown as { handleReceivedMessage: (from: unknown, msg: { topic: string }) => Promise<void> }
  const original = counted.handleReceivedMessage.bind(pubsub)
  counted.handleReceivedMessage = async (from, msg) => {
    if (msg.topic === topic && measuring) receptions++
    await original(from, msg)
  }
  pubsub.addEventListener('message', (evt) => {
    if (evt.detail.topic === topic) send({ arrived: idOf(evt.detail.data), t: clock() })
  })
}

async function fulcrumNode (i: number, bootstrap: string[]): Promise<Hosted> {
  const dir = join(base, String(i))
  await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
  const node: FulcrumNode = await createNode({ dataDir: dir, api: false, config: { bootstrap } })
  await node.start()
  const pubsub = node.libp2p.services.pubsub as unknown as GossipSub
  listen(pubsub, OFFER_TOPIC)
  return {
    addr: node.multiaddrs()[0] as string,
    pubsub,
    connections: () => node.libp2p.getConnections().length,
    publish: async (m) => {
      const record = signOffer(realisticOffer(provider, 0, m * 1000 + i, Date.now()), provider)
      const id = idOf(encodeRecord(record))
      const t = clock()
      await node.discovery.publish(record)
      return { id, t }
    },
    stop: async () => { await node.stop() }
  }
}

async function stockNode (i: number, bootstrap: string[]): Promise<Hosted> {
  const node: Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>, pubsub: GossipSub }> = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // Stock gossipsub; only the loopback colocation whitelist, as every node here shares 127.0.0.1.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1']) } })
    }
  }) as never
  const pubsub = node.services.pubsub
  pubsub.subscribe(STOCK_TOPIC)
  listen(pubsub, STOCK_TOPIC)
  await Promise.allSettled(bootstrap.map(async a => await node.dial(multiaddr(a))))
  return {
    addr: node.getMultiaddrs()[0]?.toString() as string,
    pubsub,
    connections: () => node.getConnections().length,
    publish: async (m) => {
      // The same size as an offer record, distinct per message.
      const data = new Uint8Array(620)
      new DataView(data.buffer).setFloat64(0, m * 1000 + i + Math.random())
      const id = idOf(data)
      const t = clock()
      await pubsub.publish(STOCK_TOPIC, data)
      return { id, t }
    },
    stop: async () => { await node.stop() }
  }
}

process.on('message', (msg: { cmd: string, first?: number, count?: number, earlier?: string[], bootstrap?: number[][], node?: number, m?: number }) => {
  void (async () => {
    if (msg.cmd === 'start') {
      base = await mkdtemp(join(tmpdir(), 'fulcrum-bench-fed-'))
      const known = [...(msg.earlier ?? [])]
      for (let k = 0; k < (msg.count ?? 0); k++) {
        const i = (msg.first ?? 0) + k
        // The parent chose each node's bootstrap peers (indices of earlier nodes), the same for both federations.
        const peers = (msg.bootstrap?.[k] ?? []).map(j => known[j] as string)
        const h = mode === 'fulcrum' ? await fulcrumNode(i, peers) : await stockNode(i, peers)
        hosted.push(h)
        known.push(h.addr)
      }
      send({ started: hosted.map(h => h.addr) })
    } else if (msg.cmd === 'mesh') {
      const topic = mode === 'fulcrum' ? OFFER_TOPIC : STOCK_TOPIC
      send({ mesh: hosted.map(h => (h.pubsub as unknown as { getMeshPeers: (t: string) => string[] }).getMeshPeers(topic).length) })
    } else if (msg.cmd === 'conns') {
      send({ conns: hosted.reduce((a, h) => a + h.connections(), 0) })
    } else if (msg.cmd === 'cpu') {
      send({ cpu: cpuMsSince(cpuMark) })
      cpuMark = process.cpuUsage()
    } else if (msg.cmd === 'measure') {
      // FED_CHILD_MARKS=1 prints the monotonic clock in microseconds (that of --cpu-prof profiles) to find the window.
      if (process.env.FED_CHILD_MARKS === '1') process.stderr.write(`mark ${process.pid} measure ${process.hrtime.bigint() / 1000n}\n`)
      measuring = true
      cpuMark = process.cpuUsage()
      loop.enable()
      send({ measuring: true })
    } else if (msg.cmd === 'publish') {
      const h = hosted[msg.node ?? 0] as Hosted
      const { id, t } = await h.publish(msg.m ?? 0)
      publishMs.push(clock() - t)
      send({ published: id, t })
    } else if (msg.cmd === 'stats') {
      if (process.env.FED_CHILD_MARKS === '1') process.stderr.write(`mark ${process.pid} stats ${process.hrtime.bigint() / 1000n}\n`)
      const sorted = [...publishMs].sort((a, b) => a - b)
      send({ stats: { loopP99: loop.count > 0 ? loop.percentile(99) / 1e6 : 0, loopMax: loop.count > 0 ? loop.max / 1e6 : 0, publishP50: sorted[Math.floor(sorted.length / 2)] ?? 0,
        receptions, connections: hosted.map(h => h.connections()), cpuMs: cpuMsSince(cpuMark) } })
    } else if (msg.cmd === 'stop') {
      await Promise.all(hosted.map(async h => { await h.stop() }))
      if (base !== '') await rm(base, { recursive: true, force: true })
      send({ stopped: true })
      process.exit(0)
    }
  })().catch((err: unknown) => { process.stderr.write(`federation child: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) })
})
send({ hello: true })
