/**
 * Network: offer propagation through 20- and 50-node loopback federations (time to reach every
 * node, duplicates per message), late-joiner convergence with 10,000 offers, light-client query
 * latency over 10,000 offers including client-side verification, and daemon RSS idle and with
 * 10,000 offers (a real `fulcrum start` process; needs `npm run build`).
 *
 * Everything runs on 127.0.0.1 in this process, except the daemon. Goals (issue 3): p95 to reach
 * all 50 nodes <= 250 ms; late joiner <= 3 s; light-client query p95 <= 25 ms; RSS <= 120 / 200 MiB.
 */
import '../../src/polyfill.js'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { initDataDir, loadApiToken } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { OFFER_TOPIC, queryPeer } from '../../src/discovery/index.js'
import { createLightLibp2pNode } from '../../src/network/index.js'
import { searchOffers } from '../../src/client/index.js'
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { signOffer, verifyRecord, recordKey, recordExpiresAt } from '../../src/offers/index.js'
import type { OfferFilter, VerifiedRecord } from '../../src/offers/index.js'
import { fmt, percentile, table } from './_util.js'
import { offerOf } from './_legacy.js'
export { offerOf }

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** `n` verified offers from 200 providers, live for a day. */
export function makeOffers (n: number): VerifiedRecord[] {
  const now = Date.now()
  const providers = Array.from({ length: 200 }, () => createIdentity())
  return Array.from({ length: n }, (_, i) => {
    const p = providers[i % providers.length] as Identity
    return verifyRecord(signOffer(offerOf(p, i, now), p), now)
  })
}

/** Stores records in a running node's catalog and sync index without gossip. */
async function preload (node: FulcrumNode, records: VerifiedRecord[]): Promise<void> {
  await node.catalog.insertMany(records)
  for (const r of records) node.discovery.index.update({ key: recordKey(r.record), seq: r.record.body.seq, expiresAt: recordExpiresAt(r.record) })
}

interface Fed { nodes: FulcrumNode[], stop: () => Promise<void> }

/** `n` nodes, each bootstrapping from up to 3 random earlier ones; resolves once every mesh formed. */
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
  while (!nodes.every(x => (x.libp2p.services.pubsub as unknown as { getMeshPeers: (t: string) => string[] }).getMeshPeers(OFFER_TOPIC).length >= 2)) {
    if (Date.now() > deadline) break
    await sleep(100)
  }
  // Let start-up work settle (DHT self-queries and routing-table refreshes, identify, first syncs).
  await sleep(5000)
  return { nodes, stop }
}

/** A 3-node federation holding `count` offers; a new node joins and pulls them by sync. */
async function lateJoiner (records: VerifiedRecord[]): Promise<string[][]> {
  const fed = await federation(3)
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-late-'))
  let late: FulcrumNode | undefined
  try {
    for (const node of fed.nodes) await preload(node, records)
    await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    late = await createNode({ dataDir: dir, api: false, config: { bootstrap: [fed.nodes[0]?.multiaddrs()[0] as string] } })
    const start = performance.now()
    await late.start()
    while (late.catalog.size < records.length) await sleep(5)
    const ms = performance.now() - start
    return [[`late joiner pulls ${fmt(records.length)} offers by sync (node start to complete catalog)`, `${fmt(ms, 0)} ms`, '<= 3,000 ms']]
  } finally {
    await late?.stop()
    await fed.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Light-client queries against one node holding the offers. */
export async function lightClient (records: VerifiedRecord[]): Promise<string[][]> {
  const fed = await federation(2)
  const light = await createLightLibp2pNode()
  try {
    await preload(fed.nodes[0] as FulcrumNode, records)
    const target = (fed.nodes[0] as FulcrumNode).libp2p.getMultiaddrs()
    const filter: OfferFilter = { type: 'compute.vm', countries: ['IT', 'FR'], currency: 'EUR', maxPrice: { amount: '0.05', unit: 'hour' }, minSpecs: { vcpu: 16 } }
    const broad: OfferFilter = { type: 'compute.vm', countries: ['IT', 'FR', 'DE', 'ES'] }
    const cases: Array<[string, OfferFilter, number, string]> = [
      ['first page: 20 cheapest compute.vm in IT or FR, 16+ vCPU, under 0.05 EUR/h', filter, 20, 'p95 <= 25 ms'],
      ['every match of that filter', filter, 10_000, ''],
      ['every compute.vm in IT, FR, DE or ES', broad, 10_000, '']
    ]
    const rows: string[][] = []
    for (const [name, f, maxResults, goal] of cases) {
      const warm: number[] = []
      let size = 0
      for (let i = 0; i < 60; i++) {
        const t = performance.now()
        size = (await queryPeer(light, target, f, { maxResults })).records.length
        if (i >= 10) warm.push(performance.now() - t)
      }
      const cold: number[] = []
      for (let i = 0; i < 20; i++) {
        const t = performance.now()
        await searchOffers({ peers: [target[0]?.toString() as string], filter: f, maxResultsPerNode: maxResults })
        cold.push(performance.now() - t)
      }
      rows.push([`${name} (${size} offers verified)`, `p50 ${fmt(percentile(warm, 50), 1)} ms, p95 ${fmt(percentile(warm, 95), 1)} ms`,
        `p50 ${fmt(percentile(cold, 50), 1)} ms, p95 ${fmt(percentile(cold, 95), 1)} ms`, goal])
    }
    return rows
  } finally {
    await light.stop()
    await fed.stop()
  }
}

async function rssOf (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024
}

/** RSS of a real daemon, idle and after it synced `records` from a peer. */
async function daemonRss (records: VerifiedRecord[]): Promise<string[][]> {
  const bin = fileURLToPath(new URL('../../bin/fulcrum.js', import.meta.url))
  await stat(fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url)))
  const fed = await federation(1)
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-daemon-'))
  await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
  const proc = spawn(process.execPath, [bin, 'start', '--data-dir', dir, '--bootstrap', fed.nodes[0]?.multiaddrs()[0] as string], { stdio: 'ignore' })
  try {
    const health = async (): Promise<{ catalog: number }> => {
      const { url } = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as { url: string }
      const res = await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${await loadApiToken(dir)}` } })
      return await res.json() as { catalog: number }
    }
    for (let i = 0; i < 100; i++) { try { await health(); break } catch { await sleep(100) } }
    await sleep(3000)
    const idle = await rssOf(proc.pid as number)
    await preload(fed.nodes[0] as FulcrumNode, records)
    // Reconnecting triggers a sync; the daemon also syncs with a random peer every 30 s.
    await (fed.nodes[0] as FulcrumNode).libp2p.hangUp((fed.nodes[0] as FulcrumNode).libp2p.getConnections()[0]?.remotePeer as never)
    const deadline = Date.now() + 60_000
    while ((await health()).catalog < records.length && Date.now() < deadline) await sleep(200)
    await sleep(3000)
    const loaded = await rssOf(proc.pid as number)
    return [
      ['daemon RSS, idle (1 peer)', `${fmt(idle, 0)} MiB`, '<= 120 MiB'],
      [`daemon RSS, holding ${fmt((await health()).catalog)} offers`, `${fmt(loaded, 0)} MiB`, '<= 200 MiB']
    ]
  } finally {
    proc.kill('SIGTERM')
    await new Promise(resolve => proc.once('exit', resolve))
    await fed.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Runs the propagation measurement in a child process (its own heap), with extra node flags. */
async function propagationInChild (nodes: number, messages: number, nodeFlags: string[]): Promise<string[]> {
  const runner = fileURLToPath(new URL('./_propagation.ts', import.meta.url))
  const out: Buffer[] = []
  const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', runner, String(nodes), String(messages)], { stdio: ['ignore', 'pipe', 'inherit'] })
  proc.stdout.on('data', (d: Buffer) => out.push(d))
  const code = await new Promise<number | null>(resolve => proc.once('exit', resolve))
  if (code !== 0) throw new Error(`propagation run exited with ${String(code)}`)
  return [...JSON.parse(Buffer.concat(out).toString('utf8')) as string[], nodeFlags.length === 0 ? 'defaults' : nodeFlags.join(' ')]
}

export default async function network (): Promise<string> {
  const propagationRows: string[][] = []
  for (const flags of [[], ['--max-semi-space-size=32']]) {
    for (const n of [20, 50]) propagationRows.push(await propagationInChild(n, 60, flags))
  }
  const records = makeOffers(10_000)
  const late = await lateJoiner(records)
  const light = await lightClient(records)
  const rss = await daemonRss(records)
  return [
    '## Network (discovery over libp2p on 127.0.0.1)',
    '',
    'Federations of nodes in one process on 127.0.0.1 (each node bootstraps from up to 3 random earlier nodes),',
    'gossipsub with the loopback IP-colocation whitelist; every record is verified in the topic validator.',
    '60 offers published one at a time from random nodes. "to every node" is the time until the last node',
    'accepted it; duplicates are receptions beyond the first per node and message.',
    '',
    table(['federation', 'to every node p50', 'to every node p95', 'per node p50', 'duplicates / message / node', 'lost', 'event-loop delay p99', 'V8 flags'], propagationRows),
    '',
    'All nodes share one event loop and one heap here, so every garbage collection and every node\'s background',
    'work (DHT refreshes, 50 gossipsub heartbeats) stalls all of them at once: the event-loop delay column shows',
    'how much. A larger young generation (`--max-semi-space-size=32`) makes scavenges rarer, which is closer to',
    '50 separate processes with their own heaps; tails still vary from run to run on this shared machine.',
    '',
    'Late joiner (a 3-node federation holds 10,000 offers; a new node bootstraps from one of them) and a real',
    'daemon process (`fulcrum start`, RSS from /proc) that pulls the 10,000 offers from a peer by catalog sync:',
    '',
    table(['measure', 'result', 'goal'], [...late, ...rss]),
    '',
    'Light client over the catalog query protocol against a node holding 10,000 offers from 200 providers; the',
    'client verifies every record (signature, expiry, filter). "open connection" reuses one light libp2p node;',
    '"fresh client" is `searchOffers` as `fulcrum search` runs it (new key, dial, noise, query, verify, close).',
    '',
    table(['query', 'open connection', 'fresh client', 'goal'], light),
    '',
    'Reproduce: `npm run build && npm run bench -- network`.'
  ].join('\n')
}
