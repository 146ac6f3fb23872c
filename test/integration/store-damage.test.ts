/**
 * Damaged stores, on copies of a real data dir (written by a node: ledger entries, own and foreign
 * offers, stopped, reopened, more entries, stopped): random bytes in a write-ahead log, a lost
 * CURRENT, a truncated table file, a deleted store. The ledger is never served after losing
 * acknowledged entries (LOG_CORRUPT at start and for `ledger export`) until `fulcrum ledger
 * recover` restores it from an export or a counterparty; a damaged catalog is set aside and
 * rebuilt with the node's own offers.
 */
import { strict as assert } from 'node:assert'
import { cp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dataDirPaths, initDataDir, loadIdentity } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { isFulcrumError } from '../../src/errors/index.js'
import { createLogger } from '../../src/logging/index.js'
import type { LogEntry } from '../../src/logging/index.js'
import { readAck } from '../../src/log/index.js'
import { bytesEqual } from '../../src/ledger/index.js'
import type { Identity } from '../../src/identity/index.js'
import { multiaddr } from '@multiformats/multiaddr'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'
import { T0, signed } from '../helpers/offers.js'
import { signedEntry, testBody, testIdentity } from '../unit/ledger/fixtures.js'

const ENTRIES = 12
const now = (): number => T0 + 60_000

/** Asserts a rejection with `code`. */
const coded = (code: string) => (err: unknown): true => isFulcrumError(err, code) || assert.fail(`expected ${code}, got ${String(err)}`)

/** Overwrites `n` bytes in the middle of the newest file of `dir` matching `re` with random bytes. */
async function scribble (dir: string, re: RegExp, n = 64): Promise<string> {
  const name = (await readdir(dir)).filter(f => re.test(f)).sort().at(-1)
  assert.ok(name !== undefined, `no ${String(re)} in ${dir}: ${(await readdir(dir)).join(' ')}`)
  const buf = await readFile(join(dir, name))
  assert.ok(buf.length > 2 * n, `${name} is only ${buf.length} bytes`)
  const at = Math.floor(buf.length / 3)
  for (let i = 0; i < n; i++) buf[at + i] = (buf[at + i] as number) ^ (1 + ((i * 37) % 255))
  await writeFile(join(dir, name), buf)
  return name
}

describe('damaged stores (copies of a real data dir)', function () {
  this.timeout(120_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let original: string
  let peerDir: string
  let peer: FulcrumNode | undefined
  let exportFile: string
  /** An export taken after the first run: half of the acknowledged entries. */
  let partialExport: string
  let self: Identity
  let n = 0

  /** A node on `dir` with a logger that keeps what it logs. */
  async function nodeOn (dir: string, logs: LogEntry[] = []): Promise<FulcrumNode> {
    return await createNode({ dataDir: dir, now, api: false, logger: createLogger(e => { logs.push(e) }, 'warn'), discovery: { renewOwnOffers: false } })
  }

  /** Appends entries `from..to-1` between this node and the peer to both ledgers (same order). */
  async function appendBoth (node: FulcrumNode, other: FulcrumNode, counterparty: Identity, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) {
      const entry = signedEntry('agreement', testBody(`deal-${i}`, [self, counterparty], { terms: { note: 'x'.repeat(400 + i) } }), [self, counterparty])
      await node.ledger.append(entry)
      await other.ledger.append(entry)
    }
  }

  before(async () => {
    tmp = await tempDir()
    original = join(tmp.path, 'original')
    peerDir = join(tmp.path, 'peer')
    self = testIdentity(1)
    const counterparty = testIdentity(2)
    await initDataDir(original, { listen: ['/ip4/127.0.0.1/tcp/0'] }, self.seed)
    await initDataDir(peerDir, { listen: ['/ip4/127.0.0.1/tcp/0'] }, counterparty.seed)
    // Two runs, so the first entries end up in a table file and the last ones in the write-ahead log.
    for (const [from, to] of [[0, ENTRIES / 2], [ENTRIES / 2, ENTRIES]] as const) {
      const node = await nodeOn(original)
      const other = await nodeOn(peerDir)
      await node.start()
      await other.start()
      // Connected, so that each append is cosigned by the counterparty (as in a federation).
      await node.libp2p.dial(multiaddr(other.multiaddrs()[0] as string))
      if (from === 0) {
        for (let i = 0; i < 3; i++) await node.discovery.publish(signed(self, { id: `own-${i}`, issuedAt: T0, expiresAt: T0 + 86_400_000 }))
        for (let i = 0; i < 20; i++) await node.discovery.publish(signed(testIdentity(10 + i), { id: `foreign-${i}` }))
      } else {
        for (let i = 20; i < 40; i++) await node.discovery.publish(signed(testIdentity(10 + i), { id: `foreign-${i}` }))
      }
      await appendBoth(node, other, counterparty, from, to)
      await node.stop()
      await other.stop()
      if (from === 0) {
        partialExport = join(tmp.path, 'partial-export.json')
        const partialCopy = join(tmp.path, 'partial-copy')
        await cp(original, partialCopy, { recursive: true })
        assert.equal((await cli(['ledger', 'export', '--data-dir', partialCopy, '--out', partialExport])).code, 0)
      }
    }
    // Exported from a copy: opening the store moves its write-ahead log into a table file, and
    // the damage cases need the original's log as the node left it.
    exportFile = join(tmp.path, 'export.json')
    const exportCopy = join(tmp.path, 'export-copy')
    await cp(original, exportCopy, { recursive: true })
    assert.equal((await cli(['ledger', 'export', '--data-dir', exportCopy, '--out', exportFile])).code, 0)
  })
  after(async () => {
    await peer?.stop()
    await tmp.cleanup()
  })

  /** A fresh copy of the original data dir. */
  async function copy (): Promise<string> {
    const dir = join(tmp.path, `copy-${n++}`)
    await cp(original, dir, { recursive: true })
    return dir
  }

  /** The ledger of `dir` must be refused at start and by `ledger export` (LOG_CORRUPT), every time. */
  async function assertLedgerRefused (dir: string): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(nodeOn(dir), coded('LOG_CORRUPT'))
      const run = await cli(['ledger', 'export', '--data-dir', dir, '--out', join(tmp.path, 'never.json')])
      assert.equal(run.code, 2)
      assert.match(run.err, /LOG_CORRUPT/)
    }
  }

  /** The ledger of `dir` holds all entries with the original root. */
  async function assertLedgerWhole (dir: string): Promise<void> {
    const node = await nodeOn(dir)
    try {
      const ack = await readAck(dataDirPaths(original).ledgerAck)
      assert.equal(node.ledger.witness !== undefined, true)
      assert.equal((await readAck(dataDirPaths(dir).ledgerAck))?.size, ENTRIES)
      assert.ok(ack !== undefined && bytesEqual((await readAck(dataDirPaths(dir).ledgerAck))?.root ?? new Uint8Array(), ack.root))
    } finally {
      await node.stop()
    }
  }

  it('the original opens whole, with its acknowledgement file', async () => {
    assert.equal((await readAck(dataDirPaths(original).ledgerAck))?.size, ENTRIES)
    await assertLedgerWhole(await copy())
  })

  it('random bytes in the ledger write-ahead log: LOG_CORRUPT (LevelDB dropped a batch), never an emptier ledger', async () => {
    const dir = await copy()
    await scribble(dataDirPaths(dir).ledger, /\.log$/)
    await assertLedgerRefused(dir)
  })

  it('a lost CURRENT in the ledger: LOG_CORRUPT', async () => {
    const dir = await copy()
    await rm(join(dataDirPaths(dir).ledger, 'CURRENT'))
    await assertLedgerRefused(dir)
  })

  it('a truncated ledger table file: LOG_CORRUPT', async () => {
    const dir = await copy()
    const ledger = dataDirPaths(dir).ledger
    const table = (await readdir(ledger)).find(f => f.endsWith('.ldb'))
    assert.ok(table !== undefined)
    await truncate(join(ledger, table), Math.floor((await stat(join(ledger, table))).size / 2))
    await assertLedgerRefused(dir)
  })

  it('a deleted ledger store: LOG_CORRUPT, not a new empty ledger', async () => {
    const dir = await copy()
    await rm(dataDirPaths(dir).ledger, { recursive: true })
    await assertLedgerRefused(dir)
  })

  it('recover --from-export restores every entry and the acknowledged root', async () => {
    const dir = await copy()
    await scribble(dataDirPaths(dir).ledger, /\.log$/)
    await assert.rejects(nodeOn(dir), coded('LOG_CORRUPT'))
    const run = await cli(['ledger', 'recover', '--data-dir', dir, '--from-export', exportFile])
    assert.equal(run.code, 0, run.err)
    await assertLedgerWhole(dir)
  })

  it('recover --peer re-fetches from a counterparty what it holds and restores the ledger', async () => {
    peer = await nodeOn(peerDir)
    await peer.start()
    const dir = await copy()
    await rm(join(dataDirPaths(dir).ledger, 'CURRENT'))
    const run = await cli(['ledger', 'recover', '--data-dir', dir, '--peer', peer.multiaddrs()[0] as string])
    assert.equal(run.code, 0, run.err)
    assert.match(run.out, /12 from peers/)
    await assertLedgerWhole(dir)
  })

  it('recover refuses (exit 1, LOG_CORRUPT) when the sources lack acknowledged entries, and changes nothing', async () => {
    const dir = await copy()
    await rm(dataDirPaths(dir).ledger, { recursive: true })
    const partial = join(tmp.path, 'partial.json')
    const bundle = JSON.parse(await readFile(exportFile, 'utf8')) as { leaves: string[] }
    await writeFile(partial, JSON.stringify({ ...bundle, leaves: bundle.leaves.slice(0, 3) }))
    const forged = await cli(['ledger', 'recover', '--data-dir', dir, '--from-export', partial])
    assert.equal(forged.code, 2) // a truncated export does not match its own signed checkpoint
    assert.match(forged.err, /LOG_CORRUPT/)
    const half = await cli(['ledger', 'recover', '--data-dir', dir, '--from-export', partialExport])
    assert.equal(half.code, 1)
    assert.match(half.err, /LOG_CORRUPT: found 6 of 12 acknowledged entries; 6 still missing \(indexes 6, 7, 8, 9, 10, 11\)/)
    await assertLedgerRefused(dir)
  })

  for (const [what, damage] of [
    ['random bytes in its write-ahead log', async (d: string) => { await scribble(d, /\.log$/) }],
    ['a lost CURRENT', async (d: string) => { await rm(join(d, 'CURRENT')) }],
    ['a truncated table file', async (d: string) => {
      const table = (await readdir(d)).find(f => f.endsWith('.ldb'))
      assert.ok(table !== undefined)
      await truncate(join(d, table), Math.floor((await stat(join(d, table))).size / 2))
    }]
  ] as const) {
    it(`a catalog with ${what}: CATALOG_CORRUPT logged, set aside, rebuilt with the node's own offers`, async () => {
      const dir = await copy()
      await damage(dataDirPaths(dir).catalog)
      const logs: LogEntry[] = []
      const node = await nodeOn(dir, logs)
      try {
        assert.ok(logs.some(l => l.code === 'CATALOG_CORRUPT'), JSON.stringify(logs))
        assert.deepEqual((await node.discovery.ownLive()).map(r => r.record.body.id).sort(), ['own-0', 'own-1', 'own-2'])
        assert.ok((await readdir(dir)).some(f => f.startsWith('catalog.damaged-')))
      } finally {
        await node.stop()
      }
      const self2 = await loadIdentity(dir)
      assert.equal(self2.peerId, self.peerId)
    })
  }
})
