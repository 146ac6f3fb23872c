/**
 * The `fulcrum` command line: parses arguments, dispatches to a command from the table in
 * `commands/index.ts` (loading only that command's module) and turns errors into exit codes (see
 * `ExitCode`). This is the only part of the program that writes to the console.
 */
import '../polyfill.js'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FulcrumError, describeError } from '../errors/index.js'
import { ExitCode, CliError, isInvalidInput } from './command.js'
import type { CliIO } from './command.js'
import { commands } from './commands/index.js'
import type { CommandEntry } from './commands/index.js'

/** package.json relative to this module, from src/cli (tsx) and from dist/src/cli alike. */
const PACKAGE_JSON = import.meta.url.includes('/dist/') ? '../../../package.json' : '../../package.json'

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function runCli (argv: string[], io: CliIO): Promise<number> {
  const { entry, name, rest } = findCommand(argv)
  if (entry === undefined) {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.out(helpText())
      return ExitCode.OK
    }
    if (argv[0] === '--version' || argv[0] === 'version') {
      io.out(`fulcrum ${await version()}`)
      return ExitCode.OK
    }
    const words = argv.filter(a => !a.startsWith('-')).slice(0, 2)
    const group = Object.keys(commands).filter(k => k.startsWith(`${words[0] ?? ''} `))
    const known = group.length > 0 ? helpText(group) : helpText()
    io.err(`fulcrum: ${CliError.USAGE}: ${group.length > 0 && words.length === 1 ? `'${words[0] ?? ''}' needs a subcommand` : `unknown command '${words.join(' ')}'`}\n\n${known}`)
    return ExitCode.ERROR
  }
  const command = await entry.load()
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: fulcrum ${name} ${command.usage}\n\n${entry.summary}${command.details === undefined ? '' : `\n\n${command.details}`}`)
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
    // node:util's parseArgs appends advice about '--' that does not apply here.
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    io.err(`fulcrum ${name}: ${CliError.USAGE}: ${message}\nusage: fulcrum ${name} ${command.usage}`)
    return ExitCode.ERROR
  }
  try {
    return await command.run(args, io)
  } catch (err) {
    if (err instanceof FulcrumError) {
      io.err(`fulcrum ${name}: ${err.code}: ${err.message}`)
      if (err.code === CliError.USAGE) io.err(`usage: fulcrum ${name} ${command.usage}`)
      if (isInvalidInput(err.code)) return ExitCode.INVALID
    } else {
      io.err(`fulcrum ${name}: ${describeError(err)}`)
    }
    return ExitCode.ERROR
  }
}

function findCommand (argv: string[]): { entry?: CommandEntry, name: string, rest: string[] } {
  // Longest match first: "offer sign" before "offer".
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ')
    const entry = commands[name]
    if (entry !== undefined) return { entry, name, rest: argv.slice(n) }
  }
  return { name: argv.slice(0, 2).join(' '), rest: [] }
}

function helpText (names: string[] = Object.keys(commands)): string {
  const width = Math.max(...names.map(k => k.length))
  const lines = names.map(name => `  ${name.padEnd(width)}  ${commands[name]?.summary ?? ''}`)
  return `usage: fulcrum <command> [flags]   (fulcrum <command> --help for its flags; fulcrum --version)\n\ncommands:\n${lines.join('\n')}`
}

async function version (): Promise<string> {
  const pkg = JSON.parse(await readFile(fileURLToPath(new URL(PACKAGE_JSON, import.meta.url)), 'utf8')) as { version: string }
  return pkg.version
}
