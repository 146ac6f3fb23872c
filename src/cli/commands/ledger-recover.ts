/**
 * `fulcrum ledger recover`: rebuilds a damaged ledger (LOG_CORRUPT at start) from what survived in
 * its store, an export (`--from-export`), and the entries counterparties hold with this node as a
 * party (`--peer`, over ledger-v1), then checks the result against the checkpoint the node last
 * acknowledged (`ledger.ack.json`). The damaged store is kept as `ledger.damaged-<time>`; the
 * store is replaced only if every acknowledged entry is back and the root matches (or with
 * `--accept-loss`, which records the loss in the output and starts the ledger from what was found).
 */
import { cp, rename, rm } from 'node:fs/promises'
import { dataDirPaths, dataDirLocked, loadIdentity } from '../../datadir/index.js'
import { FulcrumError, isFulcrumError } from '../../errors/index.js'
import { decodeEntry, merkleRoot, bytesEqual, openNodeCheckpoint } from '../../ledger/index.js'
import { Bucket, LogError, MerkleLog, appendEntry, planRecovery, readAck, readU64 } from '../../log/index.js'
import type { Ack, RecoveryPlan } from '../../log/index.js'
import { salvageStore } from '../../storage/index.js'
import { LedgerClient } from '../../ledger-protocol/client.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson, usageError } from '../command.js'
import type { CliIO, Command, CommandArgs } from '../command.js'
import { readJson } from '../files.js'
import { MAX_BUNDLE_BYTES } from './audit.js'
import { target, withAuditNode } from './audit-network.js'

/** Entries fetched from a counterparty per request round (bounds memory per round). */
const FETCH_CHUNK = 4096

export const ledgerRecoverCommand: Command = {
  usage: '--data-dir DIR (--from-export FILE | --peer MULTIADDR...) [--accept-loss] [--json]',
  details: 'Run with the daemon stopped. Sources: what is still readable in the damaged store, an export\n' +
    '(`fulcrum ledger export`) and every entry that the --peer nodes hold with this node as a party. The result\n' +
    'must hold every acknowledged entry and reproduce the acknowledged root (ledger.ack.json), else exit 1\n' +
    'with LOG_CORRUPT naming the missing entries and nothing is changed (--accept-loss: keep what was found).',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION, 'from-export': { type: 'string' }, peer: { type: 'string', multiple: true }, allow: { type: 'string', multiple: true }, 'accept-loss': { type: 'boolean' } },
  async run (args, io) {
    const dir = dataDirOf(args, io)
    const peers = Array.isArray(args.values.peer) ? args.values.peer : []
    const exportFile = args.values['from-export']
    if (typeof exportFile !== 'string' && peers.length === 0) usageError('give --from-export FILE or at least one --peer MULTIADDR')
    const identity = await loadIdentity(dir)
    const paths = dataDirPaths(dir)
    const ack = await readAck(paths.ledgerAck)
    const aside = `${paths.ledger}.damaged-${Date.now()}`
    const survivors = await salvage(dir, paths.ledger, aside)
    const exported = typeof exportFile === 'string' ? await readExport(exportFile, identity.peerId) : undefined
    const fetched = peers.length === 0 ? [] : await fetchFromPeers(args, peers, identity.peerId)
    const plan = planRecovery({ ...(ack === undefined ? {} : { ack }), survivors, ...(exported === undefined ? {} : { exported }), fetched })
    const complete = plan.missing.length === 0 && plan.rootMatches
    if (!complete && args.values['accept-loss'] !== true) {
      // The sources cannot restore what was acknowledged: exit 1, nothing changed.
      await rm(aside, { recursive: true, force: true })
      io.err(`fulcrum ledger recover: ${LogError.CORRUPT}: ${describeFailure(plan, ack)}`)
      return ExitCode.INVALID
    }
    await rm(paths.ledger, { recursive: true, force: true })
    if (!complete) await rm(paths.ledgerAck, { force: true })
    const size = await rebuild(paths.ledger, identity, plan.leaves)
    // Reopening with the acknowledgement file checks the new store against it (and rewrites it).
    const log = await MerkleLog.open(paths.ledger, { signer: identity, ackFile: paths.ledgerAck })
    await log.close()
    report(io, args, { size, acknowledged: ack?.size, complete, counts: plan.counts, missing: plan.missing, damagedStore: aside })
    return complete ? ExitCode.OK : ExitCode.INVALID
  }
}

/** Copies the damaged store aside (kept for inspection) and reads the leaves still readable from the copy. */
async function salvage (dir: string, path: string, aside: string): Promise<Map<number, Uint8Array>> {
  const survivors = new Map<number, Uint8Array>()
  try {
    await cp(path, aside, { recursive: true, filter: src => !src.endsWith('/LOCK') })
  } catch {
    return survivors // no store at all
  }
  const codes = { locked: LogError.LOCKED, corrupt: LogError.CORRUPT, io: LogError.IO }
  try {
    await salvageStore(path, { gte: Uint8Array.of(Bucket.LEAF), lt: Uint8Array.of(Bucket.LEAF + 1) }, codes)
  } catch (err) {
    await rm(aside, { recursive: true, force: true })
    if (isFulcrumError(err, LogError.LOCKED)) throw await dataDirLocked(dir, err)
    throw err
  }
  for (const [k, v] of await salvageStore(aside, { gte: Uint8Array.of(Bucket.LEAF), lt: Uint8Array.of(Bucket.LEAF + 1) }, codes)) {
    if (k.length === 9) survivors.set(readU64(k.subarray(1)), new Uint8Array(v))
  }
  return survivors
}

/** An export's leaves, checked: its checkpoint is signed by this node and its leaves hash to it. */
async function readExport (file: string, peerId: string): Promise<Uint8Array[]> {
  const bundle = await readJson(file, MAX_BUNDLE_BYTES) as { checkpoint?: unknown, leaves?: unknown }
  if (typeof bundle?.checkpoint !== 'string' || !Array.isArray(bundle.leaves) || !bundle.leaves.every(l => typeof l === 'string')) {
    throw new FulcrumError(LogError.CORRUPT, `${file} is not a ledger export ({ checkpoint, leaves })`)
  }
  const cp = openNodeCheckpoint(bundle.checkpoint, peerId).checkpoint
  const leaves = (bundle.leaves as string[]).map(l => new Uint8Array(Buffer.from(l, 'base64')))
  if (leaves.length !== cp.size || !bytesEqual(merkleRoot(leaves), cp.root)) {
    throw new FulcrumError(LogError.CORRUPT, `${file}: its leaves do not match its signed checkpoint`)
  }
  return leaves
}

/** Every entry the peers' ledgers hold with `self` among the parties, in each peer's order. */
async function fetchFromPeers (args: CommandArgs, peers: string[], self: string): Promise<Uint8Array[]> {
  const targets = peers.map(target)
  return await withAuditNode(args, targets, async (node, signal) => {
    const out: Uint8Array[] = []
    for (const t of targets) {
      const client = await LedgerClient.connect(node, t.addr, t.peerId, signal)
      try {
        const size = (await client.checkpoint()).checkpoint.size
        for (let i = 0; i < size; i += FETCH_CHUNK) {
          for (const leaf of await client.entries(i, Math.min(size, i + FETCH_CHUNK))) {
            if (isPartyOf(leaf, self)) out.push(leaf)
          }
        }
      } finally {
        await client.close()
      }
    }
    return out
  })
}

function isPartyOf (leaf: Uint8Array, self: string): boolean {
  try {
    return decodeEntry(leaf).body.parties.includes(self)
  } catch {
    return false
  }
}

/** Writes `leaves` into a new log at `path`, in order, each checked as an append is. */
async function rebuild (path: string, identity: Awaited<ReturnType<typeof loadIdentity>>, leaves: Uint8Array[]): Promise<number> {
  const log = await MerkleLog.open(path, { signer: identity })
  try {
    // Started in order without awaiting each: group commit keeps the order and shares the fsyncs.
    await Promise.all(leaves.map(async leaf => await appendEntry(log, identity.peerId, leaf)))
    return log.size
  } finally {
    await log.close()
  }
}

function describeFailure (plan: RecoveryPlan, ack: Ack | undefined): string {
  const found = plan.counts.survivors + plan.counts.exported + plan.counts.fetched
  if (plan.missing.length > 0) {
    const shown = plan.missing.slice(0, 10).join(', ') + (plan.missing.length > 10 ? ', ...' : '')
    return `found ${found} of ${ack?.size ?? '?'} acknowledged entries; ${plan.missing.length} still missing (indexes ${shown}): give an export or more --peer nodes, or --accept-loss`
  }
  return `found ${found} entries, but in this order they do not reproduce the acknowledged root of size ${ack?.size ?? '?'}: give an export, or --accept-loss`
}

function report (io: CliIO, args: CommandArgs, r: { size: number, acknowledged: number | undefined, complete: boolean, counts: RecoveryPlan['counts'], missing: number[], damagedStore: string }): void {
  if (args.values.json === true) { printJson(io, r); return }
  io.out(`recovered the ledger: ${r.size} entries (${r.counts.survivors} from the damaged store, ${r.counts.exported} from the export, ${r.counts.fetched} from peers)` +
    (r.complete ? `; matches the acknowledged checkpoint (size ${r.acknowledged ?? r.size})` : `; ACCEPTED LOSS of ${r.missing.length} acknowledged entries`) +
    `; the damaged store is kept at ${r.damagedStore}`)
}
