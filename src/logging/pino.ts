/**
 * The daemon's logger, on pino (a well-kept structured logger: levels, child bindings, fast JSON
 * serialisation). Entries are JSON lines (`level` as a name, `time` as ISO 8601, `msg`, fields) for
 * machines and log collectors; on a terminal they are formatted by pino-pretty as readable lines.
 * Modules still see only the {@link Logger} interface.
 */
import { pino } from 'pino'
import { prettyFactory } from 'pino-pretty'
import type { Logger, LogLevel } from './index.js'

/** Options of {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  /** Lowest level written. */
  level: LogLevel
  /** Receives each entry as one line without its newline (the CLI's stderr). */
  write: (line: string) => void
  /** Readable lines for a person at a terminal instead of JSON lines. */
  pretty?: boolean
}

/** A {@link Logger} writing through pino (see module doc). */
export function createPinoLogger (options: PinoLoggerOptions): Logger {
  const format = options.pretty === true
    ? prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : undefined
  const destination = {
    write: (line: string) => {
      try {
        options.write((format === undefined ? line : format(line)).trimEnd())
      } catch {}
    }
  }
  const root = pino({
    level: options.level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) }
  }, destination)
  return wrap(root)
}

function wrap (p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => { p.debug(fields ?? {}, msg) },
    info: (msg, fields) => { p.info(fields ?? {}, msg) },
    warn: (msg, fields) => { p.warn(fields ?? {}, msg) },
    error: (msg, fields) => { p.error(fields ?? {}, msg) },
    child: (fields) => wrap(p.child(fields))
  }
}
