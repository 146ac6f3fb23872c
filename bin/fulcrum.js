#!/usr/bin/env node
// The `fulcrum` executable: runs the compiled CLI (npm install builds it into dist/).
import { runCli } from '../dist/src/cli/main.js'

// A reader that stops early (`fulcrum ledger list | head`) closes the pipe: that ends the output, not in a crash.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

const io = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n'), env: process.env, stderrIsTTY: process.stderr.isTTY === true }
process.exitCode = await runCli(process.argv.slice(2), io)
