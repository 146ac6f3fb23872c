/**
 * The shape of a CLI command. Commands are small modules registered (with their summary, and
 * loaded only when run) in `commands/index.ts`; `main.ts` parses arguments, dispatches and maps
 * errors to exit codes. This module is loaded by every command: it imports nothing heavy.
 */
import type { ParseArgsConfig } from 'node:util'
import { FulcrumError } from '../errors/index.js'

/** Exit codes shared by every command (the table from error code to exit code is `errors/status.ts`). */
export { ExitCode } from '../errors/index.js'

/** Error codes of the CLI itself. */
export const CliError = {
  /** Unknown command, unknown flag or a missing argument. */
  USAGE: 'CLI_USAGE',
  /** A file or directory could not be read or written (the system's reason, e.g. ENOENT, in the message). */
  IO: 'CLI_IO',
  /** A failure with no code of its own: a bug. */
  INTERNAL: 'CLI_INTERNAL'
} as const

/** Where a command writes: the only place that touches the console. */
export interface CliIO {
  out: (text: string) => void
  err: (text: string) => void
  env: Record<string, string | undefined>
  /** Standard error is a terminal: logs are readable lines rather than JSON lines. */
  stderrIsTTY?: boolean
}

/** Parsed arguments of a command. */
export interface CommandArgs {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

/** A command: its help text, its flags and what it does (its summary is in the command table). `run` returns the exit code. */
export interface Command {
  usage: string
  /** Longer help shown by `--help`: what flags mean, vocabularies, environment. */
  details?: string
  options: NonNullable<ParseArgsConfig['options']>
  /** How many positional arguments it takes: [min, max]. */
  positionals?: [number, number]
  /**
   * Error paths (`filter.type`) and the flags they come from (`--type`): an error names the flag
   * the user typed rather than the internal field (longest matching prefix wins).
   */
  flagPaths?: Readonly<Record<string, string>>
  run: (args: CommandArgs, io: CliIO) => Promise<number>
}

/** Throws a `CLI_USAGE` error. */
export function usageError (message: string): never {
  throw new FulcrumError(CliError.USAGE, message)
}

/** A string flag that must be present. */
export function requireString (args: CommandArgs, name: string): string {
  const v = args.values[name]
  if (typeof v !== 'string' || v === '') usageError(`--${name} is required`)
  return v
}

/** The `--data-dir` flag, falling back to FULCRUM_DATA_DIR. */
export function dataDirOf (args: CommandArgs, io: CliIO): string {
  const v = args.values['data-dir']
  if (typeof v === 'string' && v !== '') return v
  const env = io.env.FULCRUM_DATA_DIR
  if (env !== undefined && env !== '') return env
  return usageError('--data-dir (or FULCRUM_DATA_DIR) is required')
}

/** Prints a value as indented JSON. */
export function printJson (io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2))
}

/** Common flags. */
export const DATA_DIR_OPTION = { 'data-dir': { type: 'string' } } as const
export const JSON_OPTION = { json: { type: 'boolean' } } as const
/** Tables print full peer ids rather than shortened ones. */
export const WIDE_OPTION = { wide: { type: 'boolean' } } as const
