/**
 * `fulcrum web`: serves the web page on 127.0.0.1 (src/web/server.ts) with the given nodes
 * preselected, until SIGINT/SIGTERM. The page is a light client of its own: it dials the nodes
 * over WebSockets and verifies every offer in the browser.
 */
import { defaultConfig, loadConfig } from '../../datadir/index.js'
import { startWebServer } from '../../web/server.js'
import { ExitCode, usageError } from '../command.js'
import type { Command } from '../command.js'
import { listSetting } from './daemon.js'

export const webCommand: Command = {
  usage: '[--port PORT] [--peer MULTIADDR]... [--data-dir DIR]',
  details: [
    'Serves the page on http://127.0.0.1:PORT/ (loopback only; --port 0 or none: any free port) and prints its URL.',
    'Nodes: --peer (repeatable), else FULCRUM_PEERS (comma-separated): WebSocket addresses with a peer id,',
    '/ip4/ADDR/tcp/PORT/ws/p2p/ID, as `fulcrum status` lists them (a node listens on WebSockets per its',
    'config\'s webSocketListen). The page asks them at once and shows only offers it verified itself.',
    '--data-dir: the page may dial the config\'s allowedDialRanges (default 127.0.0.0/8).'
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
    const server = await startWebServer({ port, peers: listSetting(args, 'peer', io.env.FULCRUM_PEERS) ?? [], allowedDialRanges: config.allowedDialRanges })
    let onSignal: () => void = () => {}
    const stopped = new Promise<void>(resolve => { onSignal = resolve })
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      io.out(`web ${server.url}`)
      await stopped
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await server.close()
    }
    return ExitCode.OK
  }
}
