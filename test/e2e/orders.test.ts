import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiClient } from '../../src/api/index.js'
import type { OrderJson } from '../../src/api/index.js'
import { FULCRUM_BIN, runBin } from '../helpers/bin.js'
import { startDaemon, stopDaemon } from '../helpers/daemon.js'
import type { Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0']
const EXAMPLES = fileURLToPath(new URL('../../config/examples/', import.meta.url))
const ORDER = join(EXAMPLES, 'orders', 'three-providers.json')

/** Polls `check` every 50 ms until true or `ms` pass. */
async function waitFor (check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('e2e: composed orders across real daemons on 127.0.0.1', function () {
  this.timeout(120_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const running: Daemon[] = []
  const names = ['milan', 'frankfurt', 'paris'] as const
  const offers = ['milan-vm.json', 'frankfurt-object-storage.json', 'paris-postgresql.json']
  const dirs: Record<string, string> = {}
  let customer: string
  let daemons: Daemon[] = []

  const agreementsOf = async (dir: string): Promise<string[]> => {
    const r = await runBin(['ledger', 'list', '--data-dir', dir, '--json'])
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as { agreements: Array<{ id: string }> }).agreements.map(a => a.id)
  }
  const peers = (): string[] => daemons.flatMap(d => ['--peer', d.addr])

  before(async () => {
    tmp = await tempDir()
    customer = join(tmp.path, 'customer')
    assert.equal((await runBin(['init', '--data-dir', customer])).code, 0)
    for (const [i, name] of names.entries()) {
      dirs[name] = join(tmp.path, name)
      assert.equal((await runBin(['init', '--data-dir', dirs[name] as string])).code, 0)
      if (name === 'paris') {
        // Paris approves holds by hand: the tests see its hold through the API while the order is in flight.
        const file = join(dirs[name] as string, 'config.json')
        await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')) as object, orders: { approval: 'manual' } }))
      }
      const d = await startDaemon(dirs[name] as string, [...LOOPBACK, ...(i === 0 ? [] : ['--bootstrap', (daemons[0] as Daemon).addr])])
      running.push(d)
      daemons.push(d)
      const pub = await runBin(['offer', 'publish', join(EXAMPLES, offers[i] as string), '--data-dir', dirs[name] as string])
      assert.equal(pub.code, 0, pub.stderr)
    }
  })
  after(async () => {
    await Promise.all(running.map(async d => await stopDaemon(d)))
    await tmp.cleanup()
  })

  /** Runs `fulcrum order place` in the background; resolves its exit code and output. */
  function placeInBackground (extra: string[]): Promise<{ code: number | null, out: string, err: string }> {
    const child = spawn(process.execPath, [FULCRUM_BIN, 'order', 'place', ORDER, ...peers(), '--data-dir', customer, '--json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    return new Promise(resolve => child.once('exit', code => { resolve({ code, out, err }) }))
  }

  /** The hold Paris is waiting to approve, once the customer's hold has arrived. */
  async function pendingAtParis (): Promise<OrderJson> {
    const api = await ApiClient.forDataDir(dirs.paris as string)
    let pending: OrderJson | undefined
    await waitFor(async () => (pending = (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders/approvals')).orders[0]) !== undefined, 30_000, 'the hold at Paris')
    return pending as OrderJson
  }

  it('places a three-provider order from a customer data dir with no daemon (Paris approves by hand): every party\'s ledger holds it', async () => {
    const placing = placeInBackground([])
    const pending = await pendingAtParis()
    assert.equal((await (await ApiClient.forDataDir(dirs.paris as string)).call<OrderJson>('POST', `/v1/orders/${pending.id}/approve`)).status, 'held')
    const r = await placing
    assert.equal(r.code, 0, r.err)
    const { agreementId } = JSON.parse(r.out) as { agreementId: string }
    assert.equal(agreementId, pending.id)
    assert.match(r.err, /pending/)
    const ledgers = await Promise.all([customer, ...Object.values(dirs)].map(agreementsOf))
    assert.deepEqual(ledgers, ledgers.map(() => [agreementId]))
  })

  it('a provider killed with SIGKILL mid-order: the customer aborts (exit 1) and no party keeps the agreement', async () => {
    const placing = placeInBackground(['--commit-window', '8000'])
    const pending = await pendingAtParis()
    const victim = daemons[2] as Daemon
    victim.proc.kill('SIGKILL')
    await victim.exited
    const r = await placing
    assert.equal(r.code, 1, r.err)
    const outcome = JSON.parse(r.out) as { agreementId: string, status: string }
    assert.deepEqual([outcome.agreementId, outcome.status], [pending.id, 'aborted'])
    for (const name of ['milan', 'frankfurt']) {
      const order = await (await ApiClient.forDataDir(dirs[name] as string)).call<OrderJson>('GET', `/v1/orders/${outcome.agreementId}`)
      assert.equal(order.status, 'released', `${name} released its hold`)
    }
    const ledgers = await Promise.all([customer, ...Object.values(dirs)].map(agreementsOf))
    assert.ok(ledgers.every(ids => !ids.includes(outcome.agreementId)), JSON.stringify(ledgers))
  })
})
