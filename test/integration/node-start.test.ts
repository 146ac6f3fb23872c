/**
 * Starting a node that cannot start: a malformed address, a listen port in use, a data dir whose
 * stores another process holds, an API port in use. Each fails with its own code (never an error
 * from cleaning up), in process and through `fulcrum start`, and leaves nothing behind: no
 * listener, no open store, no api.json, no signal handler.
 */
import { strict as assert } from 'node:assert'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { join } from 'node:path'
import { initDataDir, loadIdentity } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { Catalog } from '../../src/catalog/index.js'
import { MerkleLog } from '../../src/log/index.js'
import { isFulcrumError } from '../../src/errors/index.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

/** Asserts that `err` is a FulcrumError with `code`; returns it. */
function coded (code: string): (err: unknown) => true {
  return (err: unknown) => isFulcrumError(err, code) || assert.fail(`expected ${code}, got ${String((err as { code?: string }).code)}: ${String(err)}`)
}

/** A TCP server on 127.0.0.1 holding a port. */
async function holdPort (port = 0): Promise<{ server: Server, port: number }> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => { resolve() }) })
  const address = server.address()
  assert.ok(address !== null && typeof address === 'object')
  return { server, port: address.port }
}

async function release (server: Server): Promise<void> {
  await new Promise<void>(resolve => { server.close(() => { resolve() }) })
}

/** A port that is free now (held and released). */
async function freePort (): Promise<number> {
  const { server, port } = await holdPort()
  await release(server)
  return port
}

describe('node start failures', function () {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dataDir: string
  let n = 0
  const nodes: FulcrumNode[] = []
  const held: Server[] = []

  /** A fresh, initialised data dir listening on any free port. */
  async function freshDir (): Promise<string> {
    const dir = join(tmp.path, `node-${n++}`)
    await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 0 })
    return dir
  }

  /** Proves the stores of `dir` are closed: a node opens, starts and stops on it. */
  async function assertReusable (dir: string): Promise<void> {
    const node = await createNode({ dataDir: dir, config: { listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 0 } })
    await node.start()
    await node.stop()
  }

  before(async () => { tmp = await tempDir() })
  beforeEach(async () => { dataDir = await freshDir() })
  after(async () => {
    for (const node of nodes) await node.stop()
    for (const server of held) await release(server)
    await tmp.cleanup()
  })

  describe('malformed addresses', () => {
    it('refuses a listen address that is not a multiaddr with NET_BAD_ADDRESS naming it, before opening anything', async () => {
      await assert.rejects(createNode({ dataDir, config: { listen: ['127.0.0.1:4103'] } }), (err: unknown) => {
        coded('NET_BAD_ADDRESS')(err)
        assert.ok((err as Error).message.includes('127.0.0.1:4103'))
        return true
      })
      // The stores were never opened: they can be opened now.
      const catalog = await Catalog.open(join(dataDir, 'catalog'))
      await catalog.close()
      await assertReusable(dataDir)
    })

    it('refuses a listen address the TCP transport cannot listen on with NET_BAD_ADDRESS', async () => {
      for (const listen of ['/ip4/127.0.0.1/udp/4103', '/ip4/127.0.0.1', '/dns4/localhost/tcp/4103', '/ip4/127.0.0.1/tcp/4103/ws']) {
        await assert.rejects(createNode({ dataDir, config: { listen: [listen] } }), coded('NET_BAD_ADDRESS'), listen)
      }
    })

    it('refuses a malformed bootstrap address and dial range with NET_BAD_ADDRESS', async () => {
      await assert.rejects(createNode({ dataDir, config: { bootstrap: ['localhost:4001'] } }), (err: unknown) => {
        coded('NET_BAD_ADDRESS')(err)
        assert.ok((err as Error).message.includes('localhost:4001'))
        return true
      })
      await assert.rejects(createNode({ dataDir, config: { allowedDialRanges: ['127.0.0.0/99'] } }), coded('NET_BAD_ADDRESS'))
      await assertReusable(dataDir)
    })

    it('fulcrum start --listen HOST:PORT exits 2 with NET_BAD_ADDRESS and leaves no api.json', async () => {
      const sigint = process.listenerCount('SIGINT')
      const run = await cli(['start', '--data-dir', dataDir, '--listen', '127.0.0.1:4103'])
      assert.equal(run.code, 2)
      assert.match(run.err, /NET_BAD_ADDRESS/)
      assert.ok(run.err.includes('127.0.0.1:4103'))
      assert.doesNotMatch(run.err, /Pubsub/)
      assert.equal(existsSync(join(dataDir, 'api.json')), false)
      assert.equal(process.listenerCount('SIGINT'), sigint)
    })
  })

  describe('a listen port in use', () => {
    it('fails start() with NET_LISTEN_FAILED naming the address and EADDRINUSE, and stops every listener it had opened', async () => {
      const busy = await holdPort()
      held.push(busy.server)
      const free = await freePort()
      const busyAddr = `/ip4/127.0.0.1/tcp/${busy.port}`
      const node = await createNode({ dataDir, config: { listen: [`/ip4/127.0.0.1/tcp/${free}`, busyAddr], apiPort: 0 } })
      await assert.rejects(node.start(), (err: unknown) => {
        coded('NET_LISTEN_FAILED')(err)
        assert.ok((err as Error).message.includes(busyAddr))
        assert.equal(((err as Error).cause as { code?: string }).code, 'EADDRINUSE')
        return true
      })
      assert.equal(node.libp2p.status, 'stopped')
      assert.equal(node.apiUrl, undefined)
      assert.equal(existsSync(join(dataDir, 'api.json')), false)
      // The address that did listen was closed again.
      await release((await holdPort(free)).server)
      // stop() after a failed start has nothing left to do and does not throw.
      await node.stop()
      await assertReusable(dataDir)
    })

    it('fulcrum start on a port in use exits 2 with NET_LISTEN_FAILED (not a cleanup error) and leaves no api.json', async () => {
      const first = await createNode({ dataDir: await freshDir(), config: { listen: ['/ip4/127.0.0.1/tcp/0'], apiPort: 0 } })
      nodes.push(first)
      await first.start()
      const addr = (first.multiaddrs()[0] as string).replace(/\/p2p\/.*$/, '')
      const sigint = process.listenerCount('SIGINT')
      const run = await cli(['start', '--data-dir', dataDir, '--listen', addr, '--log-level', 'debug'])
      assert.equal(run.code, 2)
      assert.match(run.err, /NET_LISTEN_FAILED/)
      assert.ok(run.err.includes(addr))
      assert.match(run.err, /EADDRINUSE/)
      assert.doesNotMatch(run.err, /Pubsub/)
      assert.equal(existsSync(join(dataDir, 'api.json')), false)
      assert.equal(process.listenerCount('SIGINT'), sigint)
      await assertReusable(dataDir)
    })
  })

  describe('a data dir in use', () => {
    it('refuses a second node on a running node\'s data dir with DATADIR_LOCKED naming the pid, and leaves its api.json alone', async () => {
      const first = await createNode({ dataDir })
      nodes.push(first)
      await first.start()
      await assert.rejects(createNode({ dataDir }), (err: unknown) => {
        coded('DATADIR_LOCKED')(err)
        assert.ok((err as Error).message.includes(`pid ${process.pid}`))
        return true
      })
      const run = await cli(['start', '--data-dir', dataDir])
      assert.equal(run.code, 2)
      assert.match(run.err, /DATADIR_LOCKED/)
      assert.ok(existsSync(join(dataDir, 'api.json')))
      await first.stop()
      nodes.splice(nodes.indexOf(first), 1)
      assert.equal(existsSync(join(dataDir, 'api.json')), false)
    })

    it('gives DATADIR_LOCKED when only the ledger is held, and closes the catalog it had opened', async () => {
      const log = await MerkleLog.open(join(dataDir, 'ledger'), { signer: await loadIdentity(dataDir) })
      try {
        await assert.rejects(createNode({ dataDir }), coded('DATADIR_LOCKED'))
        // The catalog is closed again.
        const catalog = await Catalog.open(join(dataDir, 'catalog'))
        await catalog.close()
      } finally {
        await log.close()
      }
      await assertReusable(dataDir)
    })
  })

  describe('an API port in use', () => {
    it('fails start() with API_LISTEN_FAILED and stops libp2p and the stores', async () => {
      const busy = await holdPort()
      held.push(busy.server)
      const node = await createNode({ dataDir, config: { apiPort: busy.port } })
      await assert.rejects(node.start(), coded('API_LISTEN_FAILED'))
      assert.equal(node.libp2p.status, 'stopped')
      assert.equal(existsSync(join(dataDir, 'api.json')), false)
      await node.stop()
      await assertReusable(dataDir)
    })
  })
})
