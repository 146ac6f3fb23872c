/**
 * `fulcrum ledger checkpoint|vkey|export|proof|append`: the node's agreement ledger.
 *
 * These commands work whether the daemon runs or not: LevelDB admits one opener, so when the
 * daemon holds the store, reads go to a private snapshot copy (see `log/snapshot.ts`) that
 * recovers to the last acknowledged batch, checked against its signed checkpoint. `append`
 * writes, so it needs the store free (stop the daemon first).
 */
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { dataDirPaths, loadIdentity } from '../../datadir/index.js'
import { FulcrumError } from '../../errors/index.js'
import {
  cosignerVerifierKey, entryFromJson, entryToJson, ledgerVerifierKey, originOf, openNodeCheckpoint, leafHash
} from '../../ledger/index.js'
import type { Entry } from '../../ledger/index.js'
import { LogError, MAX_LEAVES_PER_READ, MerkleLog, appendEntry, openLogForReading } from '../../log/index.js'
import type { ReadableLog } from '../../log/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson, requireString, usageError } from '../command.js'
import type { CliIO, CommandArgs, Command } from '../command.js'
import { readJson } from '../files.js'
import { ApiClient, ApiError } from '../../api/index.js'
import type { LedgerAppendResult } from '../../api/index.js'
import type { Identity } from '../../identity/index.js'

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')

/** Opens the data dir's ledger for reading (snapshot if the daemon runs), runs `fn`, closes it. */
export async function withLedger<T> (args: CommandArgs, io: CliIO, fn: (r: ReadableLog, peerId: string) => Promise<T>): Promise<T> {
  const dir = dataDirOf(args, io)
  const identity = await loadIdentity(dir)
  const paths = dataDirPaths(dir)
  const reader = await openLogForReading(paths.ledger, identity.peerId, identity, paths.ledgerAck)
  try {
    return await fn(reader, identity.peerId)
  } finally {
    await reader.close()
  }
}

function latestCheckpoint (reader: ReadableLog): string {
  const text = reader.log.checkpoint()
  if (text === undefined) throw new FulcrumError(LogError.CORRUPT, 'the ledger has no checkpoint')
  return text
}

/** Parses a non-negative integer flag. */
function intFlag (args: CommandArgs, name: string): number | undefined {
  const v = args.values[name]
  if (v === undefined) return undefined
  const n = typeof v === 'string' && /^(0|[1-9][0-9]*)$/.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n)) usageError(`--${name} must be a non-negative integer, got '${String(v)}'`)
  return n
}

/** `fulcrum ledger checkpoint` */
export const ledgerCheckpointCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    return await withLedger(args, io, async (reader, peerId) => {
      const text = latestCheckpoint(reader)
      if (args.values.json === true) {
        const cp = openNodeCheckpoint(text, peerId).checkpoint
        printJson(io, { origin: cp.origin, size: cp.size, root: b64(cp.root), checkpoint: text, snapshot: reader.snapshot })
      } else {
        io.out(text.replace(/\n$/, ''))
      }
      return ExitCode.OK
    })
  }
}

/** `fulcrum ledger vkey` */
export const ledgerVkeyCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const { peerId } = await loadIdentity(dataDirOf(args, io))
    if (args.values.json === true) {
      printJson(io, { origin: originOf(peerId), vkey: ledgerVerifierKey(peerId), cosignerVkey: cosignerVerifierKey(peerId) })
    } else {
      io.out(ledgerVerifierKey(peerId))
    }
    return ExitCode.OK
  }
}

/** `fulcrum ledger export`: streams the bundle, reading pages of leaves. */
export const ledgerExportCommand: Command = {
  usage: '--data-dir DIR --out FILE [--json]',
  options: { ...DATA_DIR_OPTION, out: { type: 'string' } },
  async run (args, io) {
    const out = requireString(args, 'out')
    return await withLedger(args, io, async (reader, peerId) => {
      const checkpoint = latestCheckpoint(reader)
      const size = openNodeCheckpoint(checkpoint, peerId).checkpoint.size
      const head = { origin: originOf(peerId), vkey: ledgerVerifierKey(peerId), checkpoint }
      const stream = createWriteStream(out)
      const write = async (s: string): Promise<void> => { if (!stream.write(s)) await once(stream, 'drain') }
      try {
        await write(JSON.stringify(head, null, 2).replace(/\n}$/, ',\n  "leaves": ['))
        for (let start = 0; start < size; start += MAX_LEAVES_PER_READ) {
          const leaves = await reader.log.leaves(start, Math.min(size, start + MAX_LEAVES_PER_READ))
          await write(leaves.map((l, i) => `${start + i === 0 ? '' : ','}\n    "${b64(l)}"`).join(''))
        }
        await write(size === 0 ? ']\n}\n' : '\n  ]\n}\n')
      } finally {
        stream.end()
        await once(stream, 'close')
      }
      if (args.values.json === true) printJson(io, { out, entries: size, snapshot: reader.snapshot })
      else io.err(`exported ${size} entries to ${out}${reader.snapshot ? ' (from a snapshot: the daemon is running)' : ''}`)
      return ExitCode.OK
    })
  }
}

/** `fulcrum ledger proof` */
export const ledgerProofCommand: Command = {
  usage: '--data-dir DIR --index N [--size S]',
  options: { ...DATA_DIR_OPTION, index: { type: 'string' }, size: { type: 'string' } },
  async run (args, io) {
    const index = intFlag(args, 'index') ?? usageError('--index is required')
    const wanted = intFlag(args, 'size')
    return await withLedger(args, io, async (reader) => {
      const treeSize = wanted ?? reader.log.size
      if (index >= treeSize || treeSize > reader.log.size) usageError(`the ledger has ${reader.log.size} entries: need index < size <= ${reader.log.size}`)
      const proof = await reader.log.inclusionProof(index, treeSize)
      printJson(io, { leafIndex: index, treeSize, leafHash: b64(leafHash(await reader.log.leaf(index))), proof: proof.map(b64) })
      return ExitCode.OK
    })
  }
}

/** `fulcrum ledger append`: the offline way to record a signed entry (see module doc). */
export const ledgerAppendCommand: Command = {
  usage: 'FILE --data-dir DIR [--json]',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const dir = dataDirOf(args, io)
    const identity = await loadIdentity(dir)
    let entry
    try {
      entry = entryFromJson(await readJson(args.positionals[0] as string))
    } catch (err) {
      if (!(err instanceof FulcrumError) || !err.code.startsWith('LEDGER_')) throw err
      io.err(`fulcrum ledger append: invalid entry: ${err.code}: ${err.message}`)
      return ExitCode.INVALID
    }
    try {
      const r = await appendThroughDaemonOrStore(dir, identity, entry)
      if (args.values.json === true) printJson(io, r)
      else io.out(`${r.existing ? 'already at' : 'appended at'} index ${r.index}; ledger size ${r.size}` + (r.cosigners.length > 0 ? `; cosigned by ${r.cosigners.join(', ')}` : '') +
        (r.cosigning?.status === 'pending' ? `; cosigning pending for ${r.cosigning.pending.join(', ')} [${r.cosigning.code}]` : ''))
      return ExitCode.OK
    } catch (err) {
      if (!(err instanceof FulcrumError) || !(err.code.startsWith('LEDGER_') || err.code === 'LOG_DUPLICATE_ID')) throw err
      io.err(`fulcrum ledger append: refused: ${err.code}: ${err.message}`)
      return ExitCode.INVALID
    }
  }
}

/**
 * Appends through the running daemon's API (which also asks the other parties to cosign), or,
 * when no daemon runs, straight to the store.
 */
async function appendThroughDaemonOrStore (dir: string, identity: Identity, entry: Entry): Promise<LedgerAppendResult> {
  let api: ApiClient | undefined
  try {
    api = await ApiClient.forDataDir(dir)
  } catch (err) {
    if (!(err instanceof FulcrumError) || err.code !== ApiError.NOT_RUNNING) throw err
  }
  if (api !== undefined) return await api.call<LedgerAppendResult>('POST', '/v1/ledger/entries', entryToJson(entry))
  const paths = dataDirPaths(dir)
  const log = await MerkleLog.open(paths.ledger, { signer: identity, ackFile: paths.ledgerAck })
  try {
    const r = await appendEntry(log, identity.peerId, entry)
    return { index: r.index, leafHash: b64(r.leafHash), existing: r.existing, size: log.size, cosigners: [] }
  } finally {
    await log.close()
  }
}
