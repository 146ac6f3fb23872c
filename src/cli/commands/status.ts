/**
 * `fulcrum status` and `fulcrum stop`: what the running daemon of a data dir is doing, and
 * stopping it cleanly, both through its control API. "No daemon runs" is an answer here, not a
 * failure to run: both print API_NOT_RUNNING and exit 1 (also when `api.json` was left behind
 * by a daemon that died: its process is gone).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { FulcrumError, isFulcrumError } from '../../errors/index.js'
import { ApiClient, ApiError, readApiInfo } from '../../api/index.js'
import { pidAlive } from '../../datadir/index.js'
import type { StatusJson } from '../../api/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson } from '../command.js'
import type { CliIO, Command } from '../command.js'
import { formatTime } from '../table.js'

/**
 * How long `fulcrum stop` waits for the process to exit: a node stops its parts in order (ledger
 * cosigning ends at its 10 s deadline, the stores close) in well under this even on a busy machine.
 */
export const STOP_WAIT_MS = 60_000
/** How often `fulcrum stop` looks whether the process has exited (no event tells another process). */
const STOP_POLL_MS = 100

/** The daemon's client and pid; API_NOT_RUNNING if no api.json, or its process is gone. */
async function runningDaemon (dir: string): Promise<{ client: ApiClient, pid: number }> {
  const client = await ApiClient.forDataDir(dir)
  const { pid } = await readApiInfo(dir)
  if (!pidAlive(pid)) throw new FulcrumError(ApiError.NOT_RUNNING, `no daemon is running for ${dir}: api.json names process ${pid}, which has exited`)
  return { client, pid }
}

/** Runs `fn`; API_NOT_RUNNING becomes the answer "not running", exit 1. */
async function ifRunning (io: CliIO, name: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn()
  } catch (err) {
    if (!isFulcrumError(err, ApiError.NOT_RUNNING)) throw err
    io.err(`fulcrum ${name}: ${err.code}: ${err.message}`)
    return ExitCode.INVALID
  }
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** "2d 3h 4m 5s", leading zero units left out. */
export function formatDuration (ms: number): string {
  const s = Math.floor(ms / 1000)
  const parts: Array<[number, string]> = [[Math.floor(s / 86_400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']]
  const first = parts.findIndex(([n]) => n > 0)
  return first < 0 ? '0s' : parts.slice(first).map(([n, u]) => `${n}${u}`).join(' ')
}

/** The human form of a status. */
export function statusText (s: StatusJson, url: string): string {
  const orders = Object.entries(s.orders).map(([k, n]) => `${k} ${n}`).join(', ')
  const rows: Array<[string, string]> = [
    ['node', s.peerId],
    ['uptime', `${formatDuration(s.uptimeMs)} (since ${formatTime(s.startedAt)})`],
    ['addresses', s.addresses.length === 0 ? '(none)' : s.addresses.join('\n           ')],
    ['peers', `${s.peers.connected} connected`],
    ['offers', `${s.offers.known} known, ${s.offers.own} own`],
    ['orders', orders],
    ['ledger', `${count(s.ledger.size, 'entry', 'entries')}, root ${s.ledger.checkpoint.root}`],
    ['api', url]
  ]
  return rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n')
}

export const statusCommand: Command = {
  usage: '--data-dir DIR [--json]',
  details: 'Exit 0 with the status; 1 with API_NOT_RUNNING if no daemon runs for DIR.',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const dir = dataDirOf(args, io)
    return await ifRunning(io, 'status', async () => {
      const { client } = await runningDaemon(dir)
      const status = await client.call<StatusJson>('GET', '/v1/status')
      if (args.values.json === true) printJson(io, { ...status, api: client.url })
      else io.out(statusText(status, client.url))
      return ExitCode.OK
    })
  }
}

export const stopCommand: Command = {
  usage: '--data-dir DIR [--json]',
  details: `Asks the daemon to stop (as SIGTERM does) and waits until its process has exited (at most ${STOP_WAIT_MS / 1000} s, else API_STOP_TIMEOUT).\n` +
    'Exit 0 once stopped; 1 with API_NOT_RUNNING if no daemon runs for DIR.',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const dir = dataDirOf(args, io)
    return await ifRunning(io, 'stop', async () => {
      const { client, pid } = await runningDaemon(dir)
      const started = Date.now()
      await client.call('POST', '/v1/stop')
      while (pidAlive(pid)) {
        if (Date.now() - started > STOP_WAIT_MS) throw new FulcrumError(ApiError.STOP_TIMEOUT, `daemon ${pid} did not exit within ${STOP_WAIT_MS / 1000} s`)
        await sleep(STOP_POLL_MS)
      }
      if (args.values.json === true) printJson(io, { stopped: true, pid, ms: Date.now() - started })
      else io.out(`stopped daemon ${pid} (${dir})`)
      return ExitCode.OK
    })
  }
}
