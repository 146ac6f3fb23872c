/**
 * The `fulcrum` command line: parses arguments, dispatches to a command from the table in
 * `commands/index.ts` (loading only that command's module) and turns errors into exit codes (see
 * `ExitCode`). This is the only part of the program that writes to the console.
 */
import '../polyfill.js'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FulcrumError, describeError, exitCode } from '../errors/index.js'
import { ExitCode, CliError, JSON_OPTION } from './command.js'
import type { CliIO } from './command.js'
import { commands } from './commands/index.js'
import { systemReason } from './files.js'
import type { CommandEntry } from './commands/index.js'

/** package.json relative to this module, from src/cli (tsx) and from dist/src/cli alike. */
const PACKAGE_JSON = import.meta.url.includes('/dist/') ? '../../../package.json' : '../../package.json'

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function runCli (argv: string[], io: CliIO): Promise<number> {
  const { entry, name, rest } = findCommand(argv)
  if (entry === undefined) {
    if (argv.length === 0) {
      // Nothing asked for: the help, as a usage error (a script calling `fulcrum` by mistake fails).
      io.err(helpText())
      return ExitCode.ERROR
    }
    if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.out(helpText())
      return ExitCode.OK
    }
    if (argv[0] === '--version' || argv[0] === 'version') {
      io.out(`fulcrum ${await version()}`)
      return ExitCode.OK
    }
    const words = argv.filter(a => !a.startsWith('-')).slice(0, 2)
    const group = Object.keys(commands).filter(k => k.startsWith(`${words[0] ?? ''} `))
    if (group.length > 0 && words.length === 1 && (argv.includes('--help') || argv.includes('-h'))) {
      io.out(helpText(group))
      return ExitCode.OK
    }
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
    // `--json` is accepted by every command; those whose output is JSON anyway ignore it.
    const parsed = parseArgs({ args: rest, options: { ...JSON_OPTION, ...command.options }, allowPositionals: true, strict: true })
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
  } catch (caught) {
    const err = withCode(caught, command.flagPaths)
    io.err(`fulcrum ${name}: ${err.code}: ${err.message}`)
    if (err.code === CliError.USAGE) io.err(`usage: fulcrum ${name} ${command.usage}`)
    // One table (errors/status.ts) says what each code means to a caller, here and in the API.
    return exitCode(err.code)
  }
}

/**
 * Every error the user sees has a code: a system error (ENOENT, EEXIST, EACCES, ...) becomes
 * `CLI_IO` naming the path, anything else without a code `CLI_INTERNAL`; an error whose path is an
 * internal field the command got from a flag is renamed after the flag (`flagPaths`).
 */
export function withCode (err: unknown, flagPaths: Readonly<Record<string, string>> = {}): FulcrumError {
  if (err instanceof FulcrumError) {
    const path = err.path
    const from = path === undefined ? undefined : Object.keys(flagPaths).filter(p => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)).sort((a, b) => b.length - a.length)[0]
    if (path === undefined || from === undefined) return err
    const message = err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message
    return new FulcrumError(err.code, message, { path: flagPaths[from] as string, cause: err })
  }
  const sys = err as NodeJS.ErrnoException
  if (typeof sys?.code === 'string' && /^E[A-Z]+$/.test(sys.code)) {
    return new FulcrumError(CliError.IO, `${sys.path ?? sys.syscall ?? 'file'}: ${systemReason(err)}`, { cause: err })
  }
  return new FulcrumError(CliError.INTERNAL, describeError(err), { cause: err })
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
