import { strict as assert } from 'node:assert'
import { execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FULCRUM_BIN } from '../helpers/bin.js'
import { startDaemon, stopDaemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'
import { pidAlive } from '../../src/datadir/index.js'

const demo = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url))
const CITIES = ['milan', 'frankfurt', 'paris', 'amsterdam', 'warsaw']
const STEPS = 9

/** Live processes whose command line mentions `text` (here: a demo run's own directory). */
function processesMentioning (text: string): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) out.push(Number(entry))
    } catch {
      // exited meanwhile
    }
  }
  return out
}

/** Every pid the narrative printed: each daemon's line ("pid N") and the stop line ("pids A, B"). */
function pidsIn (stdout: string): number[] {
  const flat = stdout.replace(/\n/g, ' ')
  const listed = /pids ([\d, ]+)\)/.exec(flat)?.[1]?.split(',').map(s => Number(s.trim())) ?? []
  return [...new Set([...[...flat.matchAll(/\bpid (\d+)/g)].map(m => Number(m[1])), ...listed])]
}

/**
 * Where a run can be interrupted: as each step begins, and in step 1 once Milan's daemon is up
 * while the four others are still starting.
 */
const INTERRUPT_POINTS: Array<{ name: string, line: RegExp }> = [
  { name: 'step 1 begins', line: /^\[1\/9\] / },
  { name: 'step 1, Milan up, the others starting', line: /^ {2}Milan +12D3KooW/ },
  ...Array.from({ length: STEPS - 1 }, (_, i) => ({ name: `step ${i + 2} begins`, line: new RegExp(`^\\[${i + 2}/${STEPS}\\] `) }))
]

/** An interrupt point, from a seed (mulberry32), so that a failing run can be replayed. */
function pointOf (seed: number): number {
  let t = (seed + 0x6D2B79F5) >>> 0
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) % INTERRUPT_POINTS.length
}

describe('the demo (e2e: npm run demo and fulcrum demo, real daemons)', function () {
  this.timeout(300_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const seen: number[] = []
  before(async () => { tmp = await tempDir() })
  after(async () => {
    for (const pid of seen) if (pidAlive(pid)) process.kill(pid, 'SIGKILL')
    await tmp.cleanup()
  })

  it('npm run demo --exit: five daemons, two orders (one aborted, kept by nobody), every ledger audited, narrated within 79 columns, and stops them all', async () => {
    const dir = join(tmp.path, 'full')
    const { code, stdout, stderr } = await new Promise<{ code: number, stdout: string, stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', demo, '--exit', '--dir', dir], { timeout: 280_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? -1), stdout, stderr })
      })
    })
    seen.push(...pidsIn(stdout))
    assert.equal(code, 0, stdout + stderr)
    for (const line of stdout.split('\n')) assert.ok(line.length < 80, `too wide: ${line}`)
    for (let k = 1; k <= STEPS; k++) assert.match(stdout, new RegExp(`^\\[${k}/${STEPS}\\] `, 'm'))
    for (const c of ['Milan', 'Frankfurt', 'Paris', 'Amsterdam', 'Warsaw']) assert.match(stdout, new RegExp(`^ {2}${c} +12D3KooW\\S+ +127\\.0\\.0\\.1:\\d+ +pid \\d+$`, 'm'))
    assert.match(stdout, /Paris's node holds all 6 offers/)
    assert.match(stdout, /^ {4}waw-vm-8x32 +Warsaw +PL +0\.089 EUR\/hour/m, 'the search lists the Warsaw VM')
    assert.match(stdout, /^ {4}total 470\.9616 EUR\/month$/m)
    const committed = /Order (ord-[a-z2-7]+) committed/.exec(stdout)?.[1]
    assert.ok(committed !== undefined)
    assert.equal(stdout.match(/^ {2}(Milan|Frankfurt|Paris) +committed$/gm)?.length, 3)
    const aborted = /Order (ord-[a-z2-7]+) aborted/.exec(stdout)?.[1]
    assert.ok(aborted !== undefined && aborted !== committed)
    assert.match(stdout, /^ {2}Amsterdam +unreachable/m)
    assert.equal(stdout.match(/^ {2}(Warsaw|Frankfurt) +released$/gm)?.length, 2, 'the providers that held release')
    assert.equal(stdout.match(/^ {4}\S+ +no such agreement/gm)?.length, 6, 'the customer and the five providers')
    assert.equal(stdout.match(/^ {4}(Milan|Frankfurt|Paris|Amsterdam|Warsaw) +size .* verified: OK$/gm)?.length, 5)
    assert.match(stdout, /^ {4}customer +exported ledger \(offline\), 1 entry verified: OK$/m)
    const crossChecked = new RegExp(`${committed}: the same entry .* each of its 4 parties: ([^:]+): OK`).exec(stdout.replace(/\n +/g, ' '))?.[1]
    assert.deepEqual(crossChecked?.split(', ').sort(), ['Frankfurt', 'Milan', 'Paris', 'customer'])
    assert.match(stdout, /^\[9\/9\] Done in/m)
    assert.match(stdout, /Every daemon has stopped\.$/m)
    // Nobody kept the aborted order: not even on disk, read again after the demo.
    for (const c of CITIES) assert.ok(existsSync(join(dir, c, 'ledger')))
    const pids = pidsIn(stdout)
    assert.equal(pids.length, 6, 'five daemons and Amsterdam restarted')
    assert.deepEqual(pids.filter(pidAlive), [])
    assert.deepEqual(processesMentioning(dir), [])
  })

  it('fulcrum demo interrupted by SIGINT at a random step stops every daemon it started and leaves no lock', async () => {
    const seed = Number(process.env.FULCRUM_DEMO_SEED ?? Math.floor(Math.random() * 2 ** 31))
    const point = INTERRUPT_POINTS[pointOf(seed)] as (typeof INTERRUPT_POINTS)[number]
    const last = point.name === `step ${STEPS} begins`
    console.log(`      demo interrupt: seed ${seed}, SIGINT at ${point.name} (replay: FULCRUM_DEMO_SEED=${seed})`)
    const dir = join(tmp.path, 'interrupted')
    const child = spawn(process.execPath, [FULCRUM_BIN, 'demo', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '' } })
    seen.push(child.pid as number)
    const exited = new Promise<number | null>(resolve => child.once('exit', code => { resolve(code) }))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    await until(() => stdout.split('\n').some(l => point.line.test(l)) || child.exitCode !== null, point.name)
    assert.equal(child.exitCode, null, `the demo ended before ${point.name}: ${stdout}${stderr}`)
    child.kill('SIGINT')
    const code = await exited
    seen.push(...pidsIn(stdout))
    assert.equal(code, last ? 0 : 130, stdout + stderr)
    assert.match(stdout, /Every daemon has stopped\.$/m)
    assert.deepEqual(pidsIn(stdout).filter(pidAlive), [], 'no daemon the narrative named is alive')
    assert.deepEqual(processesMentioning(dir), [], 'no process of this run is left')
    // No lock is left: a fresh daemon opens each data dir the run created.
    const dirs = CITIES.map(c => join(dir, c)).filter(d => existsSync(join(d, 'identity.json')))
    await Promise.all(dirs.map(async d => {
      const daemon = await startDaemon(d, ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--log-level', 'warn'])
      seen.push(daemon.proc.pid as number)
      assert.equal(await stopDaemon(daemon), 0)
    }))
  })

  it('fulcrum demo SIGKILLed (no handler runs) leaves no daemon: each stops itself, cleanly, when its stdin pipe closes', async () => {
    const dir = join(tmp.path, 'killed')
    const child = spawn(process.execPath, [FULCRUM_BIN, 'demo', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '' } })
    seen.push(child.pid as number)
    const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    await until(() => /^\[2\/9\] /m.test(stdout) || child.exitCode !== null, 'every daemon to be up (step 2)')
    const pids = pidsIn(stdout)
    seen.push(...pids)
    assert.equal(pids.length, 5, stdout)
    child.kill('SIGKILL')
    await exited
    await until(() => pids.every(p => !pidAlive(p)), 'the daemons to stop after the demo was killed')
    assert.deepEqual(processesMentioning(dir), [])
    for (const c of CITIES) assert.equal(existsSync(join(dir, c, 'api.json')), false, `${c} stopped cleanly (api.json removed)`)
  })
})
