/**
 * `npm run bench -- web`: the web page (`fulcrum web`) in headless Chromium (Debian's `chromium`,
 * driven by playwright-core), against a node holding 10,000 offers on 127.0.0.1.
 *
 * - Bundle size: the page's JavaScript and CSS, raw and gzip (what a browser downloads).
 * - Load to first verified results: from navigation to the offers table showing verified rows
 *   (the page's search on load: no filter, each node's cheapest 200), fresh browser context each
 *   run. Floor, same run: the node light client (the CLI's `searchOffers`, fresh light node, TCP,
 *   node:crypto) doing the same query; also shown with the portable (noble) path in Node.
 * - Verification throughput in the browser: the page's `verifyRecordBytes` (portable:
 *   @noble/ed25519) on realistic offer records, as a ratio to node:crypto (`verifyRecordBytes`
 *   in this process) on the same records in the same run.
 */
import { gzipSync } from 'node:zlib'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { buildWeb } from '../build-web.js'
import { launchBrowser } from '../../test/helpers/browser.js'
import { initDataDir } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { recordExpiresAt, recordKey, verifyRecordBytes } from '../../src/offers/index.js'
import { searchOffers } from '../../src/client/index.js'
import { startWebServer } from '../../src/web/server.js'
import { realisticOffers } from './_data.js'
import { atMost, fmt, goalTable, load, percentile, scaled, table } from './_util.js'

/** Offers the node holds (the figure). */
const OFFERS = scaled(10_000)
/** Page loads timed (after one warm-up); each in a fresh browser context (empty cache). */
const RUNS = 7
/** What the page asks each node for on load (src/web/page/session.ts). */
const PAGE_RESULTS = 200
/** Records in the verification sample, and how long each throughput run lasts. */
const SAMPLE = 500
const VERIFY_MS = 3000
/**
 * Load to first verified results may take this multiple of the node light client's time for the
 * same query: the page also downloads and parses its bundle, starts a libp2p node in the browser
 * and verifies with @noble/ed25519, about 10x slower than node:crypto (STACK.md); past 10x a
 * visitor waits for something other than those inherent costs.
 */
const GOAL_RATIO = 10

const ms = (x: number): string => `${fmt(x, 0)} ms`

async function preload (node: FulcrumNode, now: number): Promise<void> {
  const records = realisticOffers(OFFERS, now).map(b => verifyRecordBytes(b, now))
  for (let i = 0; i < records.length; i += 1000) await node.catalog.insertMany(records.slice(i, i + 1000))
  for (const r of records) node.discovery.index.update({ key: recordKey(r.record), seq: r.record.body.seq, expiresAt: recordExpiresAt(r.record) })
}

/** Page load times: to verified rows, and of that the page's own search (dial, query, verify; its status line). */
async function pageLoads (browser: Browser, url: string): Promise<{ times: number[], searches: number[], ready: number[] }> {
  const times: number[] = []
  const searches: number[] = []
  const ready: number[] = []
  for (let run = 0; run <= RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    try {
      const page = await context.newPage()
      const t0 = performance.now()
      await page.goto(url)
      await page.waitForSelector('table[data-table="offers"] tbody tr td[data-label="Verified"]', { timeout: 120_000 })
      const total = performance.now() - t0
      const status = await page.locator('[role="status"]').last().textContent() ?? ''
      const search = Number(/ in (\d+) ms/.exec(status)?.[1] ?? NaN)
      const domReady = await page.evaluate('performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd') as number
      if (run > 0) { times.push(total); searches.push(search); ready.push(domReady) }
    } finally {
      await context.close()
    }
  }
  return { times, searches, ready }
}

async function nodeSearches (peer: string, portable: boolean): Promise<number[]> {
  const times: number[] = []
  for (let run = 0; run <= RUNS; run++) {
    const t0 = performance.now()
    const r = await searchOffers({ peers: [peer], filter: {}, maxResultsPerNode: PAGE_RESULTS, portable })
    if (r.offers.length === 0) throw new Error('the node light client found nothing')
    if (run > 0) times.push(performance.now() - t0)
  }
  return times
}

async function bundleSizes (dir: string): Promise<string[][]> {
  const rows: string[][] = []
  for (const f of ['app.js', 'app.css']) {
    const bytes = await readFile(join(dir, f))
    rows.push([f, `${fmt(bytes.length / 1024, 1)} KiB`, `${fmt(gzipSync(bytes).length / 1024, 1)} KiB`])
  }
  return rows
}

async function verifyThroughput (browser: Browser, dir: string, now: number): Promise<{ browser: number, nodeCrypto: number, nodeNoble: number }> {
  await buildWeb(join(dir, 'verify'), { entry: fileURLToPath(new URL('./_web-verify.ts', import.meta.url)), format: 'iife' })
  const script = await readFile(join(dir, 'verify', 'app.js'), 'utf8')
  const sample = realisticOffers(SAMPLE, now, 50)
  const rate = (portable: boolean): number => {
    let n = 0
    const start = performance.now()
    while (performance.now() - start < VERIFY_MS) { verifyRecordBytes(sample[n % sample.length] as Uint8Array, now, { portable }); n++ }
    return n / ((performance.now() - start) / 1000)
  }
  const nodeCrypto = rate(false)
  const page = await browser.newPage()
  try {
    await page.addScriptTag({ content: script })
    const inBrowser = await page.evaluate(`fulcrumBenchVerify(${JSON.stringify(sample.map(b => [...b]))}, ${now}, ${VERIFY_MS})`) as number
    return { browser: inBrowser, nodeCrypto, nodeNoble: rate(true) }
  } finally {
    await page.close()
  }
}

export default async function web (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-web-'))
  const loadBefore = load()
  let node: FulcrumNode | undefined
  let server: Awaited<ReturnType<typeof startWebServer>> | undefined
  let browser: Browser | undefined
  try {
    const assets = join(dir, 'web')
    const meta = await buildWeb(assets)
    const inputs = Object.keys(meta.inputs).length
    const sizes = await bundleSizes(assets)
    await initDataDir(join(dir, 'node'))
    node = await createNode({ dataDir: join(dir, 'node'), api: false, config: { renewOwnOffers: false } })
    await node.start()
    const now = Date.now()
    await preload(node, now)
    const ws = node.multiaddrs().find(a => a.includes('/ws/')) ?? ''
    const tcp = node.multiaddrs().find(a => !a.includes('/ws/')) ?? ''
    server = await startWebServer({ port: 0, peers: [ws], allowedDialRanges: ['127.0.0.0/8'], assetsDir: assets })
    browser = await launchBrowser()
    const loads = await pageLoads(browser, server.url)
    const pageTimes = loads.times
    const floorTimes = await nodeSearches(tcp, false)
    const nobleTimes = await nodeSearches(tcp, true)
    const verify = await verifyThroughput(browser, dir, now)
    const p50 = (xs: number[]): number => percentile(xs, 50)
    const goal = atMost('page load to first verified results, p50', p50(pageTimes), p50(floorTimes), GOAL_RATIO, ms,
      'node light client, same query, node:crypto')
    return [
      '## Web page (browser light client)',
      '',
      `Command: \`npm run bench -- web\`. One node (createNode, in this process) holding ${fmt(OFFERS)} realistic offers on 127.0.0.1,`,
      `the page served by the \`fulcrum web\` server, headless Debian Chromium (playwright-core). Load average before: ${loadBefore};`,
      `after: ${load()}. Page loads: ${RUNS} timed after a warm-up, each in a fresh browser context (empty cache); the page's`,
      `search on load asks for each node's cheapest ${PAGE_RESULTS} offers (no filter) and verifies each in the browser.`,
      '',
      goalTable([goal]),
      '',
      table(['load to first verified results', 'p50', 'max'], [
        ['page in Chromium (navigation to verified rows in the table)', ms(p50(pageTimes)), ms(Math.max(...pageTimes))],
        ['of which: document and bundle loaded (DOMContentLoaded)', ms(p50(loads.ready)), ms(Math.max(...loads.ready))],
        ['of which: the page\'s search (light node, dial, query, verify; its status line)', ms(p50(loads.searches)), ms(Math.max(...loads.searches))],
        ['node light client, node:crypto (the CLI\'s path; the floor)', ms(p50(floorTimes)), ms(Math.max(...floorTimes))],
        ['node light client, @noble/ed25519 (the page\'s crypto, in Node)', ms(p50(nobleTimes)), ms(Math.max(...nobleTimes))]
      ]),
      '',
      table(['verification of realistic offer records (decode, validate, ed25519)', 'records per second', 'vs node:crypto'], [
        ['node:crypto, in Node (`verifyRecordBytes`)', fmt(verify.nodeCrypto), '1.00x'],
        ['@noble/ed25519 in Chromium (the page\'s `verifyRecordBytes`, portable)', fmt(verify.browser), `${(verify.browser / verify.nodeCrypto).toFixed(3)}x`],
        ['@noble/ed25519 in Node (same code, for reference)', fmt(verify.nodeNoble), `${(verify.nodeNoble / verify.nodeCrypto).toFixed(3)}x`]
      ]),
      '',
      table(['bundle (minified, esbuild)', 'raw', 'gzip'], sizes),
      '',
      `The bundle holds ${inputs} input modules: Preact, libp2p (WebSockets, noise, yamux, and the DHT client the light node can`,
      'start), the offer codec and validation, @noble/ed25519 and @noble/hashes.',
      '',
      'Where the page\'s time goes (a Chrome CPU profile of one load, 2026-12-02, load average about 12): parsing and running',
      'the bundle about 1 s before the search starts; @noble verification of the 200 records about 0.5 s; the main thread',
      'idle for most of the rest, apparently between the query\'s two pages (the next page is asked only after the previous one',
      'is verified; why the wait for it is that long is not known yet). Leads: ask for the next page while verifying (shared with',
      'the CLI\'s search), verify in a Web Worker, and leave the DHT client and kad-dht out of the page\'s bundle.'
    ].join('\n')
  } finally {
    await browser?.close()
    await server?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
