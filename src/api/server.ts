/**
 * The local control API: HTTP/1.1 on 127.0.0.1 only. The routes, their inputs and answers are one
 * table (routes.ts), from which requests are checked (router.ts) and the OpenAPI document is
 * generated (openapi.ts, served at `GET /v1/openapi.json`). Every route but `GET /health` and the
 * document needs the bearer token from the data dir's `api-token` (never empty: see
 * `loadApiToken`); without it, even an unknown path is 401, so a stranger learns nothing. JSON in
 * (every request with a body must be `Content-Type: application/json`), JSON out; errors are
 * `{ "error": { "code", "message", "path"? } }` with the stable codes of {@link ApiError} or of the
 * module that raised them (OFFER_*, ...), and the HTTP status of that code in `errors/status.ts`.
 * Malformed input is always a 4xx with a code; a 500 (API_INTERNAL) means a bug.
 *
 * Bounds: bodies of at most MAX_BODY_BYTES, headers within HEADERS_TIMEOUT_MS, a whole request
 * within REQUEST_TIMEOUT_MS, at most MAX_CONNECTIONS open connections.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { FulcrumError, httpStatus } from '../errors/index.js'
import type { Logger } from '../logging/index.js'
import { MIN_API_TOKEN_LENGTH } from '../datadir/index.js'
import { ApiError } from './errors.js'
import type { ApiBackend } from './backend.js'
import { MAX_BODY_BYTES, hasBody, requireJsonMediaType } from './body.js'
import { compileRoutes, matchRoute, routeInput } from './router.js'
import type { CompiledRoute } from './router.js'
import { routeHandlers } from './handlers.js'
import type { RouteHandlers } from './routes.js'
import { openApiDocument } from './openapi.js'

/** The API listens on loopback only: it is a local control channel, never a public service. */
export const API_HOST = '127.0.0.1'
export { MAX_BODY_BYTES }
/** A request (headers, body and handling) must finish within this. */
export const REQUEST_TIMEOUT_MS = 30_000
/** Headers must arrive within this (slowloris). */
const HEADERS_TIMEOUT_MS = 10_000
/**
 * Open connections at most: the CLI and a few local tools use one or two each; a local process
 * opening thousands would otherwise hold a file descriptor and a parser per socket.
 */
export const MAX_CONNECTIONS = 64

/** The least length of an API token: a blank or short token would let any local process in. */
export const MIN_TOKEN_LENGTH = MIN_API_TOKEN_LENGTH

/** The HTTP server of the control API. */
export class ApiServer {
  private server: Server | undefined
  private readonly token: Buffer
  private readonly routes: CompiledRoute[] = compileRoutes()
  private readonly handlers: RouteHandlers
  private document: Record<string, unknown> | undefined

  /** Throws `API_BAD_TOKEN` for a token shorter than MIN_TOKEN_LENGTH (an empty token would admit anyone). */
  constructor (backend: ApiBackend, token: string, private readonly log: Logger) {
    if (token.trim().length < MIN_TOKEN_LENGTH) throw new FulcrumError(ApiError.BAD_TOKEN, `the API token must be at least ${MIN_TOKEN_LENGTH} characters`)
    this.token = Buffer.from(token, 'utf8')
    this.handlers = routeHandlers(backend, () => (this.document ??= openApiDocument()))
  }

  /** Listens on 127.0.0.1:`port` (0 for any free port) and returns the base URL. */
  async start (port: number): Promise<string> {
    const server = createServer((req, res) => { void this.handle(req, res) })
    server.requestTimeout = REQUEST_TIMEOUT_MS
    server.headersTimeout = HEADERS_TIMEOUT_MS
    server.maxConnections = MAX_CONNECTIONS
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

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestUrl(req.url)
      const match = matchRoute(this.routes, req.method ?? '', url.pathname)
      // Only a public route skips the token: an unknown path is 401 too, so routes are not probed.
      const isPublic = 'route' in match && !match.route.spec.auth
      if (!isPublic && !this.authorised(req)) throw new FulcrumError(ApiError.UNAUTHORIZED, 'missing or wrong bearer token')
      // Before routing: a cross-site form or text/plain POST is refused whatever its target.
      if (hasBody(req)) requireJsonMediaType(req)
      if ('error' in match) throw match.error
      const { route, raw } = match
      const handler = this.handlers[route.id] as (input: unknown) => Promise<unknown>
      const body = await withTimeout((async () => await handler(await routeInput(req, route, raw, url.searchParams)))(), REQUEST_TIMEOUT_MS)
      send(res, route.spec.status, body)
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

/** The request target as a URL (API_BAD_REQUEST if it does not parse). */
function requestUrl (url: string | undefined): URL {
  try {
    return new URL(url ?? '/', 'http://x')
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
