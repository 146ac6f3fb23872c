import { strict as assert } from 'node:assert'
import { request } from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startWebServer, CONTENT_SECURITY_POLICY } from '../../../src/web/server.js'
import type { WebServer } from '../../../src/web/server.js'
import { WebError } from '../../../src/web/errors.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { tempDir } from '../../helpers/tmp.js'

const PEER = '/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooWGRUVh6bhzeFpNbtjgdgn4uSCnNfHTTRHaK2Rb4BmChk9'

/** A raw request with any Host header (fetch cannot set Host). */
async function raw (url: string, options: { method?: string, host?: string } = {}): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
  const u = new URL(url)
  return await new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: options.method ?? 'GET', headers: options.host === undefined ? {} : { host: options.host } }, res => {
      let body = ''
      res.on('data', (d: Buffer) => { body += d.toString() })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }) })
    })
    req.on('error', reject)
    req.end()
  })
}

describe('web: the page server', function () {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let server: WebServer | undefined
  before(async () => {
    tmp = await tempDir()
    await mkdir(join(tmp.path, 'web'))
    await writeFile(join(tmp.path, 'web', 'index.html'), '<!doctype html><title>t</title>')
    await writeFile(join(tmp.path, 'web', 'app.js'), 'export {}')
  })
  afterEach(async () => { await server?.close(); server = undefined })
  after(async () => { await tmp.cleanup() })

  it('serves the page, its files and boot.json on 127.0.0.1 with a strict content security policy', async () => {
    server = await startWebServer({ port: 0, peers: [PEER], allowedDialRanges: ['127.0.0.0/8'], assetsDir: join(tmp.path, 'web') })
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
    const page = await raw(server.url)
    assert.equal(page.status, 200)
    assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY)
    assert.equal(page.headers['x-frame-options'], 'DENY')
    assert.deepEqual(JSON.parse((await raw(`${server.url}boot.json`)).body), { peers: [PEER], allowedDialRanges: ['127.0.0.0/8'], provider: false })
    assert.equal((await raw(`${server.url}app.js`)).status, 200)
    assert.equal((await raw(`${server.url}../package.json`)).status, 404)
    assert.equal((await raw(`${server.url}api/v1/status`)).status, 404, 'no console without a data dir')
  })

  it('refuses other methods, and Host names other than its own (DNS rebinding)', async () => {
    server = await startWebServer({ port: 0, peers: [], allowedDialRanges: ['127.0.0.0/8'], assetsDir: join(tmp.path, 'web') })
    const port = new URL(server.url).port
    assert.equal((await raw(server.url, { method: 'POST' })).status, 405)
    assert.equal((await raw(server.url, { host: `attacker.example:${port}` })).status, 421)
    assert.equal((await raw(server.url, { host: `localhost:${port}` })).status, 200)
  })

  it('takes only WebSocket peers with a peer id, and says when the page is not built', async () => {
    const dir = join(tmp.path, 'web')
    for (const bad of ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGRUVh6bhzeFpNbtjgdgn4uSCnNfHTTRHaK2Rb4BmChk9', '/ip4/127.0.0.1/tcp/4002/ws', 'nope']) {
      await assert.rejects(startWebServer({ port: 0, peers: [bad], allowedDialRanges: [], assetsDir: dir }), (e: unknown) => isFulcrumError(e, WebError.BAD_PEER), bad)
    }
    await assert.rejects(startWebServer({ port: 0, peers: [], allowedDialRanges: [], assetsDir: join(tmp.path, 'missing') }), (e: unknown) => isFulcrumError(e, WebError.NOT_BUILT))
  })
})
