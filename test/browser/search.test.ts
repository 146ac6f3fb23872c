import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { createIdentity } from '../../src/identity/index.js'
import { encodeRecord, signOffer } from '../../src/offers/index.js'
import { createLibp2pNode, serveProtocol } from '../../src/network/index.js'
import type { FulcrumLibp2p } from '../../src/network/index.js'
import { QUERY_PROTOCOL } from '../../src/discovery/index.js'
import { encodeMessage } from '../../src/discovery/codec.js'
import { runBin } from '../helpers/bin.js'
import { startDaemon, stopDaemon } from '../helpers/daemon.js'
import type { Daemon } from '../helpers/daemon.js'
import { makeOffer } from '../helpers/offers.js'
import { tempDir } from '../helpers/tmp.js'
import { launchBrowser, overflowsHorizontally, screenshot, startWeb } from '../helpers/browser.js'
import type { WebProcess } from '../helpers/browser.js'

const example = fileURLToPath(new URL('../../config/examples/milan-vm.json', import.meta.url))

/** The rows of a results table, as text per cell. */
async function rows (page: Page, table: string): Promise<string[][]> {
  return await page.$$eval(`table[data-table="${table}"] tbody tr`, trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent?.trim() ?? '')))
}

describe('web page in Chromium: search and verify against real daemons (e2e)', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let daemon: Daemon | undefined
  let rogue: FulcrumLibp2p | undefined
  let web: WebProcess | undefined
  let browser: Browser | undefined
  let page: Page
  let daemonWs: string
  let rogueWs: string

  before(async () => {
    tmp = await tempDir()
    const dir = join(tmp.path, 'milan')
    assert.equal((await runBin(['init', '--data-dir', dir])).code, 0)
    daemon = await startDaemon(dir, ['--api-port', '0'])
    daemonWs = daemon.addrs.find(a => a.includes('/ws/')) ?? assert.fail(`no WebSocket address in ${daemon.addrs.join(' ')}`)
    const published = await runBin(['offer', 'publish', example, '--data-dir', dir, '--json'])
    assert.equal(published.code, 0, published.stderr)
    // A malicious node answers every query with a genuine provider's offer whose price it lowered.
    const victim = createIdentity()
    const now = Date.now()
    const genuine = makeOffer(victim, { id: 'forged-cheap', seq: now, issuedAt: now, expiresAt: now + 3_600_000 })
    const forged = encodeRecord({ kind: 'offer', body: { ...genuine, price: { amount: '0.001', currency: 'EUR', unit: 'hour' } }, signature: signOffer(genuine, victim).signature })
    rogue = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'], webSocketListen: ['/ip4/127.0.0.1/tcp/0/ws'] })
    await serveProtocol(rogue, QUERY_PROTOCOL, async () => encodeMessage({ records: [forged] }))
    rogueWs = rogue.getMultiaddrs().map(String).find(a => a.includes('/ws/')) ?? assert.fail('rogue has no WebSocket address')
    web = await startWeb(['--peer', daemonWs, '--peer', rogueWs])
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  })
  after(async () => {
    await browser?.close()
    await web?.stop()
    await rogue?.stop()
    if (daemon !== undefined) await stopDaemon(daemon)
    await tmp?.cleanup()
  })

  it('shows the offers of preselected nodes verified, without a click, and a forged offer of a malicious node as rejected', async () => {
    await page.goto(web?.url ?? '')
    await page.waitForSelector('table[data-table="offers"] tbody tr td[data-label="Verified"]')
    const offers = await rows(page, 'offers')
    assert.equal(offers.length, 1)
    const [provider, id, type, location, perHour, perMonth, certs, mark] = offers[0] as string[]
    assert.equal(id, 'mil-vm-4x16')
    assert.ok(provider !== undefined && provider.length > 0)
    assert.equal(type, 'compute.vm')
    assert.equal(location, 'IT IT-MI MIL1')
    assert.equal(perHour, '0.052 EUR')
    assert.equal(perMonth, '37.96 EUR')
    assert.equal(certs, 'gaia-x-label-1, iso-27001')
    assert.match(mark ?? '', /verified/)
    const sources = await rows(page, 'sources')
    const rogueRow = sources.find(r => rogueWs.endsWith(r[0]?.slice(-6) ?? '?'))
    assert.deepEqual(rogueRow?.slice(1, 3), ['0', '1'], `rogue row: ${JSON.stringify(sources)}`)
    const honestRow = sources.find(r => r !== rogueRow)
    assert.deepEqual(honestRow?.slice(1, 3), ['1', '0'])
    assert.ok(!(await page.content()).includes('forged-cheap'), 'the forged offer is nowhere on the page')
    await screenshot(page, 'search-1440')
  })

  it('fits 360 px and 1440 px wide screens without horizontal scrolling, on every view', async () => {
    for (const width of [360, 1440]) {
      await page.setViewportSize({ width, height: 800 })
      await page.goto(`${web?.url ?? ''}#/search`)
      await page.waitForSelector('table[data-table="offers"] tbody tr td[data-label="Verified"]')
      await page.click('summary')
      assert.equal(await overflowsHorizontally(page), false, `search view at ${width} px`)
      await screenshot(page, `search-${width}`)
      const routes = await page.$$eval('nav a', as => as.map(a => a.getAttribute('href') ?? ''))
      assert.ok(routes.includes('#/nodes') && routes.length >= 2, routes.join(' '))
      for (const route of routes.filter(r => r !== '#/search')) {
        await page.goto(`${web?.url ?? ''}${route}`)
        await page.waitForSelector(`nav a[href="${route}"][aria-current="page"]`)
        await page.waitForSelector('main h1')
        assert.equal(await overflowsHorizontally(page), false, `${route} at ${width} px`)
        await screenshot(page, `${route.slice(2)}-${width}`)
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('searches with the keyboard alone, and names the field of a bad filter', async () => {
    await page.goto('about:blank') // a fresh load: focus starts at the top of the document
    await page.goto(`${web?.url ?? ''}#/search`)
    await page.waitForSelector('table[data-table="offers"] tbody tr td[data-label="Verified"]')
    const focused = async (): Promise<string> => await page.evaluate('document.activeElement?.id || document.activeElement?.textContent || ""') as string
    await page.keyboard.press('Tab')
    assert.equal(await focused(), 'Skip to content')
    for (let i = 0; i < 40 && await focused() !== 'f-country'; i++) await page.keyboard.press('Tab')
    assert.equal(await focused(), 'f-country')
    const status = page.locator('[role="status"]').last()
    await page.keyboard.type('FR')
    await page.keyboard.press('Enter')
    await status.filter({ hasText: '0 verified offers' }).waitFor()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('IT')
    await page.keyboard.press('Enter')
    await status.filter({ hasText: '1 verified offer from' }).waitFor()
    assert.equal((await rows(page, 'offers'))[0]?.[1], 'mil-vm-4x16')
    await page.keyboard.press('Control+A')
    await page.keyboard.type('XX')
    await page.keyboard.press('Enter')
    const alert = page.locator('[role="alert"]')
    await alert.waitFor()
    assert.match(await alert.textContent() ?? '', /^OFFER_BAD_FILTER: /)
    assert.equal(await page.getAttribute('#f-country', 'aria-invalid'), 'true')
    await screenshot(page, 'search-bad-filter')
    // The view navigation is reachable by keyboard too.
    await page.focus('nav a[href="#/nodes"]')
    await page.keyboard.press('Enter')
    await page.waitForSelector('h1#nodes-title')
  })
})
