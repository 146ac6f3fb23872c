/**
 * The acknowledgement file of a log: the size, root and signed checkpoint of the last batch the
 * node acknowledged, kept *beside* the LevelDB store (`DIR/ledger.ack.json`), so that a store
 * that lost data (LevelDB dropping a damaged write-ahead log record, a lost `CURRENT`, a
 * replaced directory) is caught on open instead of being served as if nothing happened.
 *
 * Written after each synced batch, atomically (temporary file, fsync, rename) and off the append
 * path: writes are coalesced, so while appends stream in the file may trail the store by the
 * batches written since the last write finished; after `close()` it is exact. The store may be
 * ahead of the file, never behind it.
 */
import { strictBase64, toBase64 } from '../encoding/base64.js'
import { readTextFile, writeFileDurably } from '../storage/file.js'
import { FulcrumError } from '../errors/index.js'
import { LogError } from './errors.js'

/** What the node last acknowledged. */
export interface Ack {
  size: number
  /** Root hash of the first `size` leaves. */
  root: Uint8Array
  /** The signed checkpoint note of that size. */
  checkpoint: string
}

/** Reads an acknowledgement file; undefined if there is none. Throws `LOG_CORRUPT` if it is unreadable. */
export async function readAck (path: string): Promise<Ack | undefined> {
  let text: string | undefined
  try {
    text = await readTextFile(path)
  } catch (err) {
    throw new FulcrumError(LogError.IO, `cannot read ${path}`, { cause: err })
  }
  if (text === undefined) return undefined
  try {
    const v = JSON.parse(text) as { v?: unknown, size?: unknown, root?: unknown, checkpoint?: unknown }
    if (v.v !== 1 || !Number.isSafeInteger(v.size) || (v.size as number) < 0 || typeof v.root !== 'string' || typeof v.checkpoint !== 'string') throw new Error('bad fields')
    const root = strictBase64(v.root)
    if (root === undefined) throw new Error('bad root')
    if (root.length !== 32) throw new Error('bad root')
    return { size: v.size as number, root, checkpoint: v.checkpoint }
  } catch (err) {
    throw new FulcrumError(LogError.CORRUPT, `${path} is not a valid acknowledgement file`, { cause: err })
  }
}

/** Writes an acknowledgement file atomically and durably. */
export async function writeAck (path: string, ack: Ack): Promise<void> {
  const text = JSON.stringify({ v: 1, size: ack.size, root: toBase64(ack.root), checkpoint: ack.checkpoint }) + '\n'
  await writeFileDurably(path, text)
}

/** Coalesces acknowledgement writes: at most one in flight, always ending with the latest. */
export class AckWriter {
  private latest: Ack | undefined
  private running: Promise<void> | undefined
  /** The last write failure (logged by the owner; the next batch retries). */
  lastError: unknown

  constructor (readonly path: string) {}

  /** Records `ack` as the newest acknowledged state; written soon, without waiting. */
  schedule (ack: Ack): void {
    this.latest = ack
    this.running ??= this.run()
  }

  /** Resolves once the newest scheduled state is on disk. */
  async flush (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async run (): Promise<void> {
    try {
      while (this.latest !== undefined) {
        const ack = this.latest
        this.latest = undefined
        try {
          await writeAck(this.path, ack)
          this.lastError = undefined
        } catch (err) {
          this.lastError = err
        }
      }
    } finally {
      this.running = undefined
    }
  }
}
