/**
 * The demo's supervisor: runs `fulcrum start` daemons as child processes and makes sure that
 * none outlives it, however it ends.
 *
 * - Each daemon runs with `--exit-with-parent` and a pipe as its stdin whose other end only the
 *   supervisor holds: when the supervisor's process dies, even by SIGKILL (which no handler sees),
 *   the kernel closes the pipe and the daemon stops itself cleanly.
 * - `stopAll()` (on Ctrl-C, SIGTERM, failure or the end) sends SIGTERM to every daemon still
 *   running and SIGKILL to any that has not exited after {@link DAEMON_STOP_TIMEOUT_MS}.
 * - `killAllNow()` is the synchronous last resort for `process.on('exit')`.
 * Daemons run in their own process group, so a Ctrl-C in the terminal reaches only the
 * supervisor, which stops them in order, rather than every process at once.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

/**
 * Failure bound for a daemon to print its address: opening its stores and libp2p take about a
 * second, many times more on a machine busy with other work.
 */
export const DAEMON_START_TIMEOUT_MS = 60_000
/** How long a daemon may take to stop after SIGTERM (closing libp2p, the API and its stores) before SIGKILL. */
export const DAEMON_STOP_TIMEOUT_MS = 10_000
/** How much of a daemon's stderr is kept, to explain a failed start. */
const STDERR_TAIL_BYTES = 8 * 1024

/** A daemon that the supervisor started and that printed its addresses. */
export interface SupervisedDaemon {
  name: string
  dataDir: string
  pid: number
  peerId: string
  /** First listen multiaddr, with /p2p/. */
  addr: string
  apiUrl: string
}

interface Child { proc: ChildProcess, exited: Promise<void> }

/** Starts and stops the demo's daemons; see the module doc. */
export class Supervisor {
  private readonly children = new Map<string, Child>()
  private closed = false

  /** `bin`: the `fulcrum` executable (bin/fulcrum.js) that runs the built CLI. */
  constructor (private readonly bin: string) {}

  /** Pids of the daemons still running. */
  pids (): number[] {
    return [...this.children.values()].filter(c => running(c.proc)).map(c => c.proc.pid as number)
  }

  /**
   * Starts `fulcrum start --data-dir dataDir --exit-with-parent ...args` as `name` and resolves
   * once it prints its addresses. If it exits first or does not print them within
   * {@link DAEMON_START_TIMEOUT_MS}, it is stopped and this rejects with its stderr. Once
   * {@link stopAll} was called it starts nothing (a step still under way after Ctrl-C must not
   * start a daemon that nobody will stop).
   */
  async start (name: string, dataDir: string, args: string[]): Promise<SupervisedDaemon> {
    if (this.closed) throw new Error(`not starting the ${name} daemon: the demo is stopping`)
    const proc = spawn(process.execPath, [this.bin, 'start', '--data-dir', dataDir, '--exit-with-parent', ...args],
      { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    const exited = new Promise<void>(resolve => { proc.once('exit', () => { resolve() }) })
    proc.once('error', () => {})
    proc.stdin?.on('error', () => {})
    this.children.set(name, { proc, exited })
    let out = ''
    let err = ''
    proc.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-STDERR_TAIL_BYTES) })
    const printed = await new Promise<boolean>(resolve => {
      const timer = setTimeout(() => { resolve(false) }, DAEMON_START_TIMEOUT_MS)
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString()
        if (/^api \S+$/m.test(out)) { clearTimeout(timer); resolve(true) }
      })
      void exited.then(() => { clearTimeout(timer); resolve(false) })
    })
    const peerId = /^fulcrum node (\S+)$/m.exec(out)?.[1]
    const addr = /^listening on (\S+)/m.exec(out)?.[1]
    const apiUrl = /^api (\S+)$/m.exec(out)?.[1]
    if (!printed || peerId === undefined || addr === undefined || apiUrl === undefined) {
      await this.stop(name)
      const why = err.trim().split('\n').slice(-3).join('\n')
      throw new Error(`the ${name} daemon did not start (exit code ${String(proc.exitCode)})${why === '' ? '' : `: ${why}`}`)
    }
    return { name, dataDir, pid: proc.pid as number, peerId, addr, apiUrl }
  }

  /** Stops one daemon: SIGTERM, then SIGKILL after {@link DAEMON_STOP_TIMEOUT_MS}. */
  async stop (name: string): Promise<void> {
    const child = this.children.get(name)
    if (child === undefined) return
    if (running(child.proc)) {
      child.proc.kill('SIGTERM')
      const timer = setTimeout(() => { child.proc.kill('SIGKILL') }, DAEMON_STOP_TIMEOUT_MS)
      await child.exited
      clearTimeout(timer)
    }
    child.proc.stdin?.destroy()
    this.children.delete(name)
  }

  /** Stops every daemon still running, all at once, and starts no more; resolves when all have exited. */
  async stopAll (): Promise<void> {
    this.closed = true
    await Promise.all([...this.children.keys()].map(async name => { await this.stop(name) }))
  }

  /** SIGKILL to every daemon still running, synchronously (for `process.on('exit')`); starts no more. */
  killAllNow (): void {
    this.closed = true
    for (const c of this.children.values()) if (running(c.proc)) c.proc.kill('SIGKILL')
  }
}

function running (proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null
}
