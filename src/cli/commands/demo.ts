/**
 * `fulcrum demo`: the five-city federation of `src/demo/` (the same code as `npm run demo`).
 * The demo owns its process: when interrupted it stops its daemons, then exits at once, even if
 * a customer or auditor command was still under way in this process.
 */
import { ExitCode } from '../command.js'
import type { Command } from '../command.js'

/** Where the demo keeps its data dirs unless `--dir` says otherwise (relative to the working directory). */
export const DEFAULT_DEMO_DIR = '.fulcrum-demo'

export const demoCommand: Command = {
  usage: '[--exit] [--dir DIR]',
  details: 'Starts five provider daemons (Milan, Frankfurt, Paris, Amsterdam, Warsaw) on 127.0.0.1 and narrates a customer ' +
    'searching, planning and placing a composed order, a second order failing with a provider stopped, and an auditor ' +
    'verifying every ledger. --exit: stop after the last step (also when CI is set); otherwise the nodes run until ' +
    'Ctrl-C or SIGTERM, which stop every daemon the demo started. --dir: where the data dirs go (default .fulcrum-demo, kept between runs).',
  options: { exit: { type: 'boolean' }, dir: { type: 'string' } },
  async run (args, io) {
    const { runDemo } = await import('../../demo/index.js')
    const exit = args.values.exit === true || (io.env.CI !== undefined && io.env.CI !== '')
    const dir = typeof args.values.dir === 'string' && args.values.dir !== '' ? args.values.dir : DEFAULT_DEMO_DIR
    const outcome = await runDemo({ dir, exit, out: io.out, err: io.err })
    if (outcome.interrupted) process.exit(outcome.code)
    return outcome.code === 0 ? ExitCode.OK : ExitCode.INVALID
  }
}
