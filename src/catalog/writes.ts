/**
 * The catalog's store layout, its grouped writes and its cursors.
 *
 * Storage buckets (one prefix byte each; a number is never reused):
 * - 0x01 `provider/id`            → the record kept for that key (offer or withdrawal), canonical bytes
 * - 0x02 `provider/id/` seq(u64BE) → equivocation evidence (encodeEvidence)
 *
 * Writes are grouped: the catalog decides and updates memory at once, then pending operations
 * share one batch. Until a batch is written, reads of its keys are answered from it, so a read
 * never sees an older record than the one memory holds.
 */
import { FulcrumError } from '../errors/index.js'
import type { Store } from '../storage/index.js'
import { CatalogError } from './errors.js'
import { PRICE_SPLIT } from './columns.js'
import type { Position } from './sorted-slots.js'

export const BUCKET_RECORD = 0x01
export const BUCKET_EVIDENCE = 0x02

type Op = { type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }

/** Pending writes of the catalog, written in batches. */
export class PendingWrites {
  private ops: Op[] = []
  /** The record keys (text) and values of `ops` that write records, in order: what a flush clears from {@link values}. */
  private written: Array<[string, Uint8Array | null]> = []
  /** Record values not yet on disk, by key (null: deleted). */
  private readonly values = new Map<string, Uint8Array | null>()
  /** Work that must finish before the next batch (evidence reads the held record). */
  private tasks: Array<Promise<void>> = []
  private flushing: Promise<void> | undefined
  /** The flush scheduled by {@link flushSoon}, until it starts. */
  private soon: Promise<void> | undefined

  constructor (private readonly db: Store) {}

  putRecord (key: string, bytes: Uint8Array): void {
    this.ops.push({ type: 'put', key: recordDbKey(key), value: bytes })
    this.values.set(key, bytes)
    this.written.push([key, bytes])
  }

  delRecord (key: string): void {
    this.ops.push({ type: 'del', key: recordDbKey(key) })
    this.values.set(key, null)
    this.written.push([key, null])
  }

  putEvidence (key: string, seq: number, evidence: Uint8Array): void {
    this.ops.push({ type: 'put', key: evidenceDbKey(key, seq), value: evidence })
  }

  /** Runs `task` before the next batch is written. */
  before (task: Promise<void>): void { this.tasks.push(task) }

  /** The stored bytes of each key (undefined: none), pending writes first. */
  async read (keys: string[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = keys.map(k => this.values.get(k) ?? undefined)
    const missing = keys.map((k, i) => [k, i] as const).filter(([k]) => !this.values.has(k))
    if (missing.length === 0) return out
    const got = await this.db.getMany(missing.map(([k]) => recordDbKey(k)))
    missing.forEach(([k, i], j) => {
      // A write that landed while reading wins: it is what memory holds.
      const pending = this.values.get(k)
      out[i] = pending === undefined ? plain(got[j]) : pending ?? undefined
    })
    return out
  }

  /**
   * {@link flush} on the next turn of the event loop (setImmediate): callers until then share the
   * batch, and none of them pays for it synchronously. Reads see pending records meanwhile.
   */
  async flushSoon (): Promise<void> {
    this.soon ??= new Promise<void>(resolve => { setImmediate(resolve) }).then(async () => {
      this.soon = undefined
      await this.flush()
    })
    await this.soon
  }

  /** Writes what is pending; concurrent callers share one batch. */
  async flush (): Promise<void> {
    while (this.flushing !== undefined || this.tasks.length > 0) {
      if (this.flushing !== undefined) await this.flushing
      const tasks = this.tasks
      this.tasks = []
      await Promise.all(tasks)
    }
    if (this.ops.length === 0) return
    const ops = this.ops
    const written = this.written
    this.ops = []
    this.written = []
    this.flushing = this.db.batch(ops).finally(() => {
      this.flushing = undefined
      // A key written again since (pending in the next batch) keeps its newer value.
      for (const [k, v] of written) if (this.values.get(k) === v) this.values.delete(k)
    })
    await this.flushing
  }
}

/** A plain Uint8Array view (level returns Buffers; callers compare records with deepEqual). */
function plain (b: Uint8Array | undefined): Uint8Array | undefined {
  return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** BUCKET_RECORD as a character: below 0x80, it is that one byte in UTF-8. */
const RECORD_PREFIX = String.fromCharCode(BUCKET_RECORD)

export function recordDbKey (key: string): Uint8Array {
  // One allocation (the prefix and the key encoded together), not three.
  return Buffer.from(RECORD_PREFIX + key, 'utf8')
}

function evidenceDbKey (key: string, seq: number): Uint8Array {
  const s = Buffer.alloc(8)
  s.writeBigUInt64BE(BigInt(seq))
  return Buffer.concat([Uint8Array.of(BUCKET_EVIDENCE), Buffer.from(`${key}/`, 'utf8'), s])
}

/** A page cursor: the (normalised price, key) of the page's last entry. */
export function encodeCursor (price: bigint, key: string): string {
  return Buffer.from(JSON.stringify([price.toString(), key])).toString('base64url')
}

/** The position a cursor names; throws `CATALOG_BAD_CURSOR`. */
export function decodeCursor (cursor: string): Position {
  try {
    const [price, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string]
    if (typeof price !== 'string' || typeof key !== 'string' || !/^[0-9]{1,40}$/.test(price)) throw new Error('shape')
    const p = BigInt(price)
    // Beyond 2^53 the high half rounds, but stays above every offer's (below 10^12): same order.
    return { hi: Number(p / PRICE_SPLIT), lo: Number(p % PRICE_SPLIT), key }
  } catch (err) {
    throw new FulcrumError(CatalogError.BAD_CURSOR, 'not a cursor from this catalog', { cause: err })
  }
}
