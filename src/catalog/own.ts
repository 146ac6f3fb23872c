/**
 * The node's own signed records (offers and withdrawals), kept apart from the catalog in one
 * small file (`DIR/own-records.json`), written atomically and fsynced on every change. The
 * catalog is a replica of network state that a damaged store may lose (and sync re-fetches), but
 * nobody else holds the node's own offers for sure: the catalog is re-seeded from this file at
 * every start, and after a damaged catalog is set aside.
 *
 * File: `{ "v": 1, "records": [base64 canonical record bytes] }`, at most one record per offer id
 * (the highest seq).
 */
import { readFile } from 'node:fs/promises'
import { writeFileDurably } from '../storage/index.js'
import { FulcrumError } from '../errors/index.js'
import { decodeRecord, recordKey } from '../offers/index.js'
import type { OfferRecord } from '../offers/index.js'
import { CatalogError } from './errors.js'

/** Own records at most (each a few KiB): bounds the file a provider rewrites on each publish. */
export const MAX_OWN_RECORDS = 10_000

/** The own-records file of a node. */
export class OwnRecords {
  private chain: Promise<void> = Promise.resolve()

  private constructor (readonly path: string, private readonly byKey: Map<string, { record: OfferRecord, bytes: Uint8Array }>) {}

  /** Loads the file (empty if absent). Throws `CATALOG_CORRUPT` if it is unreadable. */
  static async load (path: string): Promise<OwnRecords> {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new OwnRecords(path, new Map())
      throw new FulcrumError(CatalogError.IO, `cannot read ${path}`, { cause: err })
    }
    const byKey = new Map<string, { record: OfferRecord, bytes: Uint8Array }>()
    try {
      const v = JSON.parse(text) as { v?: unknown, records?: unknown }
      if (v.v !== 1 || !Array.isArray(v.records)) throw new Error('not { v: 1, records }')
      for (const b64 of v.records) {
        if (typeof b64 !== 'string') throw new Error('a record is not base64 text')
        const bytes = new Uint8Array(Buffer.from(b64, 'base64'))
        const record = decodeRecord(bytes)
        byKey.set(recordKey(record), { record, bytes })
      }
    } catch (err) {
      throw new FulcrumError(CatalogError.CORRUPT, `${path} (the node's own offers) is damaged: ${(err as Error).message}`, { cause: err })
    }
    return new OwnRecords(path, byKey)
  }

  /** The records held, canonical bytes. */
  records (): Uint8Array[] {
    return [...this.byKey.values()].map(e => e.bytes)
  }

  /** Keeps `bytes` (a record of this node) if it is newer than the one held for its id; durable on return. */
  async put (record: OfferRecord, bytes: Uint8Array): Promise<void> {
    const key = recordKey(record)
    const held = this.byKey.get(key)
    if (held !== undefined && held.record.body.seq >= record.body.seq) return
    if (held === undefined && this.byKey.size >= MAX_OWN_RECORDS) throw new FulcrumError(CatalogError.IO, `more than ${MAX_OWN_RECORDS} own records`)
    this.byKey.set(key, { record, bytes })
    const write = this.chain.then(async () => { await this.write() })
    this.chain = write.catch(() => {})
    await write
  }

  private async write (): Promise<void> {
    const text = JSON.stringify({ v: 1, records: this.records().map(b => Buffer.from(b).toString('base64')) }) + '\n'
    await writeFileDurably(this.path, text)
  }
}
