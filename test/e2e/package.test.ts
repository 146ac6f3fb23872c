/**
 * Packaging and `npm start` (e2e): the packed tarball installs into an empty directory and its
 * `fulcrum` works there; `npm start` initialises a default data dir on first run and prints what a
 * provider needs (peer id, the multiaddr to bootstrap from, the API URL).
 */
import { strict as assert } from 'node:assert'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { tempDir } from '../helpers/tmp.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

describe('packaging and npm start (e2e)', function () {
  // npm pack + an install from the npm cache (filled by the project's own npm install).
  this.timeout(180_000)

  it('installs the packed tarball into an empty directory, where fulcrum --help and fulcrum init work', async () => {
    const dir = await tempDir('fulcrum-pack-')
    try {
      // dist/ is built by npm test's pretest; --ignore-scripts skips rebuilding it.
      const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir.path], { cwd: root })
      const tarball = join(dir.path, stdout.trim().split('\n').at(-1) ?? '')
      const app = join(dir.path, 'app')
      await run('mkdir', ['-p', app])
      await writeFile(join(app, 'package.json'), '{ "name": "fulcrum-pack-test", "private": true }\n')
      await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app, timeout: 150_000 })
      const bin = join(app, 'node_modules', '.bin', 'fulcrum')
      const help = await run(bin, ['--help'], { cwd: app })
      assert.match(help.stdout, /usage: fulcrum <command>/)
      assert.match(help.stdout, /\bstart\b/)
      const init = await run(bin, ['init', '--data-dir', 'node', '--json'], { cwd: app })
      assert.match((JSON.parse(init.stdout) as { peerId: string }).peerId, /^12D3KooW/)
      assert.deepEqual((await readdir(join(app, 'node'))).sort(), ['api-token', 'config.json', 'identity.json'])
      // The package carries what the CLI reads at run time, and no tests or sources.
      const installed = join(app, 'node_modules', 'fulcrum-node')
      assert.ok(existsSync(join(installed, 'config', 'default.json')))
      assert.ok(existsSync(join(installed, 'protocols', 'offer-v1.md')))
      assert.ok(!existsSync(join(installed, 'test')))
      assert.ok(!existsSync(join(installed, 'src')))
    } finally {
      await dir.cleanup()
    }
  })

  it('npm start initialises a default data dir on first run and prints the peer id, bootstrap multiaddr and API URL', async () => {
    const dir = await tempDir('fulcrum-start-')
    const dataDir = join(dir.path, 'node')
    // Exactly what `npm start` runs, without npm in between (so the exit code is the node's own).
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
    const [node, ...startArgs] = pkg.scripts.start.split(' ')
    assert.equal(node, 'node')
    const proc = spawn(process.execPath, [...startArgs, '--api-port', '0'], {
      cwd: root,
      env: { ...process.env, FULCRUM_DATA_DIR: dataDir, FULCRUM_LISTEN: '/ip4/127.0.0.1/tcp/0' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const exited = once(proc, 'exit')
    try {
      let out = ''
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/\napi \S+/.test(out)) resolve() })
        proc.once('exit', code => { reject(new Error(`npm start exited (${String(code)}): ${out}`)) })
      })
      assert.match(out, /^initialised .*\(peer id 12D3KooW\w+\)$/m)
      const peerId = /^fulcrum node (12D3KooW\w+)$/m.exec(out)?.[1]
      assert.ok(peerId !== undefined, out)
      assert.match(out, new RegExp(`listening on /ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peerId}`))
      assert.match(out, /^api http:\/\/127\.0\.0\.1:\d+$/m)
      assert.ok(existsSync(join(dataDir, 'identity.json')))
    } finally {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      const [code] = await exited as [number | null]
      // A clean stop removes api.json (the stores are closed before the process exits).
      const stoppedCleanly = !existsSync(join(dataDir, 'api.json'))
      await dir.cleanup()
      assert.equal(code, 0)
      assert.ok(stoppedCleanly)
    }
  })
})
