/**
 * Structured logging. Modules receive a {@link Logger} (never the console): each entry carries a
 * level, a message and fields such as `component` and `peer`. Only the CLI decides where entries go
 * (stderr as JSON lines); tests and library users get {@link silentLogger} unless they pass a sink.
 */

/** Severity of a log entry, in increasing order. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** One structured log entry. */
export interface LogEntry {
  level: LogLevel
  msg: string
  time: string
  [field: string]: unknown
}

/** A structured logger. `child` adds fields (e.g. `{ component: 'discovery' }`) to every entry. */
export interface Logger {
  debug: (msg: string, fields?: Record<string, unknown>) => void
  info: (msg: string, fields?: Record<string, unknown>) => void
  warn: (msg: string, fields?: Record<string, unknown>) => void
  error: (msg: string, fields?: Record<string, unknown>) => void
  child: (fields: Record<string, unknown>) => Logger
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/**
 * A logger that hands entries at or above `minLevel` to `sink`. The sink must not throw; a
 * failing sink is ignored so that logging can never break the node.
 */
export function createLogger (sink: (entry: LogEntry) => void, minLevel: LogLevel = 'info', base: Record<string, unknown> = {}): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < LEVELS[minLevel]) return
    try {
      sink({ time: new Date().toISOString(), level, msg, ...base, ...fields })
    } catch {}
  }
  return {
    debug: (msg, fields) => { emit('debug', msg, fields) },
    info: (msg, fields) => { emit('info', msg, fields) },
    warn: (msg, fields) => { emit('warn', msg, fields) },
    error: (msg, fields) => { emit('error', msg, fields) },
    child: (fields) => createLogger(sink, minLevel, { ...base, ...fields })
  }
}

/** A logger that drops everything (the default for tests and embedded use). */
export const silentLogger: Logger = createLogger(() => {}, 'error')
