import { strict as assert } from 'node:assert'
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { createIdentity } from '../../src/identity/index.js'
import { searchOffers, ClientError } from '../../src/client/index.js'
import { isFulcrumError } from '../../src/errors/index.js'

/**
 * A "node" on 127.0.0.1 that resets every connection (TCP RST), at once or after reading the
 * first bytes of the handshake. The stock libp2p client of the network benchmark once died of an
 * uncaught ECONNRESET from @libp2p/tcp on such a dial; the light client must fail the search with a
 * code instead.
 */
async function resettingServer (afterBytes: number): Promise<{ addr: string, resets: () => number, close: () => Promise<void> }> {
  let resets = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer(socket => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    const reset = (): void => { resets++; socket.resetAndDestroy() }
    if (afterBytes === 0) { reset(); return }
    let seen = 0
    socket.on('data', (d: Buffer) => { seen += d.length; if (seen >= afterBytes && !socket.destroyed) reset() })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    addr: `/ip4/127.0.0.1/tcp/${port}/p2p/${createIdentity().peerId}`,
    resets: () => resets,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

describe('light client: a node that resets the connection', function () {
  this.timeout(60_000)
  const uncaught: unknown[] = []
  const onUncaught = (err: unknown): void => { uncaught.push(err) }
  // mocha installs its own handler; ours records what would have killed a plain process.
  before(() => { process.on('uncaughtException', onUncaught); process.on('unhandledRejection', onUncaught) })
  after(() => { process.off('uncaughtException', onUncaught); process.off('unhandledRejection', onUncaught) })

  for (const afterBytes of [0, 1]) {
    it(`fails the search with CLIENT_ALL_PEERS_FAILED, without an uncaught error, when the dial is reset ${afterBytes === 0 ? 'on accept' : 'during the handshake'}`, async () => {
      const server = await resettingServer(afterBytes)
      try {
        for (let i = 0; i < 5; i++) {
          await assert.rejects(searchOffers({ peers: [server.addr], filter: {} }), (e: unknown) => isFulcrumError(e, ClientError.ALL_PEERS_FAILED))
        }
        // Errors emitted after the search settled would surface on the next turns of the loop.
        for (let i = 0; i < 10; i++) await new Promise(resolve => setImmediate(resolve))
        assert.ok(server.resets() >= 5, `the server reset ${server.resets()} connections`)
        assert.deepEqual(uncaught.map(e => String(e)), [])
      } finally {
        await server.close()
      }
    })
  }
})
