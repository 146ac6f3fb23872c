/**
 * The `fulcrum` command line: parses arguments, dispatches to a command from the table in
 * `commands/index.ts` and turns errors into exit codes (see `ExitCode`). This is the only
 * part of the program that writes to the console.
 */
import '../polyfill.js'
import { parseArgs } from 'node:util'
import { FulcrumError, describeError } from '../errors/index.js'
import { ExitCode, CliError } from './command.js'
import type { CliIO, Command } from './command.js'
import { commands } from './commands/index.js'

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function runCli (argv: string[], io: CliIO): Promise<number> {
  const { command, name, rest } = findCommand(argv)
  if (command === undefined) {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.out(helpText())
      return ExitCode.OK
    }
    io.err(`fulcrum: unknown command '${argv.join(' ')}' (${CliError.USAGE})\n\n${helpText()}`)
    return ExitCode.ERROR
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: fulcrum ${name} ${command.usage}\n\n${command.summary}`)
    return ExitCode.OK
  }
  let args
  try {
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true })
    const [min, max] = command.positionals ?? [0, 0]
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new Error(`expects ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}`)
    }
    args = { values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals }
  } catch (err) {
    io.err(`fulcrum ${name}: ${(err as Error).message} (${CliError.USAGE})\nusage: fulcrum ${name} ${command.usage}`)
    return ExitCode.ERROR
  }
  try {
    return await command.run(args, io)
  } catch (err) {
    if (err instanceof FulcrumError) {
      io.err(`fulcrum ${name}: ${err.code}: ${err.message}`)
      if (err.code === CliError.USAGE) io.err(`usage: fulcrum ${name} ${command.usage}`)
    } else {
      io.err(`fulcrum ${name}: ${describeError(err)}`)
    }
    return ExitCode.ERROR
  }
}

function findCommand (argv: string[]): { command?: Command, name: string, rest: string[] } {
  // Longest match first: "offer sign" before "offer".
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ')
    const command = commands[name]
    if (command !== undefined) return { command, name, rest: argv.slice(n) }
  }
  return { name: argv.slice(0, 2).join(' '), rest: [] }
}

function helpText (): string {
  const width = Math.max(...Object.keys(commands).map(k => k.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return `usage: fulcrum <command> [flags]   (fulcrum <command> --help for its flags)\n\ncommands:\n${lines.join('\n')}`
}
