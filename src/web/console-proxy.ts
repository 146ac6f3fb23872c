/**
 * The provider console's read-only bridge from the page to the daemon's control API, in
 * `fulcrum web --data-dir DIR` (src/web/server.ts).
 *
 * Why a proxy in `fulcrum web` rather than the daemon serving the page: the API token never
 * reaches the browser (the proxy adds it from the data directory, as the CLI does), the daemon
 * gains no static-file server, and what the page can reach is a fixed list of read-only routes,
 * so even a hijacked page can change nothing on the node. The API itself stays as it is: bearer
 * token plus JSON, which no cross-site request can carry.
 *
 * What keeps the proxy from opening the API to others (every check below fails closed):
 * - it listens on 127.0.0.1 and refuses requests whose Host is not its own address (DNS rebinding);
 * - each request carries the console key (header {@link CONSOLE_KEY_HEADER}), a random value made at
 *   start and given only in the URL `fulcrum web` prints: other local users, and pages of other
 *   sites, do not have it; a custom header also forces a CORS preflight, which this server never
 *   grants, so no other origin can even send one;
 * - a browser's `Sec-Fetch-Site`, when present, must be `same-origin`;
 * - only GET, only the routes of {@link CONSOLE_ROUTES}, query strings checked by the daemon's own
 *   schemas.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { ApiClient } from '../api/client.js'
import { ROUTES } from '../api/routes.js'
import { FulcrumError, httpStatus } from '../errors/index.js'

/** The header that carries the console key. */
export const CONSOLE_KEY_HEADER = 'x-fulcrum-console-key'
/** Path prefix of proxied routes: `/api/v1/status` -> the daemon's `/v1/status`. */
export const CONSOLE_PREFIX = '/api'

/** The API routes the console reads (read-only, no path parameters). */
export const CONSOLE_ROUTES = ['getStatus', 'listPeers', 'listOwnOffers', 'listOrders', 'listApprovals', 'getCheckpoint', 'listEntries', 'listAgreements'] as const

const PATHS = new Set<string>(CONSOLE_ROUTES.map(id => ROUTES[id].path))

/** Error codes of the console proxy. */
export const ConsoleError = {
  /** No console key, or a wrong one. */
  UNAUTHORIZED: 'WEB_CONSOLE_UNAUTHORIZED',
  /** A request from another site (Sec-Fetch-Site not same-origin). */
  CROSS_SITE: 'WEB_CONSOLE_CROSS_SITE',
  /** A route the console does not proxy (anything not read-only). */
  NOT_PROXIED: 'WEB_CONSOLE_NOT_PROXIED'
} as const

/** The console's settings in the page server. */
export interface ConsoleInit {
  /** The provider's data directory (its api.json and API token). */
  dataDir: string
  /** The console key (see module doc). */
  key: string
}

function sameKey (given: string | string[] | undefined, key: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(key)
  return a.length === b.length && timingSafeEqual(a, b)
}

function answer (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  res.end(text)
}

function refuse (res: ServerResponse, code: string, message: string): void {
  answer(res, httpStatus(code), { error: { code, message } })
}

/** Answers a GET under {@link CONSOLE_PREFIX} (the caller checked method and Host). */
export async function proxyConsole (req: IncomingMessage, res: ServerResponse, init: ConsoleInit): Promise<void> {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return refuse(res, ConsoleError.CROSS_SITE, 'the console answers only its own page')
  if (!sameKey(req.headers[CONSOLE_KEY_HEADER], init.key)) return refuse(res, ConsoleError.UNAUTHORIZED, 'missing or wrong console key: open the URL fulcrum web printed')
  const url = new URL(req.url ?? '/', 'http://x')
  const path = url.pathname.slice(CONSOLE_PREFIX.length)
  if (!PATHS.has(path)) return refuse(res, ConsoleError.NOT_PROXIED, `the console reads only ${[...PATHS].join(', ')}`)
  try {
    const client = await ApiClient.forDataDir(init.dataDir)
    answer(res, 200, await client.call('GET', `${path}${url.search}`))
  } catch (err) {
    const code = err instanceof FulcrumError ? err.code : 'API_INTERNAL'
    answer(res, httpStatus(code), { error: { code, message: (err as Error).message } })
  }
}
