/**
 * Reading and checking request bodies: JSON only (`Content-Type: application/json`, so that a
 * browser page cannot send one cross-site without a CORS preflight), at most MAX_BODY_BYTES, and
 * shapes checked with zod schemas whose failures become a coded 4xx naming the field.
 */
import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import { FulcrumError } from '../errors/index.js'
import { ApiError } from './errors.js'

/** Largest request body: an offer is a few KiB; 64 KiB leaves room and bounds memory. */
export const MAX_BODY_BYTES = 64 * 1024

/** True if the request carries a body (declared length above 0, or chunked). */
export function hasBody (req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
}

/** Throws API_UNSUPPORTED_MEDIA_TYPE unless the request's media type is application/json. */
export function requireJsonMediaType (req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    throw new FulcrumError(ApiError.UNSUPPORTED_MEDIA_TYPE, `a request body must be Content-Type: application/json (got ${type === '' ? 'none' : type})`)
  }
}

/** Reads a JSON body of at most MAX_BODY_BYTES (API_UNSUPPORTED_MEDIA_TYPE, API_BODY_TOO_LARGE, API_BAD_REQUEST). */
export async function readJson (req: IncomingMessage): Promise<unknown> {
  requireJsonMediaType(req)
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

/**
 * Checks `value` against `schema`; on failure throws `code` with the path of the first bad field
 * (dotted, as FulcrumError paths are) and every problem in the message.
 */
export function parseWith<T> (schema: z.ZodType<T>, value: unknown, code: string, root = ''): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues
  const pathOf = (p: readonly PropertyKey[]): string => [root, ...p.map(String)].filter(s => s !== '').join('.')
  const first = issues[0]
  const message = issues.map(i => `${pathOf(i.path) || '(body)'}: ${i.message}`).join('; ')
  const path = first === undefined ? '' : pathOf(first.path)
  throw new FulcrumError(code, message, path === '' ? {} : { path })
}
