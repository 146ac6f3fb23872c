/**
 * `npm run bench -- ledger`: agreement appends through the node's real path, and the offline
 * audit, each against floors measured in the same run (issue 7, point 14).
 *
 * - appends: distinct realistic two- and three-party agreements arrive continuously (closed-loop
 *   clients, each sending its next entry as soon as the previous one is durable) and go through
 *   `appendEntry` as the API and the ledger service call it: decode, every party's signature in
 *   the node's verification pool, owner check, id index, synced group commit. Floors: the same
 *   leaf bytes appended raw (`MerkleLog.append`, synced group commit, same clients), and raw
 *   verification of the same signatures on all cores. Goal: >= 0.8x the lower floor.
 * - audit: `fulcrum audit bundle` of 100,000 two-party agreements (read as a stream, root, decode,
 *   200,000 signatures). Floor: 200,000 raw verifications on one core, divided by the cores.
 *   Goal: <= 1.25x.
 * - inclusion proofs (no goal: figures for reference).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { decodeEntry, entrySignatureChecks, leafHash, verifyInclusion } from '../../src/ledger/index.js'
import { MerkleLog, appendEntry } from '../../src/log/index.js'
import { initDataDir, dataDirPaths } from '../../src/datadir/index.js'
import { runCli } from '../../src/cli/main.js'
import { acquireSharedPool } from '../../src/verify/threads.js'
import { fmt, opsPerSecond, table, rssMiB, atLeast, atMost, goalTable, load, scaled } from './_util.js'
import type { Goal } from './_util.js'
import { closedLoop, rawVerifyAllCores, rawVerifyOneCore } from './_floors.js'
import type { Triple } from './_floors.js'
import { providers, realisticAgreements } from './_data.js'

/** Concurrent clients appending (a busy node: many API calls and counterparties at once). */
const CLIENTS = 512
const APPENDS = scaled(40_000)
const AUDIT_ENTRIES = scaled(100_000)
const PROOF_LOG_SIZE = scaled(100_000)
const NOW = Date.UTC(2026, 0, 1)

const BIN = fileURLToPath(new URL('../../bin/fulcrum.js', import.meta.url))
const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9
const perSecond = (x: number): string => `${fmt(x)}/s`
const secs = (x: number): string => `${fmt(x, 2)} s`

function triplesOf (leaves: Uint8Array[]): Triple[] {
  return leaves.flatMap(leaf => entrySignatureChecks(decodeEntry(leaf)).map(c => ({ publicKey: c.publicKey as Uint8Array, message: c.message, signature: c.signature })))
}

async function withLog<T> (signer: Identity, fn: (log: MerkleLog, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-ledger-'))
  const log = await MerkleLog.open(dir, { signer })
  try {
    return await fn(log, dir)
  } finally {
    await log.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function appends (node: Identity): Promise<{ goal: Goal, rows: string[][] }> {
  const leaves = realisticAgreements(APPENDS, node, providers(40, 3), NOW)
  const ids = leaves.map(l => decodeEntry(l).body.id)
  const triples = triplesOf(leaves)
  const raw = await withLog(node, async (log) => APPENDS / await closedLoop(APPENDS, CLIENTS, async i => await log.append(leaves[i] as Uint8Array, [ids[i] as string])))
  const verify = APPENDS / await rawVerifyAllCores(triples)
  const { pool, release } = acquireSharedPool()
  let real: number
  try {
    // Start the threads outside the timing and wait until they are ready, as a running node has them
    // (until a thread is ready the pool verifies in the calling thread).
    await pool.warm()
    await pool.map('signature', triples.slice(0, 256))
    real = await withLog(node, async (log) => APPENDS / await closedLoop(APPENDS, CLIENTS, async i => await appendEntry(log, node.peerId, leaves[i] as Uint8Array, pool)))
  } finally {
    await release()
  }
  const floor = Math.min(raw, verify)
  const goal = atLeast(`agreement appends through the real path (${fmt(APPENDS)} distinct entries, ${CLIENTS} clients)`, real, floor, 0.8, perSecond,
    raw <= verify ? 'raw synced group commit' : `raw verification on ${availableParallelism()} cores`)
  const rows = [
    ['real path: decode, verify every party (thread pool), owner, id index, synced group commit', perSecond(real), `${(real / floor).toFixed(2)}x`],
    ['floor: raw synced group commit of the same leaves (`MerkleLog.append`)', perSecond(raw), `${(raw / floor).toFixed(2)}x`],
    [`floor: raw verification of their ${fmt(triples.length)} signatures on ${availableParallelism()} cores (node:crypto, plain threads)`, perSecond(verify), `${(verify / floor).toFixed(2)}x`]
  ]
  return { goal, rows }
}

async function audit (node: Identity): Promise<{ goal: Goal, rows: string[][] }> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-audit-'))
  try {
    const dataDir = join(dir, 'node')
    await initDataDir(dataDir, {}, node.seed)
    // Two-party agreements only: the owner and one of 40 counterparties.
    const others = providers(40, 5)
    const all = realisticAgreements(AUDIT_ENTRIES, node, others, NOW, false)
    const log = await MerkleLog.open(dataDirPaths(dataDir).ledger, { signer: node })
    await closedLoop(all.length, 4096, async i => await log.append(all[i] as Uint8Array, [decodeEntry(all[i] as Uint8Array).body.id]))
    await log.close()
    const out = join(dir, 'bundle.json')
    const io = { out: () => {}, err: () => {}, env: {} }
    if (await runCli(['ledger', 'export', '--data-dir', dataDir, '--out', out], io) !== 0) throw new Error('export failed')
    const size = (await stat(out)).size
    // The real command, as a user runs it: a process running the built CLI (start-up included).
    const t = process.hrtime.bigint()
    const code = await new Promise<number | null>(resolve => spawn(process.execPath, [BIN, 'audit', 'bundle', out, '--json'], { stdio: 'ignore' }).once('exit', resolve))
    if (code !== 0) throw new Error(`audit found violations (exit ${code})`)
    const measured = seconds(t)
    const sample = triplesOf(all.slice(0, Math.min(all.length, 10_000)))
    const oneCore = rawVerifyOneCore(sample) * (2 * all.length) / sample.length
    const floor = oneCore / availableParallelism()
    // Not the floor, for context: the same verifications on plain threads, one per core (how far this
    // machine's cores fall short of dividing the work: the floor assumes they do not).
    const allSample = triplesOf(all.slice(0, Math.min(all.length, 20_000)))
    const allCores = await rawVerifyAllCores(allSample) * (2 * all.length) / allSample.length
    const goal = atMost(`offline audit of ${fmt(all.length)} two-party agreements`, measured, floor, 1.25, secs,
      `${fmt(2 * all.length)} raw verifications on one core / ${availableParallelism()} cores`)
    return {
      goal,
      rows: [
        [`\`fulcrum audit bundle\` (${fmt(size / 2 ** 20, 1)} MiB JSON read as a stream: root, decode, ${fmt(2 * all.length)} signatures; thread pool)`, secs(measured)],
        [`floor: ${fmt(2 * all.length)} raw verifications on one core (timed on ${fmt(sample.length)}, scaled) / ${availableParallelism()}`, secs(floor)],
        [`(context, not the floor) the same verifications on ${availableParallelism()} plain threads (timed on ${fmt(allSample.length)}, scaled)`, secs(allCores)]
      ]
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function proofs (signer: Identity): Promise<string> {
  return await withLog(signer, async (log) => {
    await closedLoop(PROOF_LOG_SIZE, 4096, async i => { const b = new Uint8Array(64); new DataView(b.buffer).setUint32(0, i); await log.append(b) })
    const root = log.root()
    const leaf = (i: number): Uint8Array => { const b = new Uint8Array(64); new DataView(b.buffer).setUint32(0, i); return b }
    let i = 0
    const gen = await opsPerSecond(async () => await log.inclusionProof((i = (i * 7919 + 1) % PROOF_LOG_SIZE)), 1000)
    const samples = await Promise.all(Array.from({ length: 256 }, async (_, k) => {
      const index = (k * 389) % PROOF_LOG_SIZE
      return { index, hash: leafHash(leaf(index)), proof: await log.inclusionProof(index) }
    }))
    let k = 0
    const verify = await opsPerSecond(() => {
      const s = samples[k++ % samples.length] as (typeof samples)[number]
      if (!verifyInclusion(s.hash, s.index, PROOF_LOG_SIZE, s.proof, root)) throw new Error('proof did not verify')
    }, 1000)
    return table([`inclusion proofs, log of ${fmt(PROOF_LOG_SIZE)} entries (reference, no goal)`, 'per second'], [
      ['generation from the on-disk log (one batched read)', fmt(gen)],
      ['verification (`verifyInclusion`)', fmt(verify)]
    ])
  })
}

/** The suite. */
export default async function ledger (): Promise<string> {
  const node = createIdentity(new Uint8Array(32).fill(7))
  const loadBefore = load()
  const a = await appends(node)
  const b = await audit(node)
  const p = await proofs(node)
  return [
    '## Agreement ledger',
    '',
    `Command: \`npm run bench -- ledger\`. One process, level on local disk (every append batch is one synced`,
    `LevelDB write). Load average ${loadBefore} at the start, ${load()} at the end.`,
    '',
    goalTable([a.goal, b.goal]),
    '',
    table(['appends: what is timed', 'appends/s', 'vs lower floor'], a.rows),
    '',
    table(['audit: what is timed', 'seconds'], b.rows),
    '',
    p,
    '',
    `RSS at the end: ${fmt(rssMiB())} MiB.`
  ].join('\n')
}
