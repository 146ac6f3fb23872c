/**
 * Reading a log that the daemon holds open. LevelDB admits one opener per store, and commands
 * such as `fulcrum ledger export` must work whether the daemon runs or not: when the store is
 * locked, they read a private snapshot, a copy of the store's files taken without the lock.
 *
 * Why a copy is safe: table files are immutable and only deleted after a newer manifest stops
 * referring to them, and every append batch (leaves, subtree hashes, size and checkpoint) is one
 * atomic write-ahead-log record. A copy therefore recovers to the state after some acknowledged
 * batch (a torn last record is dropped by LevelDB's recovery), and the stored checkpoint is checked
 * against the tree on open. A file that vanishes while copying (a compaction) restarts the copy.
 */
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { LogError } from './errors.js'
import { MerkleLog } from './store.js'
import type { LogOptions } from './store.js'

/** Copies attempted before giving up: each retry follows a compaction that raced the copy. */
export const SNAPSHOT_ATTEMPTS = 5

/** A log opened for reading, and how to release it. */
export interface ReadableLog {
  log: MerkleLog
  /** True if this is a snapshot copy because another process holds the store. */
  snapshot: boolean
  close: () => Promise<void>
}

/**
 * Opens the log at `path` (of the node `peerId`) for reading: directly if it is free, else from
 * a snapshot copy. Throws `LOG_IO` if there is no store (and no `signer` to create it), `LOG_CORRUPT` if it does not verify
 * or is behind `ackFile`.
 */
export async function openLogForReading (path: string, peerId: string, signer?: LogOptions['signer'], ackFile?: string): Promise<ReadableLog> {
  const ack = ackFile === undefined ? {} : { ackFile }
  try {
    // With the node's own key the store is created (with a signed empty checkpoint) if missing.
    const log = await MerkleLog.open(path, signer === undefined ? { peerId, ...ack } : { signer, ...ack })
    return { log, snapshot: false, close: async () => { await log.close() } }
  } catch (err) {
    if (!isFulcrumError(err, LogError.LOCKED)) throw err
  }
  let lastError: unknown
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'fulcrum-log-snapshot-'))
    try {
      await copyStore(path, dir)
      // Checked against the acknowledgement file too (read only: a snapshot has no signer).
      const log = await MerkleLog.open(dir, { peerId, ...ack })
      return { log, snapshot: true, close: async () => { await log.close(); await rm(dir, { recursive: true, force: true }) } }
    } catch (err) {
      lastError = err
      await rm(dir, { recursive: true, force: true })
      if (isFulcrumError(err, LogError.CORRUPT)) throw err
    }
  }
  throw new FulcrumError(LogError.IO, `could not take a consistent snapshot of ${path}`, { cause: lastError })
}

async function copyStore (from: string, to: string): Promise<void> {
  const names = (await readdir(from)).filter(n => n !== 'LOCK' && n !== 'LOG' && n !== 'LOG.old')
  // CURRENT and the manifest first: table files they name are kept at least until a newer manifest exists.
  const rank = (n: string): number => n === 'CURRENT' ? 0 : n.startsWith('MANIFEST-') ? 1 : 2
  names.sort((a, b) => rank(a) - rank(b))
  for (const n of names) await copyFile(join(from, n), join(to, n))
}
