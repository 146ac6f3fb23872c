import { strict as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { ROUTES, openApiDocument, openApiText } from '../../../src/api/index.js'
import { httpStatus } from '../../../src/errors/index.js'

const COMMITTED = new URL('../../../protocols/api-v1.openapi.json', import.meta.url)

describe('api: the OpenAPI document', () => {
  it('is committed exactly as generated from the route table (npm run openapi rewrites it)', async () => {
    assert.equal(await readFile(COMMITTED, 'utf8'), openApiText(), 'protocols/api-v1.openapi.json is stale: run npm run openapi')
  })

  it('describes every route of the table once, with its method, auth and success status', () => {
    const doc = openApiDocument() as { openapi: string, paths: Record<string, Record<string, { operationId: string, security?: unknown[], responses: Record<string, unknown> }>> }
    assert.equal(doc.openapi, '3.1.0')
    const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ path, method, op })))
    assert.deepEqual(ops.map(o => o.op.operationId).sort(), Object.keys(ROUTES).sort())
    for (const { path, method, op } of ops) {
      const spec = ROUTES[op.operationId as keyof typeof ROUTES]
      assert.equal(spec.path, path)
      assert.equal(spec.method.toLowerCase(), method)
      assert.equal(op.security === undefined, spec.auth, `${op.operationId}: public routes say security: []`)
      assert.ok(op.responses[String(spec.status)] !== undefined, op.operationId)
    }
  })

  it('lists each declared error code under the HTTP status that errors/status.ts gives it', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId: string, responses: Record<string, { description: string }> }>> }
    for (const byMethod of Object.values(doc.paths)) {
      for (const op of Object.values(byMethod)) {
        for (const code of ROUTES[op.operationId as keyof typeof ROUTES].errors) {
          const status = httpStatus(code.replace(/\*$/, 'X'))
          assert.match(op.responses[String(status)]?.description ?? '', new RegExp(code.replace('*', '\\*')), `${op.operationId} ${code}`)
        }
      }
    }
  })
})
