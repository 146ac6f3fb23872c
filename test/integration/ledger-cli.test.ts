import { strict as assert } from 'node:assert'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dataDirPaths, initDataDir, loadIdentity } from '../../src/datadir/index.js'
import type { Identity } from '../../src/identity/index.js'
import { entryToJson, leafHash, parseVerifierKey, openNodeCheckpoint, verifyInclusion, encodeEntry } from '../../src/ledger/index.js'
import { MerkleLog } from '../../src/log/index.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'
import { signedEntry, testBody, testIdentity } from '../unit/ledger/fixtures.js'

describe('cli: fulcrum ledger and fulcrum audit bundle', function () {
  this.timeout(30_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dataDir: string
  let node: Identity
  const peer = testIdentity(40)

  async function entryFile (id: string, extra = {}): Promise<string> {
    const file = join(tmp.path, `${id}.json`)
    await writeFile(file, JSON.stringify(entryToJson(signedEntry('agreement', testBody(id, [node, peer], extra), [node, peer]))))
    return file
  }

  before(async () => {
    tmp = await tempDir()
    dataDir = join(tmp.path, 'node')
    await initDataDir(dataDir)
    node = await loadIdentity(dataDir)
  })
  after(async () => { await tmp.cleanup() })

  it('appends signed agreements, refuses bad ones with exit 1, and prints the checkpoint and vkey', async () => {
    for (const id of ['deal-1', 'deal-2', 'deal-3']) {
      const r = await cli(['ledger', 'append', await entryFile(id), '--data-dir', dataDir])
      assert.equal(r.code, 0, r.err)
    }
    const dup = await cli(['ledger', 'append', await entryFile('deal-1', { createdAt: 1 }), '--data-dir', dataDir])
    assert.equal(dup.code, 1)
    assert.match(dup.err, /LOG_DUPLICATE_ID/)
    const bad = JSON.parse(await readFile(await entryFile('deal-4'), 'utf8')) as { sigs: string[] }
    bad.sigs.reverse()
    await writeFile(join(tmp.path, 'bad.json'), JSON.stringify(bad))
    const refused = await cli(['ledger', 'append', join(tmp.path, 'bad.json'), '--data-dir', dataDir])
    assert.equal(refused.code, 1)
    assert.match(refused.err, /LEDGER_BAD_ENTRY_SIGNATURE/)

    const cp = await cli(['ledger', 'checkpoint', '--data-dir', dataDir])
    assert.equal(cp.code, 0)
    assert.equal(openNodeCheckpoint(cp.out + '\n', node.peerId).checkpoint.size, 3)
    const vkey = await cli(['ledger', 'vkey', '--data-dir', dataDir])
    const key = parseVerifierKey(vkey.out)
    assert.equal(key.name, `fulcrum/ledger/v1/${node.peerId}`)
    assert.deepEqual(key.publicKey, node.publicKey)
  })

  it('prints an inclusion proof that verifies against the checkpoint', async () => {
    const r = await cli(['ledger', 'proof', '--data-dir', dataDir, '--index', '1'])
    assert.equal(r.code, 0, r.err)
    const p = JSON.parse(r.out) as { leafIndex: number, treeSize: number, leafHash: string, proof: string[] }
    const cp = JSON.parse((await cli(['ledger', 'checkpoint', '--data-dir', dataDir, '--json'])).out) as { root: string }
    const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
    assert.ok(verifyInclusion(b(p.leafHash), p.leafIndex, p.treeSize, p.proof.map(b), b(cp.root)))
    assert.equal((await cli(['ledger', 'proof', '--data-dir', dataDir, '--index', '3'])).code, 2)
    assert.equal((await cli(['ledger', 'proof', '--data-dir', dataDir, '--index', '-1'])).code, 2)
  })

  it('exports a bundle that audits clean (exit 0) and whose tampering is found (exit 1)', async () => {
    const out = join(tmp.path, 'bundle.json')
    assert.equal((await cli(['ledger', 'export', '--data-dir', dataDir, '--out', out])).code, 0)
    const ok = await cli(['audit', 'bundle', out, '--json'])
    assert.equal(ok.code, 0, ok.out)
    assert.equal((await cli(['audit', 'bundle', out, '--threads', '1'])).code, 0)
    assert.equal((await cli(['audit', 'bundle', out, '--threads', '0'])).code, 2)
    assert.equal((JSON.parse(ok.out) as { ok: boolean }).ok, true)
    const bundle = JSON.parse(await readFile(out, 'utf8')) as { leaves: string[] }
    assert.equal(bundle.leaves.length, 3)
    const forged = signedEntry('agreement', testBody('deal-2', [node, peer], { createdAt: 99 }), [node, peer])
    bundle.leaves[1] = Buffer.from(encodeEntry(forged)).toString('base64')
    await writeFile(out, JSON.stringify(bundle))
    const found = await cli(['audit', 'bundle', out])
    assert.equal(found.code, 1)
    assert.match(found.out, /VIOLATION AUDIT_ROOT_MISMATCH/)
    assert.equal((await cli(['audit', 'bundle', join(tmp.path, 'missing.json')])).code, 2)
  })

  it('reads the ledger while another process holds it (snapshot), and refuses to append then', async () => {
    const daemonLike = await MerkleLog.open(dataDirPaths(dataDir).ledger, { signer: node })
    try {
      await daemonLike.append(encodeEntry(signedEntry('agreement', testBody('deal-5', [node, peer]), [node, peer])))
      const cp = await cli(['ledger', 'checkpoint', '--data-dir', dataDir, '--json'])
      assert.equal(cp.code, 0, cp.err)
      const parsed = JSON.parse(cp.out) as { size: number, snapshot: boolean }
      assert.deepEqual([parsed.size, parsed.snapshot], [4, true])
      const proof = JSON.parse((await cli(['ledger', 'proof', '--data-dir', dataDir, '--index', '3'])).out) as { leafHash: string }
      assert.equal(proof.leafHash, Buffer.from(leafHash(await daemonLike.leaf(3))).toString('base64'))
      const append = await cli(['ledger', 'append', await entryFile('deal-6'), '--data-dir', dataDir])
      assert.equal(append.code, 2)
      assert.match(append.err, /LOG_LOCKED/)
    } finally {
      await daemonLike.close()
    }
  })

  it('lists and shows the agreements with their state, also while another process holds the store', async () => {
    const daemonLike = await MerkleLog.open(dataDirPaths(dataDir).ledger, { signer: node })
    try {
      const end = signedEntry('termination', {
        id: 'deal-2.end', agreement: 'deal-2', parties: [node.peerId, peer.peerId].sort(), createdAt: 1_790_000_000_000, reason: 'done', effectiveAt: 1_790_000_001_000
      }, [node, peer])
      await daemonLike.append(encodeEntry(end))
      const list = await cli(['ledger', 'list', '--data-dir', dataDir, '--json'])
      assert.equal(list.code, 0, list.err)
      const parsed = JSON.parse(list.out) as { agreements: Array<{ id: string, state: string, parties: string[] }>, snapshot: boolean }
      assert.equal(parsed.snapshot, true)
      assert.deepEqual(parsed.agreements.map(a => [a.id, a.state]), [['deal-1', 'active'], ['deal-2', 'terminated'], ['deal-3', 'active'], ['deal-5', 'active']])
      const human = await cli(['ledger', 'list', '--data-dir', dataDir])
      assert.match(human.out, /^AGREEMENT +STATE +CREATED +PARTIES +TERM +ITEMS$/m)
      assert.match(human.out, /^deal-2 +terminated at 2026-09-21T\d\d:\d\d:\d\dZ +2026-/m)
      const show = await cli(['ledger', 'show', 'deal-2', '--data-dir', dataDir])
      assert.equal(show.code, 0, show.err)
      assert.match(show.out, /termination deal-2.end \(entry 4\)/)
      assert.equal((await cli(['ledger', 'show', 'deal-9', '--data-dir', dataDir])).code, 1)
    } finally {
      await daemonLike.close()
    }
  })

  it('exits 2 on usage errors', async () => {
    assert.equal((await cli(['ledger', 'export', '--data-dir', dataDir])).code, 2)
    assert.equal((await cli(['ledger', 'checkpoint'])).code, 2)
    assert.equal((await cli(['audit', 'bundle'])).code, 2)
  })
})
