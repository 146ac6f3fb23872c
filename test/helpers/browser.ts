/**
 * Headless Chromium for the browser tests (test/browser): Debian's `chromium` package driven by
 * playwright-core (no browser download). FULCRUM_CHROMIUM overrides the executable. Screenshots
 * go to test-results/screenshots/ (git-ignored), one PNG per view and width.
 */
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FULCRUM_BIN } from './bin.js'

/** The Chromium executable (Debian's package installs /usr/bin/chromium; .ci/run installs it). */
export const CHROMIUM = process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium'
/** Where the test run saves screenshots of the main views. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url))

/** Launches headless Chromium (no sandbox: CI runs as root, where Chromium's sandbox cannot start). */
export async function launchBrowser (): Promise<Browser> {
  return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

/** Saves a full-page screenshot as test-results/screenshots/NAME.png. */
export async function screenshot (page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
}

/** True if the page is wider than its viewport (content overflowing sideways). */
export async function overflowsHorizontally (page: Page): Promise<boolean> {
  // The function runs in the page: `document` is the page's (the tests' lib has no DOM types).
  return await page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth') as boolean
}

/** A running `fulcrum web`. */
export interface WebProcess { proc: ChildProcess, url: string, stop: () => Promise<void> }

/** Failure bound for `fulcrum web` to print its URL (a loaded machine starts Node slowly). */
const WEB_START_TIMEOUT_MS = 60_000

/** Starts `fulcrum web --port 0 ...args` and resolves with its URL once printed. */
export async function startWeb (args: string[]): Promise<WebProcess> {
  const proc = spawn(process.execPath, [FULCRUM_BIN, 'web', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>(resolve => proc.once('exit', () => { resolve() }))
  let out = ''
  let err = ''
  proc.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const url = await new Promise<string | undefined>(resolve => {
    const timer = setTimeout(() => { resolve(undefined) }, WEB_START_TIMEOUT_MS)
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /^web (\S+)/m.exec(out)
      if (m !== null) { clearTimeout(timer); resolve(m[1]) }
    })
    proc.once('exit', () => { clearTimeout(timer); resolve(undefined) })
  })
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
    await exited
  }
  if (url === undefined) {
    await stop()
    throw new Error(`fulcrum web did not start: ${out}${err}`)
  }
  return { proc, url, stop }
}
