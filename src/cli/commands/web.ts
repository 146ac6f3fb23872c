/**
 * `fulcrum web`: serves the web page on 127.0.0.1 (src/web/server.ts) with the given nodes
 * preselected, until SIGINT/SIGTERM. The page is a light client of its own: it dials the nodes
 * over WebSockets and verifies every offer in the browser.
 */
import { randomBytes } from 'node:crypto'
import { defaultConfig, loadConfig } from '../../datadir/index.js'
import { startWebServer } from '../../web/server.js'
import { ExitCode, usageError } from '../command.js'
import type { Command } from '../command.js'
import { listSetting } from './daemon.js'

/** Random bytes of the provider console's key (256 bits: not guessable). */
const CONSOLE_KEY_BYTES = 32

export const webCommand: Command = {
  usage: '[--port PORT] [--peer MULTIADDR]... [--data-dir DIR]',
  details: [
    'Serves the page on http://127.0.0.1:PORT/ (loopback only; --port 0 or none: any free port) and prints its URL.',
    'Nodes: --peer (repeatable), else FULCRUM_PEERS (comma-separated): WebSocket addresses with a peer id,',
    '/ip4/ADDR/tcp/PORT/ws/p2p/ID, as `fulcrum status` lists them (a node listens on WebSockets per its',
    'config\'s webSocketListen). The page asks them at once and shows only offers it verified itself.',
    '--data-dir: the page may dial the config\'s allowedDialRanges (default 127.0.0.0/8), and it gets a Provider',
    'view of that data dir\'s running daemon (status, peers, own offers, holds and orders, ledger), read-only, through',
    'this server: the API token stays here; the printed URL carries a random key that only this page uses.'
  ].join('\n'),
  options: {
    port: { type: 'string' },
    peer: { type: 'string', multiple: true },
    'data-dir': { type: 'string' }
  },
  async run (args, io) {
    const portText = typeof args.values.port === 'string' ? args.values.port : '0'
    const port = Number(portText)
    if (!Number.isInteger(port) || port < 0 || port > 65535) usageError(`--port must be a port number from 0 (any free port) to 65535, got '${portText}'`)
    const dir = typeof args.values['data-dir'] === 'string' ? args.values['data-dir'] : io.env.FULCRUM_DATA_DIR
    const config = dir === undefined || dir === '' ? await defaultConfig() : await loadConfig(dir)
    // The provider console's key: only whoever reads this command's output can use the console.
    const key = dir === undefined || dir === '' ? undefined : randomBytes(CONSOLE_KEY_BYTES).toString('base64url')
    const server = await startWebServer({
      port,
      peers: listSetting(args, 'peer', io.env.FULCRUM_PEERS) ?? [],
      allowedDialRanges: config.allowedDialRanges,
      ...(key === undefined || dir === undefined ? {} : { console: { dataDir: dir, key } })
    })
    let onSignal: () => void = () => {}
    const stopped = new Promise<void>(resolve => { onSignal = resolve })
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      io.out(`web ${server.url}${key === undefined ? '' : `?key=${key}`}`)
      await stopped
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await server.close()
    }
    return ExitCode.OK
  }
}
