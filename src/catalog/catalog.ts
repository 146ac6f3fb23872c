/**
 * The offer catalog: verified offer records on level (the embedded LevelDB), with an in-memory
 * price index for queries.
 *
 * Storage buckets (one prefix byte each; a number is never reused):
 * - 0x01 `provider/id`            → the record kept for that key (offer or withdrawal), canonical bytes
 * - 0x02 `provider/id/` seq(u64BE) → equivocation evidence (encodeEvidence)
 *
 * Writes are grouped: inserts decide and update memory at once, then share one batch write.
 * The catalog is a replica of network state (sync re-fetches anything lost), so batches are not
 * fsynced; the provider's own offers are also re-signed and republished by the node.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { isCorruption, openStore } from '../storage/index.js'
import type { Store } from '../storage/index.js'
import {
  compileFilter, decodeRecord, normalisedPrice, recordExpiresAt, recordKey, sha256
} from '../offers/index.js'
import type { CompiledFilter, OfferFilter, OfferRecord, VerifiedRecord } from '../offers/index.js'
import { decideInsert, encodeEvidence, makeEvidence } from './decide.js'
import { CatalogError } from './errors.js'
import type { InsertDecision } from './decide.js'
import { PriceIndex } from './price-index.js'
import { CandidateIndex, planPage } from './plan.js'
import { Interner } from './intern.js'
import type { Indexed } from './price-index.js'
import { ProviderCounts } from './limits.js'
import type { CatalogLimits } from './limits.js'

const BUCKET_RECORD = 0x01
const BUCKET_EVIDENCE = 0x02

/** Largest page a query returns: bounds response size (100 × 4 KiB records). */
export const MAX_PAGE_SIZE = 100
/** Page size when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 20

/** A record kept by the catalog. */
export interface CatalogEntry {
  readonly key: string
  readonly record: OfferRecord
  readonly bytes: Uint8Array
  readonly digest: Uint8Array
  /** Set when the provider equivocated at this seq: the entry is not served until a higher seq. */
  readonly conflicted: boolean
}

/** The outcome of an insert. */
export interface InsertResult {
  readonly decision: InsertDecision
  readonly key: string
  readonly seq: number
  /** The key of the record evicted to make room for this one (limits.ts), if any. */
  readonly evicted?: string
}

/** A page of query results, cheapest first. */
export interface QueryPage {
  readonly entries: CatalogEntry[]
  /** Pass back to get the next page; absent on the last page. */
  readonly nextCursor?: string
}

/** Query options. */
export interface QueryOptions {
  /** Current time, unix ms: expired offers are never returned. */
  now: number
  limit?: number
  cursor?: string
}

/** Fields whose strings are not shared between records (see intern.ts). */
const UNIQUE_FIELDS: ReadonlySet<string> = new Set(['id'])

/**
 * A held record. The digest is computed when asked (only for the insert decision at equal seqs),
 * not kept: 32 bytes and a buffer per record add up over millions of records.
 */
class StoredEntry implements CatalogEntry {
  constructor (readonly key: string, readonly record: OfferRecord, readonly bytes: Uint8Array, readonly conflicted: boolean) {}
  get digest (): Uint8Array { return sha256(this.bytes) }
}

type Op = { type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }

/** The catalog. Create with {@link Catalog.open}; call {@link Catalog.close} when done. */
export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>()
  /** Live offers by price: all of them, and per service type (most queries name a type). */
  private readonly prices = new PriceIndex()
  private readonly pricesByType = new Map<string, PriceIndex>()
  /** Live offers by provider and country, for rare matches (see plan.ts). */
  private readonly candidates = new CandidateIndex()
  private readonly strings = new Interner()
  private pending: Op[] = []
  private flushing: Promise<void> | undefined
  private readonly counts = new ProviderCounts()

  private constructor (private readonly db: Store) {}

  /**
   * Opens (creating if needed) the catalog at `path` and loads it into memory. Throws
   * `CATALOG_LOCKED` if another process has it open, `CATALOG_CORRUPT` if the store is damaged
   * (see `storage/`) or a stored record does not decode: never a catalog with records silently missing.
   */
  static async open (path: string): Promise<Catalog> {
    const db = await openStore(path, { codes: { locked: CatalogError.LOCKED, corrupt: CatalogError.CORRUPT, io: CatalogError.IO }, name: 'the catalog' })
    const catalog = new Catalog(db)
    try {
      await catalog.load()
    } catch (err) {
      await db.close()
      if (isFulcrumError(err, CatalogError.CORRUPT)) throw err
      const why = isCorruption(err) ? 'LevelDB cannot read part of it' : 'a stored record does not decode'
      throw new FulcrumError(CatalogError.CORRUPT, `the catalog at ${path} is damaged: ${why} (${catalog.size} records read before that)`, { cause: err })
    }
    return catalog
  }

  private async load (): Promise<void> {
    const added: Indexed[] = []
    for await (const [, bytes] of this.db.iterator({ gte: Uint8Array.of(BUCKET_RECORD), lt: Uint8Array.of(BUCKET_RECORD + 1) })) {
      // Records were verified before they were stored: decoding re-checks structure only.
      this.setEntry({ record: decodeRecord(bytes), bytes }, false, added)
    }
    this.index(added)
    for await (const [key] of this.db.iterator({ gte: Uint8Array.of(BUCKET_EVIDENCE), lt: Uint8Array.of(BUCKET_EVIDENCE + 1) })) {
      const text = Buffer.from(key.subarray(1, key.length - 8)).toString('utf8')
      const seq = Number(Buffer.from(key.subarray(key.length - 8)).readBigUInt64BE())
      const entry = this.entries.get(text.slice(0, -1))
      if (entry !== undefined && entry.record.body.seq === seq) this.setEntry(entry, true, [])
    }
  }

  /** Number of records held (offers and withdrawals, expired ones until swept). */
  get size (): number { return this.entries.size }

  /**
   * Sets the catalog's limits and the node's own provider id, whose records are never refused or
   * evicted (limits.ts). Until called, the default limits apply and no provider is own.
   */
  configure (limits: CatalogLimits, own: string | undefined): void {
    this.counts.configure(limits, own)
  }

  /** Records held for `provider`. */
  providerCount (provider: string): number { return this.counts.count(provider) }

  /** True if a record under `key` would not be refused by the limits now (held keys always pass). */
  wouldAdmit (key: string): boolean {
    if (this.entries.has(key)) return true
    const slash = key.indexOf('/')
    return slash > 0 && this.counts.wouldAdmit(key.slice(0, slash))
  }

  /**
   * Decides and applies one record in memory at once (the gossip validator relays before the
   * write); `persisted` settles when the write is on disk.
   */
  insertNow (verified: VerifiedRecord): { result: InsertResult, persisted: Promise<void> } {
    const added: Indexed[] = []
    const result = this.apply(verified, added)
    this.index(added)
    return { result, persisted: this.flush() }
  }

  /** Inserts a verified record; see `decideInsert` for what happens. */
  async insert (verified: VerifiedRecord): Promise<InsertResult> {
    const [result] = await this.insertMany([verified])
    return result as InsertResult
  }

  /** Inserts several records with one write. */
  async insertMany (records: VerifiedRecord[]): Promise<InsertResult[]> {
    const added: Indexed[] = []
    const results = records.map(v => this.apply(v, added))
    // An item replaced later in the same batch is no longer current: index only the survivors.
    this.index(added.filter(item => this.entries.get(item.key)?.record.body === item.offer))
    await this.flush()
    return results
  }

  private apply (verified: VerifiedRecord, added: Indexed[]): InsertResult {
    const key = recordKey(verified.record)
    const held = this.entries.get(key)
    const decision = decideInsert(held, verified)
    let evicted: string | undefined
    if (decision === 'store' && held === undefined) {
      const admission = this.counts.admit(verified.record.body.provider, keys => this.oldest(keys))
      if (!admission.admit) return { decision: 'refused', key, seq: verified.record.body.seq }
      if (admission.evict !== undefined) this.remove(evicted = admission.evict)
    }
    if (decision === 'store') {
      this.setEntry(verified, false, added)
      this.pending.push({ type: 'put', key: recordDbKey(key), value: verified.bytes })
    } else if (decision === 'equivocation' && held !== undefined) {
      this.setEntry(held, true, added)
      this.pending.push({ type: 'put', key: evidenceDbKey(key, held.record.body.seq), value: encodeEvidence(makeEvidence(held.bytes, verified.bytes)) })
    }
    return { decision, key, seq: verified.record.body.seq, ...(evicted === undefined ? {} : { evicted }) }
  }

  /** The key of the oldest record (lowest issue time, then key) among `keys`. */
  private oldest (keys: ReadonlySet<string>): string {
    let best: CatalogEntry | undefined
    for (const k of keys) {
      const e = this.entries.get(k)
      if (e !== undefined && (best === undefined || e.record.body.issuedAt < best.record.body.issuedAt ||
        (e.record.body.issuedAt === best.record.body.issuedAt && e.key < best.key))) best = e
    }
    return (best as CatalogEntry).key
  }

  /** Removes a record from memory and (with the next flush) from the store. */
  private remove (key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    this.unindex(entry)
    this.entries.delete(key)
    this.counts.remove(entry.record.body.provider, key)
    this.pending.push({ type: 'del', key: recordDbKey(key) })
  }

  /** Sets the entry of a key; a servable offer goes to `added`, to be indexed by the caller. */
  private setEntry (v: Pick<CatalogEntry, 'record' | 'bytes'>, conflicted: boolean, added: Indexed[]): void {
    const key = recordKey(v.record)
    const old = this.entries.get(key)
    if (old !== undefined) this.unindex(old)
    if (old?.record !== v.record) this.strings.deep(v.record.body, UNIQUE_FIELDS)
    const entry: CatalogEntry = new StoredEntry(key, v.record, v.bytes, conflicted)
    this.entries.set(key, entry)
    this.counts.add(v.record.body.provider, key)
    if (entry.record.kind === 'offer' && !conflicted) {
      added.push({ key, price: normalisedPrice(entry.record.body), offer: entry.record.body })
    }
  }

  private index (added: Indexed[]): void {
    this.prices.addMany(added)
    for (const item of added) this.candidates.add(item)
    const byType = new Map<string, Indexed[]>()
    for (const item of added) {
      const list = byType.get(item.offer.service.type)
      if (list === undefined) byType.set(item.offer.service.type, [item])
      else list.push(item)
    }
    for (const [type, items] of byType) {
      let index = this.pricesByType.get(type)
      if (index === undefined) this.pricesByType.set(type, index = new PriceIndex())
      index.addMany(items)
    }
  }

  private unindex (entry: CatalogEntry): void {
    if (entry.record.kind !== 'offer') return
    const pos = { price: normalisedPrice(entry.record.body), key: entry.key }
    const item = this.prices.find(pos)
    if (item !== undefined) this.candidates.remove(item)
    this.prices.remove(pos)
    this.pricesByType.get(entry.record.body.service.type)?.remove(pos)
  }

  /** Writes pending operations; concurrent callers share one batch. */
  private async flush (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.pending.length === 0) return
    const ops = this.pending
    this.pending = []
    this.flushing = this.db.batch(ops).finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** The record kept for (provider, id), if any (offer or withdrawal, possibly expired). */
  get (provider: string, id: string): CatalogEntry | undefined {
    return this.entries.get(`${provider}/${id}`)
  }

  /** Live offers matching `filter`, cheapest first, one page at a time. */
  query (filter: OfferFilter | CompiledFilter, options: QueryOptions): QueryPage {
    const compiled = 'matches' in filter ? filter : compileFilter(filter)
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    const type = compiled.filter.type
    const index = type === undefined ? this.prices : this.pricesByType.get(type) ?? new PriceIndex()
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
    const page = planPage({ index, candidates: this.candidates, compiled, ceiling: compiled.priceCeiling, now: options.now, limit, after })
    const entries = page.items.map(item => this.entries.get(item.key) as CatalogEntry)
    const last = page.items[page.items.length - 1]
    return page.more && last !== undefined ? { entries, nextCursor: encodeCursor(last.price, last.key) } : { entries }
  }

  /** Every record of one provider (its offers and withdrawals). */
  byProvider (provider: string): CatalogEntry[] {
    return [...this.counts.keysOf(provider)].map(k => this.entries.get(k)).filter((e): e is CatalogEntry => e !== undefined)
  }

  /** All records, sorted by key: the input of catalog sync. */
  sorted (): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /** Removes records past their expiry (withdrawals after their retention). Returns how many. */
  async sweep (now: number): Promise<number> {
    let n = 0
    for (const entry of [...this.entries.values()]) {
      if (recordExpiresAt(entry.record) > now) continue
      this.remove(entry.key)
      n++
    }
    await this.flush()
    return n
  }

  /** All equivocation evidence held, encoded (verify with `verifyEvidence`). */
  async evidence (): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for await (const value of this.db.values({ gte: Uint8Array.of(BUCKET_EVIDENCE), lt: Uint8Array.of(BUCKET_EVIDENCE + 1) })) out.push(value)
    return out
  }

  /** Writes what is pending and closes the store. */
  async close (): Promise<void> {
    await this.flush()
    await this.db.close()
  }
}

function recordDbKey (key: string): Uint8Array {
  return Buffer.concat([Uint8Array.of(BUCKET_RECORD), Buffer.from(key, 'utf8')])
}

function evidenceDbKey (key: string, seq: number): Uint8Array {
  const s = Buffer.alloc(8)
  s.writeBigUInt64BE(BigInt(seq))
  return Buffer.concat([Uint8Array.of(BUCKET_EVIDENCE), Buffer.from(`${key}/`, 'utf8'), s])
}

function encodeCursor (price: bigint, key: string): string {
  return Buffer.from(JSON.stringify([price.toString(), key])).toString('base64url')
}

function decodeCursor (cursor: string): { price: bigint, key: string } {
  try {
    const [price, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string]
    if (typeof price !== 'string' || typeof key !== 'string' || !/^[0-9]{1,40}$/.test(price)) throw new Error('shape')
    return { price: BigInt(price), key }
  } catch (err) {
    throw new FulcrumError(CatalogError.BAD_CURSOR, 'not a cursor from this catalog', { cause: err })
  }
}
