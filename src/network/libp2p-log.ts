/**
 * The logger libp2p is given. libp2p creates a debug logger (`@libp2p/logger`, a fork of `debug`)
 * for every connection and every stream it opens or accepts, and each creation asks whether stderr
 * is a terminal (a system call) and matches the name against `DEBUG`. With 50 nodes in one process
 * that was about 2% of the CPU while offers spread (a profile of the network benchmark), for logs
 * nobody reads. Unless `DEBUG` is set (an operator debugging libp2p itself gets libp2p's own
 * loggers, as documented by libp2p), libp2p gets loggers that do nothing.
 */
import type { ComponentLogger, Logger } from '@libp2p/interface'

const noop = (): void => {}

/** One logger that does nothing; every scope below it is itself. */
const SILENT: Logger = Object.assign(noop, {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (): Logger => SILENT
})

/** The component logger for libp2p: undefined (libp2p's default) when `debug` names something to log. */
export function libp2pLogger (debug: string | undefined): ComponentLogger | undefined {
  if (debug !== undefined && debug.trim() !== '') return undefined
  return { forComponent: () => SILENT }
}
