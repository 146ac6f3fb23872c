/**
 * Routing and request checking driven by the route table (routes.ts): matches a path against the
 * templates, then checks path parameters, query and body with the route's zod schemas. A failure
 * is a coded 4xx naming the bad field; nothing reaches a handler unchecked.
 */
import type { IncomingMessage } from 'node:http'
import { FulcrumError } from '../errors/index.js'
import { ApiError } from './errors.js'
import { parseWith, readJson } from './body.js'
import { ROUTES } from './routes.js'
import type { RouteId, RouteSpec } from './routes.js'

/** A route of the table with its compiled path. */
export interface CompiledRoute {
  id: RouteId
  spec: RouteSpec
  pattern: RegExp
  /** Names of the path parameters, in order. */
  names: string[]
}

/** Codes any route may answer (the OpenAPI document lists them on every operation). */
export function commonErrors (spec: RouteSpec): string[] {
  return [
    ...(spec.auth ? [ApiError.UNAUTHORIZED] : []),
    ...(spec.params !== undefined || spec.query !== undefined || spec.body !== undefined ? [ApiError.BAD_REQUEST] : []),
    ...(spec.body !== undefined ? [ApiError.UNSUPPORTED_MEDIA_TYPE, ApiError.BODY_TOO_LARGE] : []),
    ApiError.TIMEOUT, ApiError.INTERNAL
  ]
}

/** Compiles the table: `{name}` matches one non-empty path segment. */
export function compileRoutes (): CompiledRoute[] {
  return (Object.entries(ROUTES) as Array<[RouteId, RouteSpec]>).map(([id, spec]) => {
    const names: string[] = []
    const source = spec.path.split('/').map(seg => {
      const m = /^\{(\w+)\}$/.exec(seg)
      if (m === null) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      names.push(m[1] as string)
      return '([^/]+)'
    }).join('/')
    return { id, spec, pattern: new RegExp(`^${source}$`), names }
  })
}

/** The route for `method` and `path`, or why there is none (API_NOT_FOUND, API_METHOD_NOT_ALLOWED). */
export function matchRoute (routes: CompiledRoute[], method: string, path: string): { route: CompiledRoute, raw: string[] } | { error: FulcrumError } {
  const matching = routes.filter(r => r.pattern.test(path))
  if (matching.length === 0) return { error: new FulcrumError(ApiError.NOT_FOUND, `no route ${path}`) }
  const route = matching.find(r => r.spec.method === method)
  if (route === undefined) return { error: new FulcrumError(ApiError.METHOD_NOT_ALLOWED, `${method} not allowed on ${path}`) }
  return { route, raw: (route.pattern.exec(path) ?? []).slice(1) }
}

/** Decodes one percent-encoded path segment (API_BAD_REQUEST if it is not valid UTF-8). */
function decodeSegment (raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch (err) {
    throw new FulcrumError(ApiError.BAD_REQUEST, 'a path segment is not valid percent-encoded UTF-8', { cause: err })
  }
}

/** The query as an object; a repeated key is API_BAD_REQUEST (no route takes a list). */
function queryObject (search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of search) {
    if (Object.hasOwn(out, k)) throw new FulcrumError(ApiError.BAD_REQUEST, `query parameter ${k} is repeated`, { path: k })
    out[k] = v
  }
  return out
}

/** Checks and parses the inputs of a matched route (see module doc). */
export async function routeInput (req: IncomingMessage, route: CompiledRoute, raw: string[], search: URLSearchParams): Promise<{ params: unknown, query: unknown, body: unknown }> {
  const { spec } = route
  const params = Object.fromEntries(route.names.map((n, i) => [n, decodeSegment(raw[i] ?? '')]))
  const query = queryObject(search)
  if (spec.query === undefined && Object.keys(query).length > 0) {
    throw new FulcrumError(ApiError.BAD_REQUEST, `${spec.path} takes no query parameters`, { path: Object.keys(query)[0] as string })
  }
  return {
    params: spec.params === undefined ? undefined : parseWith(spec.params, params, ApiError.BAD_REQUEST),
    query: spec.query === undefined ? undefined : parseWith(spec.query, query, ApiError.BAD_REQUEST),
    body: spec.body === undefined ? undefined : parseBody(spec, await readJson(req))
  }
}

/** Checks a body; the code of a failure depends on where it is (route `bodyErrors`). */
function parseBody (spec: RouteSpec, json: unknown): unknown {
  const result = spec.body?.safeParse(json)
  if (result === undefined || result.success) return result?.data
  const first = String(result.error.issues[0]?.path[0] ?? '')
  const code = spec.bodyErrors?.[first] ?? spec.bodyErrors?.[''] ?? ApiError.BAD_REQUEST
  return parseWith(spec.body as NonNullable<RouteSpec['body']>, json, code)
}
