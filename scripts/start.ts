/**
 * `npm start`: one provider node on its embedded store, in a default data dir that is initialised
 * on first run. The data dir is `FULCRUM_DATA_DIR`, else `.fulcrum-node/` in the working directory
 * (kept between runs). On first run the node listens on 127.0.0.1:4001 with its control API on
 * 127.0.0.1:8080 (edit the data dir's config.json, or pass `-- --listen ... --api-port ...`, to
 * change them). It prints its peer id, the multiaddr to bootstrap other nodes from, and the API URL,
 * and runs until Ctrl-C or SIGTERM. Further arguments go to `fulcrum start`.
 */
import '../src/polyfill.js'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { initDataDir, dataDirPaths } from '../src/datadir/index.js'
import { runCli } from '../src/cli/main.js'

/** Where the first run listens: a fixed port, so the bootstrap address stays the same across runs. */
const FIRST_RUN_LISTEN = '/ip4/127.0.0.1/tcp/4001'
/** The first run's API port: fixed, for the same reason. */
const FIRST_RUN_API_PORT = 8080

const dataDir = resolve(process.env.FULCRUM_DATA_DIR ?? '.fulcrum-node')
if (!existsSync(dataDirPaths(dataDir).identity)) {
  const id = await initDataDir(dataDir, { listen: [FIRST_RUN_LISTEN], apiPort: FIRST_RUN_API_PORT })
  process.stdout.write(`initialised ${dataDir} (peer id ${id.peerId})\n`)
}
const io = { out: (t: string) => process.stdout.write(t + '\n'), err: (t: string) => process.stderr.write(t + '\n'), env: process.env, stderrIsTTY: process.stderr.isTTY === true }
process.exitCode = await runCli(['start', '--data-dir', dataDir, ...process.argv.slice(2)], io)
