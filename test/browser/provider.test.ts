import { strict as assert } from 'node:assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { runBin } from '../helpers/bin.js'
import { startDaemon, stopDaemon } from '../helpers/daemon.js'
import type { Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { launchBrowser, overflowsHorizontally, screenshot, startWeb } from '../helpers/browser.js'
import type { WebProcess } from '../helpers/browser.js'

const example = fileURLToPath(new URL('../../config/examples/milan-vm.json', import.meta.url))

describe('web page in Chromium: the provider view behind fulcrum web --data-dir (e2e)', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string
  let daemon: Daemon | undefined
  let web: WebProcess | undefined
  let browser: Browser | undefined
  let page: Page
  let origin: string
  let key: string
  let agreementId: string

  before(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'milan')
    assert.equal((await runBin(['init', '--data-dir', dir])).code, 0)
    daemon = await startDaemon(dir, ['--api-port', '0'])
    assert.equal((await runBin(['offer', 'publish', example, '--data-dir', dir])).code, 0)
    // A customer (a light client with no daemon) orders two of its VMs: an order and an agreement to show.
    const customer = join(tmp.path, 'customer')
    assert.equal((await runBin(['init', '--data-dir', customer])).code, 0)
    const order = join(tmp.path, 'order.json')
    await writeFile(order, JSON.stringify({ items: [{ name: 'app', type: 'compute.vm', countries: ['IT'], quantity: 2 }], term: { months: 1, noticeDays: 1 } }))
    const placed = await runBin(['order', 'place', order, '--peer', daemon.addr, '--data-dir', customer, '--json'])
    assert.equal(placed.code, 0, placed.stderr)
    agreementId = (JSON.parse(placed.stdout) as { agreementId: string }).agreementId
    web = await startWeb(['--data-dir', dir])
    const url = new URL(web.url)
    origin = url.origin
    key = url.searchParams.get('key') ?? assert.fail(`no console key in ${web.url}`)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  })
  after(async () => {
    await browser?.close()
    await web?.stop()
    if (daemon !== undefined) await stopDaemon(daemon)
    await tmp?.cleanup()
  })

  it('shows the node, its own offers, orders and ledger from the URL fulcrum web printed, and takes the key out of the address bar', async () => {
    await page.goto(`${web?.url ?? ''}#/provider`)
    await page.waitForSelector('table[data-table="own-offers"] tbody tr td[data-label="Offer"]')
    const offers = await page.$$eval('table[data-table="own-offers"] tbody tr td[data-label="Offer"]', tds => tds.map(td => td.textContent))
    assert.deepEqual(offers, ['mil-vm-4x16'])
    const id = (await runBin(['id', '--data-dir', dir, '--json'])).stdout
    assert.ok(id.includes(await page.locator('dl.facts dd code').first().textContent() ?? '?'), 'the peer id shown is the data dir\'s')
    const cells = async (table: string, label: string): Promise<string[]> =>
      await page.$$eval(`table[data-table="${table}"] tbody tr td[data-label="${label}"]`, tds => tds.map(td => td.textContent ?? ''))
    assert.deepEqual(await cells('orders', 'Order'), [agreementId])
    assert.deepEqual(await cells('orders', 'Status'), ['committed'])
    assert.deepEqual(await cells('orders', 'Reserved'), ['2 × mil-vm-4x16'])
    assert.deepEqual(await cells('agreements', 'Agreement'), [agreementId])
    assert.deepEqual(await cells('agreements', 'State'), ['active'])
    assert.ok(!page.url().includes(key), 'the key left the address bar')
    await screenshot(page, 'provider-1440')
    await page.setViewportSize({ width: 360, height: 800 })
    assert.equal(await overflowsHorizontally(page), false, 'provider view at 360 px')
    await screenshot(page, 'provider-360')
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('answers no one without the key, nothing but reads, and nothing to another site', async () => {
    const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number, code?: string }> => {
      const res = await fetch(`${origin}${path}`, { headers })
      const body = await res.json().catch(() => ({})) as { error?: { code?: string } }
      return { status: res.status, ...(body.error?.code === undefined ? {} : { code: body.error.code }) }
    }
    assert.deepEqual(await get('/api/v1/status', { 'x-fulcrum-console-key': key }).then(r => r.status), 200)
    assert.deepEqual(await get('/api/v1/status'), { status: 401, code: 'WEB_CONSOLE_UNAUTHORIZED' })
    assert.deepEqual(await get('/api/v1/status', { 'x-fulcrum-console-key': `${key.slice(0, -1)}x` }), { status: 401, code: 'WEB_CONSOLE_UNAUTHORIZED' })
    assert.deepEqual(await get('/api/v1/status', { 'x-fulcrum-console-key': key, 'sec-fetch-site': 'cross-site' }), { status: 401, code: 'WEB_CONSOLE_CROSS_SITE' })
    assert.deepEqual(await get('/api/v1/stop', { 'x-fulcrum-console-key': key }), { status: 404, code: 'WEB_CONSOLE_NOT_PROXIED' })
    assert.equal((await fetch(`${origin}/api/v1/stop`, { method: 'POST', headers: { 'x-fulcrum-console-key': key } })).status, 405)
    assert.equal(daemon?.proc.exitCode, null, 'the daemon still runs')
    // Another page in the browser (here an opaque origin) can neither send the key header (the CORS
    // preflight is never granted) nor read an answer.
    const other = await browser?.newPage() ?? assert.fail('no browser')
    try {
      const outcome = await other.evaluate(`Promise.all([
        fetch(${JSON.stringify(`${origin}/api/v1/status`)}, { headers: { 'x-fulcrum-console-key': ${JSON.stringify(key)} } }).then(r => 'read ' + r.status, () => 'blocked'),
        fetch(${JSON.stringify(`${origin}/boot.json`)}).then(r => r.text().then(() => 'read'), () => 'blocked')
      ])`) as string[]
      assert.deepEqual(outcome, ['blocked', 'blocked'])
    } finally {
      await other.close()
    }
  })
})
