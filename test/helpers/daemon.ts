/** Real `fulcrum start` daemons as child processes (test/e2e): start, wait for the address, stop. */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { FULCRUM_BIN } from './bin.js'

/** A running daemon: its process, data directory, first listen address and exit code (once exited). */
export interface Daemon {
  proc: ChildProcess
  dir: string
  /** The first listen address (TCP). */
  addr: string
  /** Every address it printed (TCP, then WebSocket ones ending in /ws/p2p/ID). */
  addrs: string[]
  exited: Promise<number | null>
  stderr: () => string
}

/**
 * Failure bound for a daemon to print its address: opening the stores and libp2p take well under a
 * second, but a machine whose cores are busy with other work can make it many times slower.
 */
export const DAEMON_START_TIMEOUT_MS = 60_000
/** How long a daemon may take to stop after SIGTERM (closes libp2p, the API and the log) before it is killed. */
export const DAEMON_STOP_TIMEOUT_MS = 10_000

const LISTENING = /listening on (\S+)/
/** The whole line (complete only once its newline arrived): every address. */
const LISTENING_ALL = /listening on ([^\n]+)\n/

/**
 * Starts `fulcrum start --data-dir dir ...args` (with `env` added to this process's environment) and
 * resolves with its first listen address once it prints it. The listen address comes from `args`,
 * `env` or the data directory's config; the default is 127.0.0.1. If the daemon exits or does not
 * print an address in time, it is stopped and this rejects.
 */
export async function startDaemon (dir: string, args: string[], env: Record<string, string> = {}): Promise<Daemon> {
  const proc = spawn(process.execPath, [FULCRUM_BIN, 'start', '--data-dir', dir, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>(resolve => proc.once('exit', code => { resolve(code) }))
  let out = ''
  let err = ''
  proc.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  // Resolves when the address is printed, the daemon exits, or the bound passes (whichever is first).
  await new Promise<void>(resolve => {
    const timer = setTimeout(resolve, DAEMON_START_TIMEOUT_MS)
    const done = (): void => { clearTimeout(timer); resolve() }
    proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (LISTENING_ALL.test(out)) done() })
    proc.once('exit', done)
  })
  const addr = LISTENING.exec(out)?.[1]
  const daemon = { proc, dir, addr: addr ?? '', addrs: LISTENING_ALL.exec(out)?.[1]?.trim().split(' ') ?? [], exited, stderr: () => err }
  if (addr === undefined) {
    await stopDaemon(daemon)
    throw new Error(`daemon did not start (exit code ${String(proc.exitCode)}): ${out}${err}`)
  }
  return daemon
}

/**
 * Stops a daemon: SIGTERM, then SIGKILL if it has not exited after `timeoutMs`. Resolves with its
 * exit code (null if a signal ended it); at once if it had already exited.
 */
export async function stopDaemon (d: Daemon, options: { timeoutMs?: number } = {}): Promise<number | null> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return await d.exited
  d.proc.kill('SIGTERM')
  const timer = setTimeout(() => { d.proc.kill('SIGKILL') }, options.timeoutMs ?? DAEMON_STOP_TIMEOUT_MS)
  try {
    return await d.exited
  } finally {
    clearTimeout(timer)
  }
}
