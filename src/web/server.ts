/**
 * The page's server (`fulcrum web`): serves the prebuilt bundle (dist/web, from `npm run build`)
 * and `boot.json` (the preselected nodes) on 127.0.0.1 only. It serves files and nothing else: the
 * page talks to the nodes itself over libp2p WebSockets and verifies what they send, so this
 * server is trusted with nothing but the code it serves.
 *
 * With a data directory it also bridges the page's provider console to that daemon's control API,
 * read-only and behind a key (console-proxy.ts says why a proxy and how it is closed to others).
 *
 * Hardening: only GET and HEAD; requests whose Host header is not this server's loopback address
 * are refused (a DNS-rebinding page cannot read it through another name); a strict Content
 * Security Policy (scripts and styles from this origin only, connections to this origin and to
 * WebSocket nodes), no framing, no referrer, no MIME sniffing.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FulcrumError } from '../errors/index.js'
import { parseMultiaddrs } from '../network/bootstrap.js'
import { WebError } from './errors.js'
import { CONSOLE_PREFIX, proxyConsole } from './console-proxy.js'
import type { ConsoleInit } from './console-proxy.js'

/** The address the page is served on: loopback only, whatever the caller asks. */
export const WEB_HOST = '127.0.0.1'

/** Files of dist/web the server serves, with their content types; anything else is 404. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'app.js.LEGAL.txt': 'text/plain; charset=utf-8',
  'app.css': 'text/css; charset=utf-8'
}

/** The Content Security Policy of every response (module doc). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
  "connect-src 'self' ws: wss:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"
].join('; ')

/** Options of {@link startWebServer}. */
export interface WebServerInit {
  /** TCP port on 127.0.0.1 (0: any free port). */
  port: number
  /** Nodes the page connects to at load: WebSocket multiaddrs with /p2p/ID. */
  peers: string[]
  /** CIDR ranges the page's light node may dial (the config's allowedDialRanges). */
  allowedDialRanges: string[]
  /** The bundle's directory (default: dist/web of this package). */
  assetsDir?: string
  /** The provider console: read-only API routes of this data directory's daemon (console-proxy.ts). */
  console?: ConsoleInit
}

/** A running page server. */
export interface WebServer {
  /** `http://127.0.0.1:PORT/` */
  url: string
  close: () => Promise<void>
}

/** dist/web of this package, from this module's place in src/web or dist/src/web. */
export function defaultAssetsDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return join(dir, 'dist', 'web')
}

/** Checks --peer values: WebSocket multiaddrs ending in /p2p/ID. Throws `WEB_BAD_PEER` naming the first bad one. */
export function checkWebPeers (peers: readonly string[]): void {
  for (const p of peers) {
    let names: string[]
    try {
      names = (parseMultiaddrs([p])[0] as { getComponents: () => Array<{ name: string }> }).getComponents().map(c => c.name)
    } catch {
      throw new FulcrumError(WebError.BAD_PEER, `not a multiaddr: ${JSON.stringify(p)}`, { path: 'peer' })
    }
    if (!(names.includes('ws') || names.includes('wss')) || names.at(-1) !== 'p2p') {
      throw new FulcrumError(WebError.BAD_PEER, `a browser can dial only WebSocket addresses with a peer id (/ip4/ADDR/tcp/PORT/ws/p2p/ID): ${p}`, { path: 'peer' })
    }
  }
}

/** Starts the server (module doc). Throws `WEB_NOT_BUILT`, `WEB_BAD_PEER` or `WEB_LISTEN_FAILED`. */
export async function startWebServer (init: WebServerInit): Promise<WebServer> {
  checkWebPeers(init.peers)
  const dir = init.assetsDir ?? defaultAssetsDir()
  if (!existsSync(join(dir, 'index.html')) || !existsSync(join(dir, 'app.js'))) {
    throw new FulcrumError(WebError.NOT_BUILT, `the page is not built in ${dir}: run npm run build`)
  }
  const boot = JSON.stringify({ peers: init.peers, allowedDialRanges: init.allowedDialRanges, provider: init.console !== undefined })
  let port = init.port
  const server = createServer((req, res) => { void handle(req, res, { dir, boot, port, console: init.console }) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new FulcrumError(WebError.LISTEN_FAILED, `cannot listen on ${WEB_HOST}:${init.port}: ${err.code ?? err.message}`, { cause: err }))
    })
    server.listen(init.port, WEB_HOST, () => { resolve() })
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://${WEB_HOST}:${port}/`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

function send (res: ServerResponse, status: number, type: string, body: string | Uint8Array, head = false): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store'
  })
  res.end(head ? undefined : body)
}

interface Served { dir: string, boot: string, port: number, console: ConsoleInit | undefined }

async function handle (req: IncomingMessage, res: ServerResponse, s: Served): Promise<void> {
  const head = req.method === 'HEAD'
  if (req.method !== 'GET' && !head) return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n')
  if (req.headers.host !== `${WEB_HOST}:${s.port}` && req.headers.host !== `localhost:${s.port}`) {
    return send(res, 421, 'text/plain; charset=utf-8', 'wrong host\n')
  }
  const path = new URL(req.url ?? '/', 'http://x').pathname
  if (path === '/boot.json') return send(res, 200, 'application/json; charset=utf-8', s.boot, head)
  if (path.startsWith(`${CONSOLE_PREFIX}/`)) {
    if (s.console === undefined || head) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head)
    return await proxyConsole(req, res, s.console)
  }
  const dir = s.dir
  const name = path === '/' ? 'index.html' : path.slice(1)
  const type = FILES[name]
  if (type === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head)
  try {
    send(res, 200, type, await readFile(join(dir, name)), head)
  } catch {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head)
  }
}
