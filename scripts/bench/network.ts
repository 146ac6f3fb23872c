/**
 * `npm run bench -- network`: discovery over libp2p on 127.0.0.1, each goal against a baseline
 * measured in the same run (issue 7, point 14):
 *
 * - offer propagation through 50 nodes spread over 5 processes, beside a stock gossipsub
 *   federation (plain libp2p, no validation) of the same size and shape: p95 to reach every node,
 *   goal <= 1.2x stock. Also the same 50 Fulcrum nodes in one process, for its event-loop delay;
 * - a late joiner pulling 10,000 offers by catalog sync from three nodes that hold them (in a child
 *   process, as other machines would be), against 10,000 raw signature verifications on one core:
 *   goal <= 1.0x;
 * - a one-shot light-client search (new key, dial, noise, query, verify 20) against stock libp2p
 *   doing a dial, noise, one request round trip on a trivial protocol and 20 raw verifications:
 *   p95, goal <= 2x.
 *
 * Needs nothing built: every node runs from source here (tsx).
 */
import '../../src/polyfill.js'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { lpStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { initDataDir } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { OFFER_TOPIC } from '../../src/discovery/index.js'
import { searchOffers } from '../../src/client/index.js'
import { publicKeyFromPeerId } from '../../src/identity/index.js'
import { offerSigningBytes, recordKey, recordExpiresAt, verifyRecordBytes } from '../../src/offers/index.js'
import type { Offer, OfferFilter, VerifiedRecord } from '../../src/offers/index.js'
import { fmt, percentile, table, atMost, goalTable, load, scaled, QUICK } from './_util.js'
import type { Goal } from './_util.js'
import { rawVerifyOneCore } from './_floors.js'
import type { Triple } from './_floors.js'
import { realisticOffers } from './_data.js'
import { propagation } from './_federation.js'
import { acquireSharedPool } from '../../src/verify/threads.js'
import { offerOf } from './_legacy.js'
export { offerOf }

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const ms = (x: number): string => `${fmt(x, 1)} ms`

const PROPAGATION_NODES = scaled(50)
const PROCESSES = 5
const MESSAGES = 60
const LATE_OFFERS = scaled(10_000)

/** `n` verified realistic offers, live for a week. */
export function makeOffers (n: number): VerifiedRecord[] {
  const now = Date.now()
  return realisticOffers(n, now).map(b => verifyRecordBytes(b, now))
}

function triplesOf (records: VerifiedRecord[]): Triple[] {
  return records.map(r => ({ publicKey: publicKeyFromPeerId(r.record.body.provider), message: offerSigningBytes(r.record.body as Offer), signature: r.record.signature }))
}

/** Stores records in a running node's catalog and sync index without gossip. */
export async function preload (node: FulcrumNode, records: VerifiedRecord[]): Promise<void> {
  await node.catalog.insertMany(records)
  for (const r of records) node.discovery.index.update({ key: recordKey(r.record), seq: r.record.body.seq, expiresAt: recordExpiresAt(r.record) })
}

interface Fed { nodes: FulcrumNode[], stop: () => Promise<void> }

/** `n` nodes in this process, each bootstrapping from up to 3 random earlier ones; resolves once every mesh formed. */
export async function federation (n: number): Promise<Fed> {
  const base = await mkdtemp(join(tmpdir(), 'fulcrum-bench-'))
  const nodes: FulcrumNode[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(async x => { await x.stop() }))
    await rm(base, { recursive: true, force: true })
  }
  for (let i = 0; i < n; i++) {
    const dir = join(base, String(i))
    await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    const peers = [...new Set(Array.from({ length: Math.min(3, i) }, () => nodes[Math.floor(Math.random() * i)] as FulcrumNode))]
    const node = await createNode({ dataDir: dir, api: false, config: { bootstrap: peers.map(p => p.multiaddrs()[0] as string) } })
    await node.start()
    nodes.push(node)
  }
  const deadline = Date.now() + 30_000
  while (n > 1 && !nodes.every(x => (x.libp2p.services.pubsub as unknown as { getMeshPeers: (t: string) => string[] }).getMeshPeers(OFFER_TOPIC).length >= Math.min(2, n - 1))) {
    if (Date.now() > deadline) break
    await sleep(100)
  }
  await sleep(3000)
  return { nodes, stop }
}

/** Starts the 3-node federation holding `n` offers in a child process (scripts/bench/_late-holder.ts). */
async function holder (n: number): Promise<{ addr: string, records: VerifiedRecord[], stop: () => Promise<void> }> {
  const script = fileURLToPath(new URL('./_late-holder.ts', import.meta.url))
  const proc = spawn(process.execPath, ['--import', 'tsx', script, String(n)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise<number | null>(resolve => proc.once('exit', resolve))
  let text = ''
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => { text += d.toString('utf8'); if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n'))) })
    void exited.then(code => { reject(new Error(`late-joiner holder exited with ${String(code)}`)) })
  })
  const { addr, records } = JSON.parse(line) as { addr: string, records: string[] }
  const now = Date.now()
  return {
    addr,
    records: records.map(b => verifyRecordBytes(Buffer.from(b, 'base64'), now)),
    stop: async () => { proc.stdin.end(); await exited }
  }
}

/**
 * A 3-node federation (in its own process) holding `n` offers; a new node joins and pulls them
 * by sync. Returns the offers too (the other measurements use them).
 */
async function lateJoiner (n: number): Promise<{ goal: Goal, records: VerifiedRecord[] }> {
  const fed = await holder(n)
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-late-'))
  let late: FulcrumNode | undefined
  // The verification threads are started before the timing: run from source, each thread boots tsx
  // and compiles the verification modules (seconds on a loaded machine); the built daemon's threads
  // load plain JavaScript. The late node uses the same process-wide pool.
  // (`warm` waits until every thread is ready: a `map` before that runs in the calling thread.)
  const warm = acquireSharedPool()
  await warm.pool.warm()
  await warm.pool.map('record', fed.records.slice(0, 64).map(r => ({ bytes: r.bytes, now: Date.now() })))
  try {
    await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    late = await createNode({ dataDir: dir, api: false, config: { bootstrap: [fed.addr] } })
    const start = performance.now()
    await late.start()
    while (late.catalog.size < n) await sleep(5)
    const took = performance.now() - start
    const floor = rawVerifyOneCore(triplesOf(fed.records)) * 1000
    const goal = atMost(`late joiner pulls ${fmt(n)} offers by sync (node start to complete catalog)`, took, floor, 1.0, ms,
      `${fmt(n)} raw verifications on one core`)
    return { goal, records: fed.records }
  } finally {
    await late?.stop()
    await fed.stop()
    await warm.release()
    await rm(dir, { recursive: true, force: true })
  }
}

const STOCK_PROTOCOL = '/bench/stock-query/1.0.0'

/** The stock baseline: new libp2p node (new key), dial + noise + yamux, one request and response of 20 records, 20 raw verifications. */
async function stockClientTimes (answer: VerifiedRecord[], runs: number): Promise<{ once: () => Promise<number>, stop: () => Promise<void> }> {
  // Without a per-IP inbound rate, like the Fulcrum node for loopback (rateLimitExemptRanges): with libp2p's
  // default of 5 per second the baseline's own dials were reset, and a reset dial crashed the stock client.
  const server = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: Number.MAX_SAFE_INTEGER }
  })
  const payload = Buffer.concat(answer.map(r => Buffer.concat([Buffer.from(Uint16Array.of(r.bytes.length).buffer), r.bytes])))
  await server.handle(STOCK_PROTOCOL, (stream: Stream) => {
    void (async () => {
      const lp = lpStream(stream)
      await lp.read()
      await lp.write(payload)
      await stream.close()
    })().catch((err: Error) => { stream.abort(err) })
  })
  const target = server.getMultiaddrs()[0]
  if (target === undefined) throw new Error('stock server has no address')
  const triples = triplesOf(answer)
  void runs
  return {
    once: async () => {
      const t = performance.now()
      const client = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
      const stream = await client.dialProtocol(target, STOCK_PROTOCOL)
      const lp = lpStream(stream)
      await lp.write(new Uint8Array(120))
      const res = (await lp.read()).subarray()
      if (res.length !== payload.length) throw new Error('short answer')
      rawVerifyOneCore(triples)
      await client.stop()
      return performance.now() - t
    },
    stop: async () => { await server.stop() }
  }
}

/** One-shot light-client searches against a node holding the offers, alternating with the stock baseline. */
async function lightClient (records: VerifiedRecord[]): Promise<{ goal: Goal, rows: string[][] }> {
  const fed = await federation(1)
  const node = fed.nodes[0] as FulcrumNode
  try {
    await preload(node, records)
    const filter: OfferFilter = { type: 'compute.vm', countries: ['EU'], minSpecs: { vcpu: 4 } }
    const page = await node.catalog.query(filter, { now: Date.now(), limit: 20 })
    if (page.entries.length !== 20) throw new Error(`the filter matches ${page.entries.length} offers, not 20`)
    const answer = page.entries.map(e => ({ record: e.record, bytes: e.bytes, digest: e.digest }))
    const stock = await stockClientTimes(answer, 0)
    try {
      const ours: number[] = []
      const base: number[] = []
      const peer = node.multiaddrs()[0] as string
      for (let i = 0; i < 65; i++) {
        const t = performance.now()
        const r = await searchOffers({ peers: [peer], filter, maxResultsPerNode: 20 })
        const took = performance.now() - t
        if (r.offers.length !== 20) throw new Error(`search found ${r.offers.length} offers`)
        const s = await stock.once()
        if (i >= 5) { ours.push(took); base.push(s) }
      }
      const goal = atMost('one-shot light-client search (new key, dial, noise, query, verify 20): p95', percentile(ours, 95), percentile(base, 95), 2, ms,
        'p95 of stock libp2p: new key, dial, noise, one request round trip, 20 raw verifications')
      return {
        goal,
        rows: [
          ['`searchOffers` (as `fulcrum search` runs it)', ms(percentile(ours, 50)), ms(percentile(ours, 95))],
          ['stock libp2p baseline (trivial protocol, same 20 records)', ms(percentile(base, 50)), ms(percentile(base, 95))]
        ]
      }
    } finally {
      await stock.stop()
    }
  } finally {
    await fed.stop()
  }
}

/** The one-process run (all nodes on one event loop), in a child process: its event-loop delay. */
async function oneProcess (nodes: number, messages: number): Promise<string[]> {
  const runner = fileURLToPath(new URL('./_propagation.ts', import.meta.url))
  const out: Buffer[] = []
  const proc = spawn(process.execPath, ['--import', 'tsx', runner, String(nodes), String(messages)], { stdio: ['ignore', 'pipe', 'inherit'] })
  proc.stdout.on('data', (d: Buffer) => out.push(d))
  const code = await new Promise<number | null>(resolve => proc.once('exit', resolve))
  if (code !== 0) throw new Error(`propagation run exited with ${String(code)}`)
  return JSON.parse(Buffer.concat(out).toString('utf8')) as string[]
}

export default async function network (): Promise<string> {
  const loadBefore = load()
  const stock = await propagation('stock', PROPAGATION_NODES, PROCESSES, MESSAGES)
  const ours = await propagation('fulcrum', PROPAGATION_NODES, PROCESSES, MESSAGES)
  const prop = atMost(`offer propagation to all of ${PROPAGATION_NODES} nodes in ${PROCESSES} processes: p95`, ours.toAllP95, stock.toAllP95, 1.2, ms,
    'p95 of stock gossipsub, same size, same harness')
  const single = await oneProcess(PROPAGATION_NODES, MESSAGES)
  const late = await lateJoiner(LATE_OFFERS)
  const light = await lightClient(late.records)
  const propRow = (name: string, r: typeof ours): string[] => [name, ms(r.toAllP50), ms(r.toAllP95), ms(r.perNodeP50), String(r.lost), r.meshReady ? 'yes' : 'no (30 s)',
    ms(r.publishP50), `${fmt(r.loopP99, 0)} ms`]
  return [
    '## Network (discovery over libp2p on 127.0.0.1)',
    '',
    'Command: `npm run bench -- network`. Everything runs on 127.0.0.1 from source (tsx).',
    ...(QUICK ? [`This run used \`BENCH_QUICK=1\` (${PROPAGATION_NODES} nodes instead of 50, ${fmt(LATE_OFFERS)} offers instead of 10,000).`] : []),
    `Load average ${loadBefore} at the start, ${load()} at the end.`,
    '',
    goalTable([prop, late.goal, light.goal]),
    '',
    `Propagation: ${MESSAGES} messages published one at a time from random nodes; each node dialled up to 3 random`,
    'earlier nodes. Fulcrum nodes are full nodes (gossip with validation of every record, DHT, sync); stock nodes',
    'are plain libp2p (tcp, noise, yamux, identify, gossipsub defaults, no validator) with payloads of the same size.',
    `Late joiner: three nodes holding the ${fmt(LATE_OFFERS)} offers run in a child process (as other machines would; they share this`,
    'machine\'s cores); the joiner is a full node in this process, bootstrapping from one of them, with the verification threads started.',
    '',
    table(['federation', 'to every node p50', 'to every node p95', 'per node p50', 'lost', 'mesh formed', 'publish call p50', 'event-loop delay p99 (worst process)'], [
      propRow(`stock gossipsub, ${PROPAGATION_NODES} nodes in ${PROCESSES} processes`, stock),
      propRow(`Fulcrum, ${PROPAGATION_NODES} nodes in ${PROCESSES} processes`, ours)
    ]),
    '',
    `The same ${PROPAGATION_NODES} Fulcrum nodes in one process (one event loop and heap; not a goal, shows the stalls):`,
    '',
    table(['federation', 'to every node p50', 'to every node p95', 'per node p50', 'duplicates / message / node', 'lost', 'event-loop delay p99'], [single]),
    '',
    'Light client (fresh client per search; alternating with the stock baseline, 60 timed runs each):',
    '',
    table(['search', 'p50', 'p95'], light.rows)
  ].join('\n')
}
