/** Running the CLI in-process, capturing what it prints. */
import { runCli } from '../../src/cli/main.js'

/** The result of one CLI run. */
export interface CliRun { code: number, out: string, err: string }

/** Runs `fulcrum ...argv` in this process. */
export async function cli (argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: t => out.push(t), err: t => err.push(t), env })
  return { code, out: out.join('\n'), err: err.join('\n') }
}
