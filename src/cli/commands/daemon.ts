/**
 * `fulcrum start` runs a node; `fulcrum offer publish|withdraw|list` and `fulcrum peers` talk to
 * the running node through its control API, found via the data dir.
 */
import type { NodeConfig } from '../../datadir/index.js'
import { createPinoLogger } from '../../logging/pino.js'
import type { LogLevel } from '../../logging/index.js'
import { ApiClient } from '../../api/index.js'
import type { PublishResult } from '../../api/index.js'
import type { RecordJson } from '../../offers/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson, usageError } from '../command.js'
import type { CliIO, Command, CommandArgs } from '../command.js'
import { readJson } from '../files.js'

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
  const bootstrap = listSetting(args, 'bootstrap', io.env.FULCRUM_BOOTSTRAP)
  if (bootstrap !== undefined) config.bootstrap = bootstrap
  const port = typeof args.values['api-port'] === 'string' ? args.values['api-port'] : io.env.FULCRUM_API_PORT
  if (port !== undefined && port !== '') {
    const n = Number(port)
    if (!Number.isInteger(n) || n < 0 || n > 65535) usageError('--api-port must be a port number (0 for any free port)')
    config.apiPort = n
  }
  return config
}

export const startCommand: Command = {
  usage: '--data-dir DIR [--listen MULTIADDR]... [--bootstrap MULTIADDR]... [--api-port PORT] [--log-level LEVEL]',
  options: {
    ...DATA_DIR_OPTION,
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    'api-port': { type: 'string' },
    'log-level': { type: 'string' }
  },
  async run (args, io) {
    const dataDir = dataDirOf(args, io)
    const level = (args.values['log-level'] ?? io.env.FULCRUM_LOG_LEVEL ?? 'info') as LogLevel
    if (!LOG_LEVELS.includes(level)) usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`)
    const logger = createPinoLogger({ level, write: io.err, pretty: io.stderrIsTTY === true })
    // createNode checks the addresses and opens the stores; a failed start stops and closes
    // everything itself and throws its cause (NET_BAD_ADDRESS, DATADIR_LOCKED, NET_LISTEN_FAILED, ...).
    // Loaded here, not at the top: the API commands in this module must not load libp2p.
    const { createNode } = await import('../../node/index.js')
    let onSignal: (signal: NodeJS.Signals | 'api') => void = () => {}
    const stopped = new Promise<NodeJS.Signals | 'api'>(resolve => { onSignal = resolve })
    // `fulcrum stop` (POST /v1/stop) stops the node as SIGTERM does.
    const node = await createNode({ dataDir, config: startOverrides(args, io), logger, onStopRequest: () => { onSignal('api') } })
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      await node.start()
      io.out(`fulcrum node ${node.identity.peerId}\nlistening on ${node.multiaddrs().join(' ')}\napi ${node.apiUrl ?? 'off'}`)
      const signal = await stopped
      logger.info('stopping', { component: 'node', signal })
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await node.stop()
    }
    return ExitCode.OK
  }
}

function describe (r: RecordJson): string {
  const b = r.body as { id?: string, seq?: number, expiresAt?: number, service?: { type?: string }, location?: { country?: string }, price?: { amount?: string, currency?: string, unit?: string } }
  if (r.kind === 'withdrawal') return `withdrawal of ${b.id ?? '?'} (seq ${b.seq ?? '?'})`
  return `${b.id ?? '?'} seq ${b.seq ?? '?'}: ${b.service?.type ?? '?'} in ${b.location?.country ?? '?'} at ${b.price?.amount ?? '?'} ${b.price?.currency ?? ''}/${b.price?.unit ?? ''}, expires ${new Date(b.expiresAt ?? 0).toISOString()}`
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
    else io.out(offers.length === 0 ? 'no live offers' : offers.map(describe).join('\n'))
    return ExitCode.OK
  }
}

export const peersCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const client = await ApiClient.forDataDir(dataDirOf(args, io))
    const { peers } = await client.call<{ peers: Array<{ peerId: string, addresses: string[] }> }>('GET', '/v1/peers')
    if (args.values.json === true) printJson(io, peers)
    else io.out(peers.length === 0 ? 'no peers' : peers.map(p => `${p.peerId}  ${p.addresses.join(' ')}`).join('\n'))
    return ExitCode.OK
  }
}
