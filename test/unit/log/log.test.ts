import { strict as assert } from 'node:assert'
import { isFulcrumError } from '../../../src/errors/index.js'
import { MerkleLog, openLogForReading, appendEntry, MAX_BATCH_APPENDS, MAX_LEAVES_PER_READ } from '../../../src/log/index.js'
import {
  EMPTY_ROOT, merkleRoot, openNodeCheckpoint, verifyConsistency, verifyInclusion, leafHash
} from '../../../src/ledger/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { until } from '../../helpers/wait.js'
import { agreementLeaf, signedEntry, testBody, testIdentity } from '../ledger/fixtures.js'

const code = (c: string) => (e: unknown): boolean => isFulcrumError(e, c)
const node = testIdentity(10)
const peer = testIdentity(11)
const leafOf = (i: number): Uint8Array => new TextEncoder().encode(`leaf number ${i}`)

describe('log: durable Merkle log', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => { await dir.cleanup() })

  it('starts empty with a signed checkpoint of size 0', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    try {
      assert.equal(log.size, 0)
      const cp = openNodeCheckpoint(log.checkpoint() as string, node.peerId).checkpoint
      assert.equal(cp.size, 0)
      assert.deepEqual(cp.root, EMPTY_ROOT)
    } finally { await log.close() }
  })

  it('group-commits concurrent appends, and its roots and proofs match an in-memory tree', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    try {
      const leaves = Array.from({ length: 300 }, (_, i) => leafOf(i))
      const results = await Promise.all(leaves.map(async l => await log.append(l)))
      assert.deepEqual(results.map(r => r.index), leaves.map((_, i) => i))
      assert.deepEqual(log.root(), merkleRoot(leaves))
      for (const size of [1, 2, 3, 7, 8, 100, 255, 256, 300]) assert.deepEqual(await log.rootAt(size), merkleRoot(leaves.slice(0, size)))
      for (const [i, n] of [[0, 1], [0, 300], [299, 300], [17, 100], [128, 129]] as Array<[number, number]>) {
        const proof = await log.inclusionProof(i, n)
        assert.ok(verifyInclusion(leafHash(leaves[i] as Uint8Array), i, n, proof, merkleRoot(leaves.slice(0, n))))
      }
      for (const [m, n] of [[1, 300], [3, 7], [256, 300], [299, 300], [300, 300]] as Array<[number, number]>) {
        const proof = await log.consistencyProof(m, n)
        assert.ok(verifyConsistency(m, n, proof, merkleRoot(leaves.slice(0, m)), merkleRoot(leaves.slice(0, n))))
      }
      assert.deepEqual(await log.leaves(5, 8), leaves.slice(5, 8))
      assert.equal(await log.indexOfLeafHash(leafHash(leaves[42] as Uint8Array)), 42)
      const cp = openNodeCheckpoint(log.checkpoint() as string, node.peerId).checkpoint
      assert.equal(cp.size, 300)
      assert.deepEqual(cp.root, log.root())
    } finally { await log.close() }
  })

  it('reopens with the same size, root and checkpoint, reading only the frontier', async () => {
    let log = await MerkleLog.open(dir.path, { signer: node })
    for (let i = 0; i < 37; i++) await log.append(leafOf(i))
    const [root, text] = [log.root(), log.checkpoint()]
    await log.close()
    log = await MerkleLog.open(dir.path, { signer: node })
    try {
      assert.equal(log.size, 37)
      assert.deepEqual(log.root(), root)
      assert.equal(log.checkpoint(), text)
      await log.append(leafOf(37))
      assert.deepEqual(log.root(), merkleRoot(Array.from({ length: 38 }, (_, i) => leafOf(i))))
    } finally { await log.close() }
  })

  it('stores a repeated leaf once and refuses a second entry with the same document id', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    try {
      const a = agreementLeaf('agr-1', [node, peer])
      const [r1, r2] = await Promise.all([appendEntry(log, node.peerId, a), appendEntry(log, node.peerId, a)])
      assert.equal(r1.index, 0)
      assert.equal(r2.index, 0)
      assert.equal(r2.existing, true)
      assert.equal((await appendEntry(log, node.peerId, a)).existing, true)
      assert.equal(log.size, 1)
      const other = signedEntry('agreement', testBody('agr-1', [node, peer], { createdAt: 5 }), [node, peer])
      await assert.rejects(appendEntry(log, node.peerId, other), code('LOG_DUPLICATE_ID'))
      assert.equal(await log.indexOfDocument('agr-1'), 0)
      assert.equal(await log.indexOfDocument('nope'), undefined)
    } finally { await log.close() }
  })

  it('finds a repeated leaf by its hash when it has no ids, and by its id (then hash) when it has', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    try {
      await log.append(leafOf(1))
      await log.append(leafOf(2), ['doc-2'])
      assert.deepEqual(await log.append(leafOf(1)), { index: 0, leafHash: leafHash(leafOf(1)), existing: true })
      assert.deepEqual(await log.append(leafOf(2), ['doc-2']), { index: 1, leafHash: leafHash(leafOf(2)), existing: true })
      await assert.rejects(log.append(leafOf(3), ['doc-2']), code('LOG_DUPLICATE_ID'))
      assert.equal(log.size, 2)
    } finally { await log.close() }
  })

  it('refuses entries with a bad signature or without this node as a party', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    try {
      const entry = signedEntry('agreement', testBody('agr-2', [node, peer]), [node, peer])
      await assert.rejects(appendEntry(log, node.peerId, { ...entry, sigs: [entry.sigs[1] as Uint8Array, entry.sigs[0] as Uint8Array] }), code('LEDGER_BAD_ENTRY_SIGNATURE'))
      const third = testIdentity(12)
      await assert.rejects(appendEntry(log, third.peerId, entry), code('LEDGER_MALFORMED_ENTRY'))
      assert.equal(log.size, 0)
    } finally { await log.close() }
  })

  it('appends a concurrent burst through the thread pool, refusing only the entry whose signature fails (named by party)', async function () {
    this.timeout(120_000) // threads boot tsx from source: slow on a loaded machine
    const { threadPool } = await import('../../../src/verify/threads.js')
    const pool = threadPool(2)
    const log = await MerkleLog.open(dir.path, { signer: node })
    try {
      await pool.warm()
      const third = testIdentity(13)
      const entries = Array.from({ length: 40 }, (_, i) => signedEntry('agreement', testBody(`burst-${i}`, [node, peer, third]), [node, peer, third]))
      const bad = entries[17] as typeof entries[number]
      bad.sigs[2] = entries[16]?.sigs[2] as Uint8Array // a real signature, of another body
      const results = await Promise.allSettled(entries.map(async e => await appendEntry(log, node.peerId, e, pool)))
      const refused = results.flatMap((r, i) => r.status === 'rejected' ? [[i, (r.reason as { code: string, path?: string }).code, (r.reason as { path?: string }).path]] : [])
      assert.deepEqual(refused, [[17, 'LEDGER_BAD_ENTRY_SIGNATURE', 'sigs[2]']])
      assert.equal(log.size, 39)
      assert.equal(await log.indexOfDocument('burst-17'), undefined)
      assert.ok(await log.indexOfDocument('burst-39') !== undefined)
    } finally {
      await log.close()
      await pool.close()
    }
  })

  it('splits a burst larger than one batch into several batches', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    try {
      const n = MAX_BATCH_APPENDS + 10
      const leaves = Array.from({ length: n }, (_, i) => leafOf(i))
      await Promise.all(leaves.map(async l => await log.append(l)))
      assert.equal(log.size, n)
      assert.deepEqual(log.root(), merkleRoot(leaves))
    } finally { await log.close() }
  })

  it('gives coded errors for bad ranges, read-only appends, use after close and a locked store', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    await log.append(leafOf(0))
    await assert.rejects(log.leaves(0, 2), code('LOG_OUT_OF_RANGE'))
    await assert.rejects(log.inclusionProof(1, 1), code('LOG_OUT_OF_RANGE'))
    await assert.rejects(log.consistencyProof(2, 1), code('LOG_OUT_OF_RANGE'))
    await assert.rejects(MerkleLog.open(dir.path, { signer: node }), code('LOG_LOCKED'))
    // While locked, a reader gets a snapshot with the same checkpoint.
    const reader = await openLogForReading(dir.path, node.peerId)
    try {
      assert.equal(reader.snapshot, true)
      assert.equal(reader.log.checkpoint(), log.checkpoint())
      await assert.rejects(reader.log.append(leafOf(1)), code('LOG_READ_ONLY'))
    } finally { await reader.close() }
    await log.close()
    await assert.rejects(log.leaves(0, 1), code('LOG_CLOSED'))
    const direct = await openLogForReading(dir.path, node.peerId)
    assert.equal(direct.snapshot, false)
    await direct.close()
  })

  it('takes consistent snapshots while appends keep being written', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    let stop = false
    let n = 0
    const writer = (async () => { while (!stop) await Promise.all(Array.from({ length: 64 }, async () => await log.append(leafOf(n++)))) })()
    try {
      for (let round = 0; round < 5; round++) {
        const grown = log.size + 64
        await until(() => log.size >= grown, 'the writer to append another 64 leaves')
        const reader = await openLogForReading(dir.path, node.peerId)
        try {
          assert.equal(reader.snapshot, true)
          const size = reader.log.size
          const cp = openNodeCheckpoint(reader.log.checkpoint() as string, node.peerId).checkpoint
          assert.equal(cp.size, size)
          const leaves: Uint8Array[] = []
          for (let i = 0; i < size; i += MAX_LEAVES_PER_READ) leaves.push(...await reader.log.leaves(i, Math.min(size, i + MAX_LEAVES_PER_READ)))
          assert.deepEqual(merkleRoot(leaves), cp.root)
        } finally { await reader.close() }
      }
    } finally {
      stop = true
      await writer
      await log.close()
    }
  })

  it('detects a checkpoint that does not match the tree (LOG_CORRUPT)', async () => {
    const log = await MerkleLog.open(dir.path, { signer: node })
    await log.append(leafOf(0))
    await log.close()
    // Opening with another node's key: the stored checkpoint does not verify for it.
    await assert.rejects(MerkleLog.open(dir.path, { signer: peer }), code('LOG_CORRUPT'))
  })
})
