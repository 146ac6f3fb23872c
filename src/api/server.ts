/**
 * The local control API: HTTP/1.1 on 127.0.0.1 only, every request authenticated with the bearer
 * token from the data dir's `api-token`. JSON in, JSON out; errors are
 * `{ "error": { "code", "message", "path"? } }` with the stable codes of {@link ApiError} or of the
 * module that raised them (OFFER_*, ...).
 *
 * Routes (all under /v1):
 * - `GET /health`              liveness and counters
 * - `GET /peers`               connected peers
 * - `GET /offers`              the node's own live offers
 * - `POST /offers`             publish a draft (signed by the node) or a signed record
 * - `DELETE /offers/:id`       withdraw one of the node's offers
 * - `POST /search`             `{ filter, limit?, cursor? }` → a page of the catalog
 * - `POST /ledger/entries`     append a signed agreement entry to the node's ledger
 * - `GET /orders[?status=S]`   the orders this provider was asked to hold, with their status
 * - `GET /orders/approvals`    holds waiting for the operator (manual approval policy)
 * - `GET /orders/:id`          one order with its agreement body
 * - `POST /orders/:id/approve` approve a pending hold; `POST /orders/:id/refuse` refuse it
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { FulcrumError } from '../errors/index.js'
import type { Logger } from '../logging/index.js'
import { ApiError, HTTP_STATUS } from './errors.js'
import type { ApiBackend } from './backend.js'
import type { OfferFilter } from '../offers/index.js'

/** The API listens on loopback only: it is a local control channel, never a public service. */
export const API_HOST = '127.0.0.1'
/** Largest request body: an offer is a few KiB; 64 KiB leaves room and bounds memory. */
export const MAX_BODY_BYTES = 64 * 1024
/** A request (headers, body and handling) must finish within this. */
export const REQUEST_TIMEOUT_MS = 30_000
/** Headers must arrive within this (slowloris). */
const HEADERS_TIMEOUT_MS = 10_000

type Handler = (req: IncomingMessage, params: string[]) => Promise<[number, unknown]>

/** The HTTP server of the control API. */
export class ApiServer {
  private server: Server | undefined
  private readonly token: Buffer

  constructor (private readonly backend: ApiBackend, token: string, private readonly log: Logger) {
    this.token = Buffer.from(token, 'utf8')
  }

  /** Listens on 127.0.0.1:`port` (0 for any free port) and returns the base URL. */
  async start (port: number): Promise<string> {
    const server = createServer((req, res) => { void this.handle(req, res) })
    server.requestTimeout = REQUEST_TIMEOUT_MS
    server.headersTimeout = HEADERS_TIMEOUT_MS
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void => {
        const why = err.code === 'EADDRINUSE' ? 'port already in use (another process, perhaps another fulcrum daemon, listens on it)' : err.message
        reject(new FulcrumError(ApiError.LISTEN_FAILED, `cannot listen on ${API_HOST}:${port}: ${why}${err.code === undefined ? '' : ` [${err.code}]`}`, { cause: err }))
      }
      server.once('error', fail)
      server.listen(port, API_HOST, () => { server.off('error', fail); resolve() })
    })
    this.server = server
    return `http://${API_HOST}:${(server.address() as AddressInfo).port}`
  }

  /** Stops accepting requests and closes open connections. */
  async stop (): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  }

  private readonly routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/v1\/health$/, async () => [200, this.backend.health()]],
    ['GET', /^\/v1\/peers$/, async () => [200, { peers: await this.backend.peers() }]],
    ['GET', /^\/v1\/offers$/, async () => [200, { offers: await this.backend.ownOffers() }]],
    ['POST', /^\/v1\/offers$/, async (req) => [201, await this.backend.publish(await readJson(req))]],
    ['DELETE', /^\/v1\/offers\/([^/]+)$/, async (_req, [id]) => {
      const result = await this.backend.withdraw(decodeURIComponent(id ?? ''))
      if (result === undefined) throw new FulcrumError(ApiError.NOT_FOUND, `no offer ${id ?? ''} of this node`)
      return [200, result]
    }],
    ['GET', /^\/v1\/orders$/, async (req) => {
      const status = new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? undefined
      return [200, { orders: await this.backend.orders(status) }]
    }],
    ['GET', /^\/v1\/orders\/approvals$/, async () => [200, { orders: await this.backend.orders('pending') }]],
    ['GET', /^\/v1\/orders\/([^/]+)$/, async (_req, [id]) => {
      const order = await this.backend.order(decodeURIComponent(id ?? ''))
      if (order === undefined) throw new FulcrumError(ApiError.NOT_FOUND, `no order ${id ?? ''} at this node`)
      return [200, order]
    }],
    ['POST', /^\/v1\/orders\/([^/]+)\/(approve|refuse)$/, async (_req, [id, what]) => [200, await this.backend.decideOrder(decodeURIComponent(id ?? ''), what === 'approve')]],
    ['POST', /^\/v1\/ledger\/entries$/, async (req) => [201, await this.backend.appendEntry(await readJson(req))]],
    ['POST', /^\/v1\/search$/, async (req) => {
      const body = await readJson(req) as { filter?: unknown, limit?: unknown, cursor?: unknown }
      if (typeof body !== 'object' || body === null) throw new FulcrumError(ApiError.BAD_REQUEST, 'body is { filter, limit?, cursor? }')
      const filter = (body.filter ?? {}) as OfferFilter
      const limit = typeof body.limit === 'number' ? body.limit : undefined
      const cursor = typeof body.cursor === 'string' ? body.cursor : undefined
      return [200, await this.backend.search(filter, limit, cursor)]
    }]
  ]

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.authorised(req)) throw new FulcrumError(ApiError.UNAUTHORIZED, 'missing or wrong bearer token')
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const matching = this.routes.filter(([, re]) => re.test(path))
      if (matching.length === 0) throw new FulcrumError(ApiError.NOT_FOUND, `no route ${path}`)
      const route = matching.find(([m]) => m === req.method)
      if (route === undefined) throw new FulcrumError(ApiError.METHOD_NOT_ALLOWED, `${req.method ?? ''} not allowed on ${path}`)
      const params = (route[1].exec(path) ?? []).slice(1)
      const [status, body] = await withTimeout(route[2](req, params), REQUEST_TIMEOUT_MS)
      send(res, status, body)
    } catch (err) {
      const e = err instanceof FulcrumError ? err : new FulcrumError(ApiError.INTERNAL, 'internal error', { cause: err })
      if (e.code === ApiError.INTERNAL) this.log.error('API request failed', { err: (err as Error).message, url: req.url })
      send(res, HTTP_STATUS[e.code] ?? 422, { error: e.toJSON() })
    }
  }

  private authorised (req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? ''
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '', 'utf8')
    return given.length === this.token.length && timingSafeEqual(given, this.token)
  }
}

function send (res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Reads a JSON body of at most MAX_BODY_BYTES (API_BODY_TOO_LARGE, API_BAD_REQUEST). */
async function readJson (req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) throw new FulcrumError(ApiError.BODY_TOO_LARGE, `body over ${MAX_BODY_BYTES} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new FulcrumError(ApiError.BODY_TOO_LARGE, `body over ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new FulcrumError(ApiError.BAD_REQUEST, 'body is not JSON', { cause: err })
  }
}

async function withTimeout<T> (p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new FulcrumError(ApiError.TIMEOUT, `request took over ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}
