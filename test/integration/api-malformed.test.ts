/**
 * Malformed requests against every route of a real node's control API (real backend, catalog,
 * ledger): each gets a 4xx with a stable code, never a 500, a hang or a crash; the node still
 * answers afterwards.
 */
import { strict as assert } from 'node:assert'
import { request } from 'node:http'
import { join } from 'node:path'
import { initDataDir, loadApiToken } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { tempDir } from '../helpers/tmp.js'

/** One request: method, path, body (a string sent as is) and content type (default JSON). */
interface Case { method: string, path: string, body?: string, type?: string | null }

const big = JSON.stringify({ pad: 'x'.repeat(70_000) })
const bodies = ['', 'null', '1', '"x"', '[]', '{}', '{"a":', '{"__proto__":{"x":1}}', 'true', '[null]', '{"v":1}', big]

const cases: Case[] = [
  ...bodies.map(body => ({ method: 'POST', path: '/v1/offers', body })),
  ...bodies.map(body => ({ method: 'POST', path: '/v1/ledger/entries', body })),
  ...bodies.filter(b => b !== '{}').map(body => ({ method: 'POST', path: '/v1/search', body })),
  ...['{"filter":"x"}', '{"filter":null}', '{"filter":[]}', '{"filter":{"type":5}}', '{"filter":{"maxPrice":null}}',
    '{"filter":{"maxPrice":"x"}}', '{"filter":{"maxPrice":{"amount":1,"unit":"hour"}}}', '{"filter":{"countries":"IT"}}',
    '{"filter":{"countries":[1]}}', '{"filter":{"minSpecs":[]}}', '{"filter":{"minSpecs":{"vcpu":"8"}}}',
    '{"filter":{"minCapacity":-1}}', '{"filter":{"minAvailability":{}}}', '{"filter":{"certifications":{}}}',
    '{"filter":{"unknown":1}}', '{"limit":-1}', '{"limit":1.5}', '{"limit":"x"}', '{"cursor":5}', '{"cursor":"not-a-cursor"}',
    '{"filter":{"currency":"EUR","maxPrice":{"amount":"x","unit":"hour"}}}', '{"extra":1}'
  ].map(body => ({ method: 'POST', path: '/v1/search', body })),
  ...['{"type":"agreement"}', '{"type":"agreement","body":null,"sigs":[]}', '{"type":"agreement","body":{},"sigs":"x"}',
    '{"type":"agreement","body":{"id":"a","parties":"x","createdAt":1,"terms":{}},"sigs":[]}',
    '{"type":5,"body":{},"sigs":[null]}'
  ].map(body => ({ method: 'POST', path: '/v1/ledger/entries', body })),
  ...['{"kind":"offer","v":1,"body":null,"signature":"x"}', '{"v":1,"kind":"offer","body":{},"signature":5}',
    '{"service":null}', '{"price":"x"}', '{"id":5}', '{"expiresAt":"x"}', '{"location":[]}'
  ].map(body => ({ method: 'POST', path: '/v1/offers', body })),
  { method: 'POST', path: '/v1/offers', body: '{"id":"x"}', type: 'text/plain' },
  { method: 'POST', path: '/v1/offers', body: '{"id":"x"}', type: null },
  { method: 'POST', path: '/v1/search', body: '{}', type: 'application/x-www-form-urlencoded' },
  { method: 'DELETE', path: '/v1/offers/%E0%A4%A' },
  { method: 'DELETE', path: '/v1/offers/%' },
  { method: 'DELETE', path: '/v1/offers/nope' },
  { method: 'DELETE', path: '/v1/offers/' + 'x'.repeat(5000) },
  { method: 'GET', path: '/v1/offers/x' },
  { method: 'PUT', path: '/v1/search' },
  { method: 'GET', path: '/v1/health', body: 'x', type: 'text/plain' },
  { method: 'GET', path: '/v1//health' },
  { method: 'GET', path: '/v2/health' },
  { method: 'PATCH', path: '/v1/ledger/entries' }
]

/** Sends a raw request (node:http, which, unlike fetch, sends a body with any method). */
async function send (url: string, c: Case, token: string): Promise<{ status: number, json: { error?: { code?: unknown } } }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (c.body !== undefined && c.type !== null) headers['content-type'] = c.type ?? 'application/json'
  if (c.body !== undefined) headers['content-length'] = String(Buffer.byteLength(c.body))
  return await new Promise((resolve, reject) => {
    const req = request(`${url}${c.path}`, { method: c.method, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
        } catch (err) { reject(err) }
      })
    })
    req.on('error', reject)
    req.end(c.body)
  })
}

describe('api: malformed requests against a real node', function () {
  this.timeout(60_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let node: FulcrumNode
  let token: string

  before(async () => {
    tmp = await tempDir()
    const dir = join(tmp.path, 'node')
    await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 0 })
    node = await createNode({ dataDir: dir })
    await node.start()
    token = await loadApiToken(dir)
  })
  after(async () => {
    await node?.stop()
    await tmp.cleanup()
  })

  it('answers each with a 4xx and a code, never 500, and keeps serving', async () => {
    const failures: string[] = []
    for (const c of cases) {
      const res = await send(node.apiUrl ?? '', c, token)
      const json = res.json
      const label = `${c.method} ${c.path.slice(0, 40)} ${(c.body ?? '').slice(0, 60)} [${String(c.type)}]`
      if (res.status < 400 || res.status >= 500 || typeof json.error?.code !== 'string') failures.push(`${label} -> ${res.status} ${JSON.stringify(json).slice(0, 200)}`)
    }
    assert.deepEqual(failures, [])
    const health = await fetch(`${node.apiUrl ?? ''}/v1/status`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(health.status, 200)
  })
})
