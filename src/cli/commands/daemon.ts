/**
 * `fulcrum start` runs a node; `fulcrum offer publish|withdraw|list` and `fulcrum peers` talk to
 * the running node through its control API, found via the data dir.
 */
import { fstatSync } from 'node:fs'
import { removeStaleApiFile } from '../../datadir/index.js'
import type { NodeConfig } from '../../datadir/index.js'
import { createPinoLogger } from '../../logging/pino.js'
import type { LogLevel } from '../../logging/index.js'
import { ApiClient } from '../../api/index.js'
import type { PublishResult } from '../../api/index.js'
import type { RecordJson } from '../../offers/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, WIDE_OPTION, ExitCode, dataDirOf, printJson, usageError } from '../command.js'
import type { CliIO, Command, CommandArgs } from '../command.js'
import { readJson } from '../files.js'
import { formatTime, peerCell, renderTable } from '../table.js'

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

/** A list flag, else a comma-separated environment variable, else undefined (config decides). */
export function listSetting (args: CommandArgs, flag: string, env: string | undefined): string[] | undefined {
  const v = args.values[flag]
  if (Array.isArray(v) && v.length > 0) return v
  if (env !== undefined && env.trim() !== '') return env.split(',').map(s => s.trim()).filter(s => s !== '')
  return undefined
}

function startOverrides (args: CommandArgs, io: CliIO): Partial<NodeConfig> {
  const config: Partial<NodeConfig> = {}
  const listen = listSetting(args, 'listen', io.env.FULCRUM_LISTEN)
  if (listen !== undefined) config.listen = listen
  const wsListen = listSetting(args, 'ws-listen', io.env.FULCRUM_WS_LISTEN)
  if (wsListen !== undefined) config.webSocketListen = wsListen.filter(a => a !== 'none')
  const bootstrap = listSetting(args, 'bootstrap', io.env.FULCRUM_BOOTSTRAP)
  if (bootstrap !== undefined) config.bootstrap = bootstrap
  const port = typeof args.values['api-port'] === 'string' ? args.values['api-port'] : io.env.FULCRUM_API_PORT
  if (port !== undefined && port !== '') {
    const n = Number(port)
    if (!Number.isInteger(n) || n < 0 || n > 65535) usageError(`--api-port must be a port number from 0 (any free port) to 65535, got '${port}'`)
    config.apiPort = n
  }
  const metrics = typeof args.values['metrics-listen'] === 'string' ? args.values['metrics-listen'] : io.env.FULCRUM_METRICS_LISTEN
  // Checked with the rest of the config by createNode (METRICS_BAD_LISTEN, METRICS_NOT_LOOPBACK).
  if (metrics !== undefined && metrics !== '') config.metrics = { listen: metrics }
  return config
}

/**
 * `--exit-with-parent`: stop when standard input closes. A supervisor (the demo) gives each daemon
 * a pipe as stdin and keeps the other end; the kernel closes it when the supervisor dies, even by
 * SIGKILL, which no signal handler sees: so a daemon never outlives the process that started it.
 * Returns the function that stops watching (so that stdin no longer keeps the process alive).
 * Throws `CLI_USAGE` when stdin is not a pipe or socket (a terminal or /dev/null would stop the
 * daemon at once or never).
 */
export function exitWithParent (onParentGone: () => void): () => void {
  const stat = fstatSync(0)
  if (!stat.isFIFO() && !stat.isSocket()) usageError('--exit-with-parent needs standard input to be a pipe from the parent process')
  const stdin = process.stdin
  const gone = (): void => { onParentGone() }
  const discard = (): void => {}
  stdin.on('data', discard)
  stdin.once('end', gone)
  stdin.once('close', gone)
  stdin.once('error', gone)
  return () => {
    stdin.off('data', discard)
    stdin.off('end', gone)
    stdin.off('close', gone)
    stdin.off('error', gone)
    stdin.destroy()
  }
}

/** The flag, or `FULCRUM_EXIT_WITH_PARENT=1`. */
function wantsExitWithParent (args: CommandArgs, io: CliIO): boolean {
  return args.values['exit-with-parent'] === true || io.env.FULCRUM_EXIT_WITH_PARENT === '1'
}

export const startCommand: Command = {
  usage: '--data-dir DIR [--listen MULTIADDR]... [--ws-listen MULTIADDR|none]... [--bootstrap MULTIADDR]... [--api-port PORT] [--metrics-listen HOST:PORT] [--log-level LEVEL] [--exit-with-parent] [--json]',
  details: '--ws-listen (or FULCRUM_WS_LISTEN, comma-separated): WebSocket listen addresses /ip4/ADDR/tcp/PORT/ws, what a ' +
    'browser page dials (default: the config\'s webSocketListen, a free loopback port); none: no WebSocket listener.\n' +
    '--exit-with-parent (or FULCRUM_EXIT_WITH_PARENT=1): stop cleanly when standard input closes, i.e. when the ' +
    'supervisor that started the daemon with a pipe as its stdin exits, even if it was killed with SIGKILL.',
  options: {
    ...DATA_DIR_OPTION,
    listen: { type: 'string', multiple: true },
    'ws-listen': { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    'api-port': { type: 'string' },
    'metrics-listen': { type: 'string' },
    'log-level': { type: 'string' },
    'exit-with-parent': { type: 'boolean' }
  },
  async run (args, io) {
    const dataDir = dataDirOf(args, io)
    const level = (args.values['log-level'] ?? io.env.FULCRUM_LOG_LEVEL ?? 'info') as LogLevel
    if (!LOG_LEVELS.includes(level)) usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`)
    let onSignal: (signal: NodeJS.Signals | 'parent-exited' | 'api') => void = () => {}
    const stopped = new Promise<NodeJS.Signals | 'parent-exited' | 'api'>(resolve => { onSignal = resolve })
    // Before anything starts: a supervisor that dies while the node starts still stops it.
    const unwatch = wantsExitWithParent(args, io) ? exitWithParent(() => { onSignal('parent-exited') }) : () => {}
    const logger = createPinoLogger({ level, write: io.err, pretty: io.stderrIsTTY === true })
    const dead = await removeStaleApiFile(dataDir)
    if (dead !== undefined) logger.warn('removed the api.json of an earlier daemon that died without stopping', { component: 'node', pid: dead })
    // createNode checks the addresses and opens the stores; a failed start stops and closes
    // everything itself and throws its cause (NET_BAD_ADDRESS, DATADIR_LOCKED, NET_LISTEN_FAILED, ...).
    // Loaded here, not at the top: the API commands in this module must not load libp2p.
    const { createNode } = await import('../../node/index.js')
    let node
    try {
      // `fulcrum stop` (POST /v1/stop) stops the node as SIGTERM does.
      node = await createNode({ dataDir, config: startOverrides(args, io), logger, onStopRequest: () => { onSignal('api') } })
    } catch (err) {
      unwatch()
      throw err
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      await node.start()
      if (args.values.json === true) printJson(io, { peerId: node.identity.peerId, addresses: node.multiaddrs(), api: node.apiUrl ?? null, metrics: node.metricsUrl ?? null })
      else io.out(`fulcrum node ${node.identity.peerId}\nlistening on ${node.multiaddrs().join(' ')}\napi ${node.apiUrl ?? 'off'}\nmetrics ${node.metricsUrl ?? 'off'}`)
      const signal = await stopped
      logger.info('stopping', { component: 'node', signal })
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      unwatch()
      await node.stop()
    }
    return ExitCode.OK
  }
}

type RecordBody = { id?: string, seq?: number, expiresAt?: number, service?: { type?: string }, location?: { country?: string }, price?: { amount?: string, currency?: string, unit?: string } }

function describe (r: RecordJson): string {
  const b = r.body as RecordBody
  if (r.kind === 'withdrawal') return `withdrawal of ${b.id ?? '?'} (seq ${b.seq ?? '?'})`
  return `${b.id ?? '?'} seq ${b.seq ?? '?'}: ${b.service?.type ?? '?'} in ${b.location?.country ?? '?'} at ${b.price?.amount ?? '?'} ${b.price?.currency ?? ''}/${b.price?.unit ?? ''}, expires ${formatTime(b.expiresAt ?? 0)}`
}

/** One table row per offer: id, seq, type, country, price, expiry. */
function offerRow (r: RecordJson): string[] {
  const b = r.body as RecordBody
  return [b.id ?? '?', String(b.seq ?? '?'), b.service?.type ?? '?', b.location?.country ?? '?', `${b.price?.amount ?? '?'} ${b.price?.currency ?? ''}/${b.price?.unit ?? ''}`, formatTime(b.expiresAt ?? 0)]
}

export const offerPublishCommand: Command = {
  usage: 'FILE --data-dir DIR [--json]',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const client = await ApiClient.forDataDir(dataDirOf(args, io))
    const result = await client.call<PublishResult>('POST', '/v1/offers', await readJson(args.positionals[0] as string))
    if (args.values.json === true) printJson(io, result)
    else io.out(`${result.decision === 'store' ? 'published' : `not published (${result.decision})`}: ${describe(result.record)}`)
    return ExitCode.OK
  }
}

export const offerWithdrawCommand: Command = {
  usage: 'ID --data-dir DIR [--json]',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const client = await ApiClient.forDataDir(dataDirOf(args, io))
    const result = await client.call<PublishResult>('DELETE', `/v1/offers/${encodeURIComponent(args.positionals[0] as string)}`)
    if (args.values.json === true) printJson(io, result)
    else io.out(`withdrawn: ${describe(result.record)}`)
    return ExitCode.OK
  }
}

export const offerListCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const client = await ApiClient.forDataDir(dataDirOf(args, io))
    const { offers } = await client.call<{ offers: RecordJson[] }>('GET', '/v1/offers')
    if (args.values.json === true) printJson(io, offers)
    else io.out(offers.length === 0 ? 'no live offers' : renderTable(['OFFER', 'SEQ', 'TYPE', 'COUNTRY', 'PRICE', 'EXPIRES'], offers.map(offerRow), false, [2, 4]).join('\n'))
    return ExitCode.OK
  }
}

export const peersCommand: Command = {
  usage: '--data-dir DIR [--wide] [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION, ...WIDE_OPTION },
  async run (args, io) {
    const client = await ApiClient.forDataDir(dataDirOf(args, io))
    const { peers } = await client.call<{ peers: Array<{ peerId: string, addresses: string[] }> }>('GET', '/v1/peers')
    if (args.values.json === true) printJson(io, peers)
    else io.out(peers.length === 0 ? 'no peers' : renderTable(['PEER', 'ADDRESSES'], peers.map(p => [peerCell(p.peerId, args.values.wide === true), p.addresses.join(' ')]), args.values.wide === true, [1]).join('\n'))
    return ExitCode.OK
  }
}
