/**
 * The OpenAPI 3.1 document of the control API, generated from the route table (routes.ts) and
 * its zod schemas (schemas.ts): served at `GET /v1/openapi.json` and committed as
 * `protocols/api-v1.openapi.json` (`npm run openapi` rewrites it; a test checks that the committed
 * copy equals this). Named schemas become `#/components/schemas/*`; each operation lists the error
 * codes it may answer under the HTTP status that `errors/status.ts` gives them.
 */
import { z } from 'zod'
import { httpStatus } from '../errors/index.js'
import { ROUTES } from './routes.js'
import type { RouteSpec } from './routes.js'
import { commonErrors } from './router.js'
import { ERROR } from './schemas.js'
import { MAX_BODY_BYTES } from './body.js'

type Json = Record<string, unknown>

/** The document's version: bumped when a route or schema changes incompatibly. */
export const API_VERSION = '1.0.0'

const DESCRIPTION = [
  'The local control API of a Fulcrum node: HTTP/1.1 on 127.0.0.1 only. Every route but /health and',
  '/v1/openapi.json needs `Authorization: Bearer <token>` (the data dir\'s `api-token`; the daemon writes',
  'its URL to `api.json`). A request with a body must be `Content-Type: application/json` and at most',
  `${MAX_BODY_BYTES} bytes; a request must finish within 30 s. Errors are { "error": { "code", "message",`,
  '"path"? } } with a stable code; the HTTP status of each code comes from one table (src/errors/status.ts).',
  'A 500 (API_INTERNAL) means a bug.'
].join(' ')

/** Converts a schema, moving named schemas to `components` (shared across the document). */
function convert (schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json
  const { $schema: _, $defs, ...rest } = json
  for (const [name, def] of Object.entries(($defs ?? {}) as Json)) components[name] = rewriteRefs(def)
  const own = z.globalRegistry.get(schema)?.id
  if (own !== undefined) {
    // The schema itself is named: its body went to $defs too (as `$ref`), or is `rest`.
    if (!('$ref' in rest)) components[own] = rewriteRefs(rest)
    return { $ref: `#/components/schemas/${own}` }
  }
  return rewriteRefs(rest) as Json
}

function rewriteRefs (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs)
  if (typeof v !== 'object' || v === null) return v
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(x)]))
}

/** Parameters of one location (path or query) from an object schema. */
function parameters (schema: z.ZodObject | undefined, where: 'path' | 'query', components: Json): Json[] {
  if (schema === undefined) return []
  const json = convert(schema, 'input', components) as { properties?: Json, required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s
  }))
}

/** Error responses of an operation, by HTTP status, naming the codes. */
function errorResponses (spec: RouteSpec): Json {
  const byStatus = new Map<number, string[]>()
  for (const code of [...spec.errors, ...commonErrors(spec)]) {
    const status = httpStatus(code.replace(/\*$/, 'X'))
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [String(status), {
    description: `Error: ${codes.join(', ')}${codes.some(c => c.endsWith('*')) ? ' (`X_*`: any code of that module)' : ''}.`,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }
  }]))
}

function operation (id: string, spec: RouteSpec, components: Json): Json {
  return {
    operationId: id,
    summary: spec.summary,
    ...(spec.auth ? {} : { security: [] }),
    parameters: [...parameters(spec.params, 'path', components), ...parameters(spec.query, 'query', components)],
    ...(spec.body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: convert(spec.body, 'input', components) } } } }),
    responses: {
      [String(spec.status)]: { description: 'Success.', content: { 'application/json': { schema: convert(spec.response, 'output', components) } } },
      ...errorResponses(spec)
    }
  }
}

/** The OpenAPI 3.1 document (see module doc); deterministic, so the committed copy can be compared. */
export function openApiDocument (): Json {
  const components: Json = {}
  convert(ERROR, 'output', components)
  const paths: Record<string, Json> = {}
  for (const [id, spec] of Object.entries(ROUTES) as Array<[string, RouteSpec]>) {
    paths[spec.path] = { ...paths[spec.path], [spec.method.toLowerCase()]: operation(id, spec, components) }
  }
  const schemas = Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)))
  return {
    openapi: '3.1.0',
    info: { title: 'Fulcrum node control API', version: API_VERSION, description: DESCRIPTION },
    servers: [{ url: 'http://127.0.0.1:8080', description: 'the default API port; see the data dir\'s api.json' }],
    security: [{ bearer: [] }],
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the data dir\'s api-token' } } }
  }
}

/** The document as committed: two-space JSON with a final newline. */
export function openApiText (): string {
  return JSON.stringify(openApiDocument(), null, 2) + '\n'
}
