import { strict as assert } from 'node:assert'
import { readFile, readdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dataDirPaths, loadIdentity } from '../../src/datadir/index.js'
import type { Identity } from '../../src/identity/index.js'
import { entryToJson, verifyEvidence } from '../../src/ledger/index.js'
import { runBin } from '../helpers/bin.js'
import { startDaemon, stopDaemon } from '../helpers/daemon.js'
import type { Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { signedEntry, testBody } from '../unit/ledger/fixtures.js'

/** Every daemon here listens on an ephemeral 127.0.0.1 port with an ephemeral API port. */
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0']

describe('e2e: ledger and audits against real daemons on 127.0.0.1', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const running: Daemon[] = []
  before(async () => { tmp = await tempDir() })
  after(async () => {
    await Promise.all(running.map(async d => await stopDaemon(d)))
    await tmp.cleanup()
  })

  it('audits a running provider (then a rollback, then a fork), checks an agreement in both parties\' logs, and reads the ledger while the daemon runs', async () => {
    const [a, b, state] = ['a', 'b', 'auditor'].map(n => join(tmp.path, n)) as [string, string, string]
    for (const d of [a, b]) assert.equal((await runBin(['init', '--data-dir', d])).code, 0)
    const [ida, idb] = await Promise.all([loadIdentity(a), loadIdentity(b)]) as [Identity, Identity]
    const file = async (id: string): Promise<string> => {
      const f = join(tmp.path, `${id}.json`)
      await writeFile(f, JSON.stringify(entryToJson(signedEntry('agreement', testBody(id, [ida, idb]), [ida, idb]))))
      return f
    }
    for (const [dir, ids] of [[a, ['deal-1', 'deal-2']], [b, ['deal-1']]] as Array<[string, string[]]>) {
      for (const id of ids) assert.equal((await runBin(['ledger', 'append', await file(id), '--data-dir', dir])).code, 0)
    }
    const da = await startDaemon(a, LOOPBACK)
    running.push(da)
    const db = await startDaemon(b, [...LOOPBACK, '--bootstrap', da.addr])
    running.push(db)

    const cp = await runBin(['ledger', 'checkpoint', '--data-dir', a, '--json'])
    assert.equal(cp.code, 0, cp.stderr)
    assert.deepEqual([(JSON.parse(cp.stdout) as { size: number }).size, (JSON.parse(cp.stdout) as { snapshot: boolean }).snapshot], [2, true])
    // While the daemon holds the store, an append goes through its API.
    const live = await runBin(['ledger', 'append', await file('deal-3'), '--data-dir', a, '--json'])
    assert.equal(live.code, 0, live.stderr)
    const appended = JSON.parse(live.stdout) as { index: number, size: number, cosigners: unknown }
    assert.deepEqual([appended.index, appended.size, Array.isArray(appended.cosigners)], [2, 3, true])
    const other = await runBin(['ledger', 'append', join(tmp.path, 'deal-3.json'), '--data-dir', b])
    assert.equal(other.code, 0, 'the same entry is valid in the other party\'s log too')
    const bundle = join(tmp.path, 'a.json')
    assert.equal((await runBin(['ledger', 'export', '--data-dir', a, '--out', bundle])).code, 0)
    assert.equal((await runBin(['audit', 'bundle', bundle])).code, 0)

    const audit = async (): Promise<{ code: number, report: { newEntries: number, findings: Array<{ code: string }>, evidence?: string } }> => {
      const r = await runBin(['audit', 'peer', da.addr, '--state-dir', state, '--json'], { timeoutMs: 30_000 })
      return { code: r.code, report: JSON.parse(r.stdout === '' ? '{}' : r.stdout) }
    }
    const first = await audit()
    assert.deepEqual([first.code, first.report.newEntries, first.report.findings], [0, 3, []])
    assert.equal((await audit()).report.newEntries, 0)

    const ok = await runBin(['audit', 'agreement', 'deal-1', '--peer', da.addr, '--peer', db.addr, '--json'], { timeoutMs: 30_000 })
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    const missing = await runBin(['audit', 'agreement', 'deal-2', '--peer', da.addr, '--peer', db.addr])
    assert.equal(missing.code, 1)
    assert.match(missing.stdout, /VIOLATION AUDIT_NOT_INCLUDED \(peer /)
    assert.equal((await runBin(['audit', 'peer', '/ip4/127.0.0.1/tcp/1', '--state-dir', state])).code, 2)

    // The provider swaps its ledger for a shorter history signed with the same key, and restarts.
    assert.equal(await stopDaemon(da), 0)
    running.splice(running.indexOf(da), 1)
    await rename(dataDirPaths(a).ledger, join(tmp.path, 'a-ledger-old'))
    assert.equal((await runBin(['ledger', 'append', await file('deal-9'), '--data-dir', a])).code, 0)
    const again = await startDaemon(a, LOOPBACK)
    running.push(again)
    const r = await runBin(['audit', 'peer', again.addr, '--state-dir', state, '--json'], { timeoutMs: 30_000 })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const report = JSON.parse(r.stdout) as { findings: Array<{ code: string }>, evidence?: string }
    // Suspicious (exit 1), but not evidence: the node cannot serve a proof up to the size it signed
    // before, and an older checkpoint alone can be honest (a replay, a lost tail).
    assert.deepEqual(report.findings.map(f => f.code), ['AUDIT_ROLLBACK'])
    assert.equal(report.evidence, undefined)
    assert.deepEqual(await readdir(join(state, 'evidence')).catch(() => []), [])
    // Once the rewritten history grows past the size the auditor saw, its proof fails: evidence.
    for (const id of ['deal-10', 'deal-11', 'deal-12']) assert.equal((await runBin(['ledger', 'append', await file(id), '--data-dir', a])).code, 0)
    const forked = await runBin(['audit', 'peer', again.addr, '--state-dir', state, '--json'], { timeoutMs: 30_000 })
    assert.equal(forked.code, 1, forked.stdout + forked.stderr)
    const fr = JSON.parse(forked.stdout) as { findings: Array<{ code: string }>, evidence: string }
    assert.deepEqual(fr.findings.map(f => f.code), ['AUDIT_INCONSISTENT'])
    assert.equal((await readdir(join(state, 'evidence'))).length, 1)
    assert.equal(verifyEvidence(JSON.parse(await readFile(fr.evidence, 'utf8'))).kind, 'inconsistent')
    const checked = await runBin(['audit', 'evidence', fr.evidence, '--json'])
    assert.equal(checked.code, 0, checked.stdout + checked.stderr)
    assert.equal((JSON.parse(checked.stdout) as { kind: string }).kind, 'inconsistent')

    assert.deepEqual(await Promise.all(running.splice(0).map(async d => await stopDaemon(d))), [0, 0])
  })
})
