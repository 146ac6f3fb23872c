import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FULCRUM_BIN, runBin } from '../helpers/bin.js'
import { startDaemon, stopDaemon } from '../helpers/daemon.js'
import type { Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'
import { pidAlive } from '../../src/datadir/index.js'

/**
 * A parent process that starts `fulcrum start --exit-with-parent` with a pipe as its stdin,
 * prints the daemon's pid once the daemon listens, and then just waits (to be SIGKILLed).
 */
const PARENT = `
const { spawn } = require('node:child_process')
const [bin, dir] = process.argv.slice(1)
const d = spawn(process.execPath, [bin, 'start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--exit-with-parent', '--log-level', 'warn'], { stdio: ['pipe', 'pipe', 'inherit'] })
let out = ''
d.stdout.on('data', b => { out += b; if (/listening on/.test(out)) process.stdout.write('daemon ' + d.pid + '\\n') })
setInterval(() => {}, 1000)
`

describe('daemon supervision (e2e: real daemons, parents killed with SIGKILL)', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const daemons: Daemon[] = []
  const pids: number[] = []
  before(async () => { tmp = await tempDir() })
  after(async () => {
    await Promise.all(daemons.map(async d => await stopDaemon(d)))
    for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL')
    await tmp.cleanup()
  })

  it('stops a daemon started with --exit-with-parent when its parent is SIGKILLed, cleanly (api.json removed)', async () => {
    const dir = join(tmp.path, 'child')
    assert.equal((await runBin(['init', '--data-dir', dir])).code, 0)
    const parent = spawn(process.execPath, ['-e', PARENT, FULCRUM_BIN, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    pids.push(parent.pid as number)
    let out = ''
    parent.stdout.on('data', (b: Buffer) => { out += b.toString() })
    await until(() => /daemon \d+/.test(out) || parent.exitCode !== null, 'the daemon to listen')
    const pid = Number(/daemon (\d+)/.exec(out)?.[1])
    pids.push(pid)
    assert.ok(pidAlive(pid))
    await stat(join(dir, 'api.json'))
    parent.kill('SIGKILL')
    await until(() => !pidAlive(pid), `daemon ${pid} to exit after its parent was killed`)
    await assert.rejects(stat(join(dir, 'api.json')), 'a clean stop removes api.json')
  })

  it('refuses --exit-with-parent (here as FULCRUM_EXIT_WITH_PARENT=1) when stdin is not a pipe (CLI_USAGE, exit 2)', async () => {
    const dir = join(tmp.path, 'nopipe')
    assert.equal((await runBin(['init', '--data-dir', dir])).code, 0)
    const child = spawn(process.execPath, [FULCRUM_BIN, 'start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FULCRUM_EXIT_WITH_PARENT: '1' } }) // stdin: /dev/null, a character device
    pids.push(child.pid as number)
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    const code = await new Promise(resolve => child.once('exit', resolve))
    const r = { code, stderr }
    assert.equal(r.code, 2)
    assert.match(r.stderr, /CLI_USAGE: --exit-with-parent/)
  })

  it('after a daemon is SIGKILLed, reports "not running" (its stale api.json removed), not "in use", and a new daemon opens the dir', async () => {
    const dir = join(tmp.path, 'killed')
    assert.equal((await runBin(['init', '--data-dir', dir])).code, 0)
    const first = await startDaemon(dir, ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--log-level', 'warn'])
    daemons.push(first)
    const pid = first.proc.pid as number
    assert.equal((JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as { pid: number }).pid, pid)
    first.proc.kill('SIGKILL')
    await first.exited
    await stat(join(dir, 'api.json')) // left behind by the dead daemon

    const listed = await runBin(['offer', 'list', '--data-dir', dir])
    assert.equal(listed.code, 2)
    assert.match(listed.stderr, /API_NOT_RUNNING/)
    assert.match(listed.stderr, new RegExp(`pid ${pid}`))
    await assert.rejects(stat(join(dir, 'api.json')), 'the stale api.json is removed')
    // The stores were never locked by the dead process: reads work, and a daemon starts on them.
    assert.equal((await runBin(['ledger', 'list', '--data-dir', dir])).code, 0)
    const second = await startDaemon(dir, ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--log-level', 'warn'])
    daemons.push(second)
    assert.equal((await runBin(['offer', 'list', '--data-dir', dir])).code, 0)

    // A daemon that starts over a dead one's api.json says so in its log.
    second.proc.kill('SIGKILL')
    await second.exited
    const third = await startDaemon(dir, ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--log-level', 'warn'])
    daemons.push(third)
    const warned = third.stderr().split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as { msg?: string, pid?: number })
      .find(e => e.msg?.startsWith('removed the api.json of an earlier daemon') === true)
    assert.equal(warned?.pid, second.proc.pid, third.stderr())
    assert.equal(await stopDaemon(third), 0)
  })
})
