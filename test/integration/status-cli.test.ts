/**
 * `fulcrum status`, `fulcrum offer show` and `fulcrum stop` (its "not running" answers) against a
 * real node in this process, through the CLI in-process. Stopping a real daemon: test/e2e/status-stop.
 */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { STATUS } from '../../src/api/index.js'
import { dataDirPaths, initDataDir } from '../../src/datadir/index.js'
import { catalogView } from '../../src/node/catalog-view.js'
import { formatDuration } from '../../src/cli/commands/status.js'
import { cli } from '../helpers/cli.js'
import { verified, testIdentity } from '../helpers/offers.js'
import { tempDir } from '../helpers/tmp.js'
import { startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'

describe('cli: status, offer show and stop against a real node', function () {
  this.timeout(60_000)
  let node: Member
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const draft = new URL('../../config/examples/milan-vm.json', import.meta.url).pathname

  before(async () => {
    tmp = await tempDir('fulcrum-status-')
    const dir = join(tmp.path, 'node')
    await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    node = await startMember([], { api: true, config: { renewOwnOffers: false, apiPort: 0 } }, dir)
    assert.equal((await cli(['offer', 'publish', draft, '--data-dir', dir])).code, 0)
  })
  after(async () => {
    await stopAll([node].filter(m => m !== undefined))
    await tmp.cleanup()
  })

  it('status prints the peer id, addresses, offers, orders, ledger and uptime; --json matches the API schema', async () => {
    const text = await cli(['status', '--data-dir', node.dir])
    assert.equal(text.code, 0, text.err)
    assert.match(text.out, new RegExp(`^node +${node.node.identity.peerId}$`, 'm'))
    assert.match(text.out, /^offers +0 known, 1 own$|^offers +1 known, 1 own$/m)
    assert.match(text.out, /^orders +pending 0, held 0, committed 0, released 0, expired 0, refused 0$/m)
    assert.match(text.out, /^ledger +0 entries, root /m)
    assert.match(text.out, /^uptime +\d/m)
    assert.ok(text.out.includes(node.node.multiaddrs()[0] as string))
    const json = await cli(['status', '--data-dir', node.dir, '--json'])
    assert.equal(json.code, 0)
    const parsed = JSON.parse(json.out) as { api: string }
    assert.equal(parsed.api, node.node.apiUrl)
    const { api: _, ...status } = parsed
    assert.equal(STATUS.parse(status).offers.own, 1)
  })

  it('offer show prints one offer in full, as JSON with --json, and names a missing or ambiguous id by code', async () => {
    const text = await cli(['offer', 'show', 'mil-vm-4x16', '--data-dir', node.dir])
    assert.equal(text.code, 0, text.err)
    assert.match(text.out, /^offer mil-vm-4x16 seq \d+ \(this node's\)$/m)
    assert.match(text.out, /^price +0\.052 EUR\/hour; capacity 120; availability 99\.95%$/m)
    assert.match(text.out, /^location +IT \/ IT-MI \/ MIL1; jurisdiction IT$/m)
    const json = JSON.parse((await cli(['offer', 'show', 'mil-vm-4x16', '--data-dir', node.dir, '--json'])).out) as { own: boolean, record: { body: { id: string } } }
    assert.deepEqual([json.own, json.record.body.id], [true, 'mil-vm-4x16'])

    const missing = await cli(['offer', 'show', 'nope', '--data-dir', node.dir])
    assert.equal(missing.code, 2)
    assert.match(missing.err, /API_NOT_FOUND/)
    const now = Date.now()
    const [x, y] = [testIdentity(51), testIdentity(52)]
    for (const who of [x, y]) catalogView(node.node.catalog).insert(verified(who, { id: 'twice', seq: now, issuedAt: now, expiresAt: now + 3_600_000 }, now), now)
    const ambiguous = await cli(['offer', 'show', 'twice', '--data-dir', node.dir])
    assert.equal(ambiguous.code, 2)
    assert.match(ambiguous.err, /API_AMBIGUOUS/)
    const picked = await cli(['offer', 'show', 'twice', '--data-dir', node.dir, '--provider', y.peerId])
    assert.equal(picked.code, 0, picked.err)
    assert.match(picked.out, new RegExp(`^provider +${y.peerId}$`, 'm'))
  })

  it('status and stop answer API_NOT_RUNNING with exit 1 when no daemon runs, also after one died leaving api.json', async () => {
    const idle = join(tmp.path, 'idle')
    await initDataDir(idle, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    for (const command of ['status', 'stop']) {
      const r = await cli([command, '--data-dir', idle])
      assert.deepEqual([r.code, /API_NOT_RUNNING/.test(r.err)], [1, true], `${command}: ${r.err}`)
    }
    // A process that has exited: its pid is in a stale api.json.
    const dead = spawn(process.execPath, ['-e', ''])
    await once(dead, 'exit')
    await writeFile(dataDirPaths(idle).api, JSON.stringify({ url: 'http://127.0.0.1:9', pid: dead.pid }))
    for (const command of ['status', 'stop']) {
      const r = await cli([command, '--data-dir', idle])
      assert.deepEqual([r.code, /API_NOT_RUNNING/.test(r.err)], [1, true], `${command}: ${r.err}`)
    }
  })

  it('formats uptimes without leading zero units', () => {
    assert.deepEqual([0, 999, 61_000, 3_600_000, 90_061_000].map(formatDuration), ['0s', '0s', '1m 1s', '1h 0m 0s', '1d 1h 1m 1s'])
  })
})
