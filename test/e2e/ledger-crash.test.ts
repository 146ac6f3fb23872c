import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { MerkleLog } from '../../src/log/index.js'
import { leafHash, merkleRoot, openNodeCheckpoint, verifyConsistency, bytesEqual } from '../../src/ledger/index.js'
import { tempDir } from '../helpers/tmp.js'
import { testIdentity } from '../unit/ledger/fixtures.js'

const appender = fileURLToPath(new URL('./fixtures/ledger-appender.ts', import.meta.url))
const node = testIdentity(20)
/** Acknowledged appends to wait for before the kill (plus a random extra delay). */
const ACKS_BEFORE_KILL = 1500

/** Runs the appender until it has acknowledged `acks` appends (and a little longer), then SIGKILLs it. */
async function runAndKill (dir: string, tag: string, acks: number): Promise<Map<number, string>> {
  const child = spawn(process.execPath, ['--import', 'tsx', appender, dir, Buffer.from(node.seed).toString('hex'), tag], { stdio: ['ignore', 'pipe', 'inherit'] })
  const acked = new Map<number, string>()
  const exited = new Promise<NodeJS.Signals | null>(resolve => child.once('exit', (_code, signal) => { resolve(signal) }))
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const [kind, index, hash] = line.split(' ')
      if (kind === 'ack') acked.set(Number(index), hash as string)
      if (acked.size === acks) setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 50))
    }
  } finally {
    child.kill('SIGKILL')
  }
  assert.equal(await exited, 'SIGKILL')
  return acked
}

/** Checks the store after a crash: every acknowledged leaf, a consistent tree, a matching checkpoint. */
async function checkStore (dir: string, acked: Map<number, string>, previous?: { size: number, root: Uint8Array }): Promise<{ size: number, root: Uint8Array }> {
  const log = await MerkleLog.open(dir, { signer: node })
  try {
    const leaves = await log.leaves(0, log.size)
    assert.ok(log.size >= acked.size, `size ${log.size} < ${acked.size} acknowledged`)
    for (const [index, hash] of acked) {
      assert.equal(Buffer.from(leafHash(leaves[index] as Uint8Array)).toString('hex'), hash, `acknowledged leaf ${index}`)
    }
    const root = merkleRoot(leaves)
    assert.ok(bytesEqual(log.root(), root), 'stored tree matches its leaves')
    const cp = openNodeCheckpoint(log.checkpoint() as string, node.peerId).checkpoint
    assert.equal(cp.size, log.size)
    assert.ok(bytesEqual(cp.root, root), 'checkpoint matches the tree')
    if (previous !== undefined) {
      assert.ok(verifyConsistency(previous.size, log.size, await log.consistencyProof(previous.size), previous.root, root), 'only appended')
    }
    return { size: log.size, root }
  } finally {
    await log.close()
  }
}

/**
 * What this proves: a *process* crash (SIGKILL at a random moment, with appends in flight) loses no
 * acknowledged append and leaves a consistent log and checkpoint. The operating system still holds
 * every write the process made, so this passes whether or not the log fsyncs (it would pass with
 * `sync: false`): it says nothing about power loss or a kernel crash. Testing those needs a
 * filesystem that drops unsynced writes beneath LevelDB, whose native code (classic-level) writes
 * through its own file calls that no JavaScript layer can intercept; the fsync of each group commit
 * is checked by reading the code (`log/commit.ts`) and its cost measured by `npm run bench -- ledger`.
 */
describe('e2e: ledger survives a process crash (SIGKILL; not a power-loss test)', function () {
  this.timeout(180_000)
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir() })
  after(async () => { await dir.cleanup() })

  it('after SIGKILL, restarts with a consistent log holding every acknowledged append and a matching checkpoint, twice', async () => {
    const first = await runAndKill(dir.path, 'a', ACKS_BEFORE_KILL)
    const state = await checkStore(dir.path, first)
    const second = await runAndKill(dir.path, 'b', ACKS_BEFORE_KILL)
    assert.ok([...second.keys()].every(i => i >= state.size), 'the restarted process appended after the recovered size')
    await checkStore(dir.path, new Map([...first, ...second]), state)
  })
})
