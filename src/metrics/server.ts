/**
 * The metrics endpoint: `GET /metrics` in the Prometheus text format on its own address (not the
 * control API's: Prometheus scrapes without the API token, and the token guards actions, not
 * numbers). Anything else is 404; a scrape must finish within {@link SCRAPE_TIMEOUT_MS}.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FulcrumError } from '../errors/index.js'
import { MetricsError } from './errors.js'
import type { MetricsListen } from './listen.js'

/** A scrape (headers and answer) must finish within this: Prometheus's own default timeout is 10 s. */
export const SCRAPE_TIMEOUT_MS = 10_000

/** See module doc. */
export class MetricsServer {
  private server: Server | undefined

  constructor (private readonly scrape: () => Promise<{ body: string, contentType: string }>) {}

  /** Listens on `listen` and returns the endpoint's URL. Throws `METRICS_LISTEN_FAILED`. */
  async start (listen: MetricsListen): Promise<string> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n')
        return
      }
      this.scrape().then(({ body, contentType }) => {
        res.writeHead(200, { 'content-type': contentType }).end(body)
      }, (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`scrape failed: ${(err as Error).message}\n`)
      })
    })
    server.requestTimeout = SCRAPE_TIMEOUT_MS
    server.headersTimeout = SCRAPE_TIMEOUT_MS
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void => {
        reject(new FulcrumError(MetricsError.LISTEN_FAILED, `cannot listen on ${listen.host}:${listen.port}: ${err.message}`, { cause: err }))
      }
      server.once('error', fail)
      server.listen(listen.port, listen.host, () => { server.off('error', fail); resolve() })
    })
    this.server = server
    const { address, port } = server.address() as AddressInfo
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`
  }

  /** Stops listening and closes open connections. */
  async stop (): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  }
}
