import { strict as assert } from 'node:assert'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runBin } from '../helpers/bin.js'
import { startDaemon, stopDaemon } from '../helpers/daemon.js'
import type { Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const example = fileURLToPath(new URL('../../config/examples/milan-vm.json', import.meta.url))


describe('fulcrum start (e2e: real daemons on 127.0.0.1)', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const daemons: Daemon[] = []
  before(async () => { tmp = await tempDir() })
  after(async () => {
    await Promise.all(daemons.map(async d => await stopDaemon(d)))
    await tmp.cleanup()
  })

  it('runs three daemons that gossip an offer published through the CLI, answer a light client, withdraw, and stop cleanly', async () => {
    const dirs = ['a', 'b', 'c'].map(n => join(tmp.path, n))
    for (const d of dirs) assert.equal((await runBin(['init', '--data-dir', d])).code, 0)
    const [a, b, c] = dirs as [string, string, string]
    daemons.push(await startDaemon(a, ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0']))
    const first = daemons[0] as Daemon
    daemons.push(await startDaemon(b, ['--bootstrap', first.addr]))
    daemons.push(await startDaemon(c, [], { FULCRUM_BOOTSTRAP: first.addr, FULCRUM_LISTEN: '/ip4/127.0.0.1/tcp/0' }))
    const api = JSON.parse(await readFile(join(a, 'api.json'), 'utf8')) as { url: string, pid: number }
    assert.equal(api.pid, first.proc.pid)
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/)

    await until(async () => (await runBin(['peers', '--data-dir', a, '--json'])).stdout.includes('12D3KooW'), 'peers')
    // Peers are shown at the addresses they listen on (dialable), not at inbound source ports.
    await until(async () => {
      const peers = JSON.parse((await runBin(['peers', '--data-dir', a, '--json'])).stdout) as Array<{ addresses: string[] }>
      return [daemons[1] as Daemon, daemons[2] as Daemon].every(d => peers.some(p => p.addresses.includes(d.addr)))
    }, 'peers at their listen addresses')
    // At the default (info) level the daemon logs, as JSON lines on a non-terminal stderr, each peer it connects to.
    const logged = first.stderr().split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, unknown>)
    const connected = logged.filter(e => e.msg === 'peer connected' && e.level === 'info' && e.component === 'peers').map(e => e.peer)
    for (const d of [daemons[1] as Daemon, daemons[2] as Daemon]) assert.ok(connected.some(p => d.addr.endsWith(`/p2p/${String(p)}`)), first.stderr())
    const published = await runBin(['offer', 'publish', example, '--data-dir', a, '--json'])
    assert.equal(published.code, 0, published.stderr)
    assert.equal((JSON.parse(published.stdout) as { decision: string }).decision, 'store')

    const search = async (): Promise<Array<{ body: { id: string } }>> => {
      const r = await runBin(['search', '--peer', (daemons[2] as Daemon).addr, '--type', 'compute.vm', '--country', 'IT', '--json'])
      assert.equal(r.code, 0, r.stderr)
      return (JSON.parse(r.stdout) as { offers: Array<{ body: { id: string } }> }).offers
    }
    await until(async () => (await search()).length === 1, 'the offer to reach daemon c')
    const table = await runBin(['search', '--peer', (daemons[1] as Daemon).addr, '--country', 'IT'], { env: {} })
    assert.match(table.stdout, /mil-vm-4x16 .* 0\.052 EUR\/hour/)
    const fromEnv = await runBin(['search', '--country', 'IT', '--json'], { env: { FULCRUM_PEERS: (daemons[1] as Daemon).addr } })
    assert.equal((JSON.parse(fromEnv.stdout) as { offers: unknown[] }).offers.length, 1)

    const listed = await runBin(['offer', 'list', '--data-dir', a, '--json'])
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ body: { id: string } }>).map(o => o.body.id), ['mil-vm-4x16'])
    const unknown = await runBin(['offer', 'withdraw', 'nope', '--data-dir', a])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /API_NOT_FOUND/)
    assert.equal((await runBin(['offer', 'withdraw', 'mil-vm-4x16', '--data-dir', a])).code, 0)
    await until(async () => (await search()).length === 0, 'the withdrawal to reach daemon c')

    const denied = await fetch(`${api.url}/v1/status`, { headers: { authorization: 'Bearer wrong' } })
    assert.equal(denied.status, 401)
    assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'API_UNAUTHORIZED')

    assert.deepEqual(await Promise.all(daemons.map(async d => await stopDaemon(d))), [0, 0, 0])
    await assert.rejects(stat(join(a, 'api.json')), 'api.json is removed on stop')
    const notRunning = await runBin(['offer', 'list', '--data-dir', a])
    assert.equal(notRunning.code, 2)
    assert.match(notRunning.stderr, /API_NOT_RUNNING/)
  })
})
