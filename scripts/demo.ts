/**
 * `npm run demo`: the same demo as `fulcrum demo` (src/demo/): five provider daemons on
 * 127.0.0.1, a customer and an auditor. Flags: `--exit` (also when CI is set) stops after the
 * last step; `--dir DIR` puts the data dirs elsewhere (default .fulcrum-demo).
 */
import '../src/polyfill.js'
import { runCli } from '../src/cli/main.js'

const io = { out: (t: string) => process.stdout.write(t + '\n'), err: (t: string) => process.stderr.write(t + '\n'), env: process.env }
process.exitCode = await runCli(['demo', ...process.argv.slice(2)], io)
