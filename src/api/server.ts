/**
 * The local control API: HTTP/1.1 on 127.0.0.1 only, every request authenticated with the bearer
 * token from the data dir's `api-token` (never empty: see `loadApiToken`). JSON in (every request
 * with a body must be `Content-Type: application/json`), JSON out; errors are
 * `{ "error": { "code", "message", "path"? } }` with the stable codes of {@link ApiError} or of the
 * module that raised them (OFFER_*, ...), and the HTTP status of that code in `errors/status.ts`.
 * Malformed input is always a 4xx with a code; a 500 (API_INTERNAL) means a bug.
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
 * - `POST /orders/:id/terminate` `{ notice?: days, reason? }`: terminate a committed agreement
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'
import { FulcrumError, httpStatus } from '../errors/index.js'
import type { Logger } from '../logging/index.js'
import { OfferError } from '../offers/errors.js'
import { MIN_API_TOKEN_LENGTH } from '../datadir/index.js'
import { MAX_REASON_LENGTH as MAX_TERMINATION_REASON_LENGTH } from '../ledger/index.js'
import { MAX_NOTICE_DAYS } from '../orders/index.js'
import { ApiError } from './errors.js'
import type { ApiBackend } from './backend.js'
import { MAX_BODY_BYTES, hasBody, parseWith, readJson, requireJsonMediaType } from './body.js'

/** The API listens on loopback only: it is a local control channel, never a public service. */
export const API_HOST = '127.0.0.1'
export { MAX_BODY_BYTES }
/** A request (headers, body and handling) must finish within this. */
export const REQUEST_TIMEOUT_MS = 30_000
/** Headers must arrive within this (slowloris). */
const HEADERS_TIMEOUT_MS = 10_000

type Handler = (req: IncomingMessage, params: string[]) => Promise<[number, unknown]>

/** The least length of an API token: a blank or short token would let any local process in. */
export const MIN_TOKEN_LENGTH = MIN_API_TOKEN_LENGTH

/** Largest page a search asks for (the catalog caps it too). */
const MAX_SEARCH_LIMIT = 1000

/** `POST /v1/search`: the filter's field types here; its values are checked by `compileFilter`. */
const SEARCH_BODY = z.strictObject({
  filter: z.strictObject({
    type: z.string(),
    countries: z.array(z.string()),
    jurisdictions: z.array(z.string()),
    provider: z.string(),
    currency: z.string(),
    maxPrice: z.strictObject({ amount: z.string(), unit: z.string() }),
    certifications: z.array(z.string()),
    minCapacity: z.number(),
    minAvailability: z.string(),
    minSpecs: z.record(z.string(), z.number())
  }).partial().optional(),
  limit: z.int().min(1).max(MAX_SEARCH_LIMIT).optional(),
  cursor: z.string().max(1024).optional()
})

/** `POST /v1/orders/:id/terminate`: the notice in days (the terms' minimum applies if longer) and a reason. */
const TERMINATE_BODY = z.strictObject({
  notice: z.number().min(0).max(MAX_NOTICE_DAYS).optional(),
  reason: z.string().max(MAX_TERMINATION_REASON_LENGTH).optional()
})

/** Decodes one percent-encoded path segment (API_BAD_REQUEST if it is not valid UTF-8). */
function pathParam (raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '')
  } catch (err) {
    throw new FulcrumError(ApiError.BAD_REQUEST, 'a path segment is not valid percent-encoded UTF-8', { cause: err })
  }
}

/** The HTTP server of the control API. */
export class ApiServer {
  private server: Server | undefined
  private readonly token: Buffer

  /** Throws `API_BAD_TOKEN` for a token shorter than MIN_TOKEN_LENGTH (an empty token would admit anyone). */
  constructor (private readonly backend: ApiBackend, token: string, private readonly log: Logger) {
    if (token.trim().length < MIN_TOKEN_LENGTH) throw new FulcrumError(ApiError.BAD_TOKEN, `the API token must be at least ${MIN_TOKEN_LENGTH} characters`)
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
      const offerId = pathParam(id)
      const result = await this.backend.withdraw(offerId)
      if (result === undefined) throw new FulcrumError(ApiError.NOT_FOUND, `no offer ${JSON.stringify(offerId)} of this node`)
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
    ['POST', /^\/v1\/orders\/([^/]+)\/terminate$/, async (req, [id]) => {
      const options = parseWith(TERMINATE_BODY, hasBody(req) ? await readJson(req) : {}, ApiError.BAD_REQUEST)
      return [200, await this.backend.terminateOrder(pathParam(id), options)]
    }],
    ['POST', /^\/v1\/ledger\/entries$/, async (req) => [201, await this.backend.appendEntry(await readJson(req))]],
    ['POST', /^\/v1\/search$/, async (req) => {
      const json = await readJson(req)
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FulcrumError(ApiError.BAD_REQUEST, 'body is { filter?, limit?, cursor? }')
      const { filter: rawFilter, ...rest } = json as Record<string, unknown>
      // A filter of the wrong shape is a bad filter (as compileFilter says of bad values); the rest a bad request.
      const filter = parseWith(SEARCH_BODY.shape.filter, rawFilter, OfferError.BAD_FILTER, 'filter') ?? {}
      const { limit, cursor } = parseWith(SEARCH_BODY.omit({ filter: true }), rest, ApiError.BAD_REQUEST)
      return [200, await this.backend.search(filter, limit, cursor)]
    }]
  ]

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.authorised(req)) throw new FulcrumError(ApiError.UNAUTHORIZED, 'missing or wrong bearer token')
      // Before routing: a cross-site form or text/plain POST is refused whatever its target.
      if (hasBody(req)) requireJsonMediaType(req)
      const path = requestPath(req.url)
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
      send(res, httpStatus(e.code), { error: e.toJSON() })
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

/** The path of a request target (API_BAD_REQUEST if it does not parse). */
function requestPath (url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://x').pathname
  } catch (err) {
    throw new FulcrumError(ApiError.BAD_REQUEST, 'malformed request target', { cause: err })
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
