/**
 * The offer catalog: verified offer records on level (the embedded LevelDB), with a compact
 * in-memory index for the insert decision, the limits, the sweep and queries. Memory holds one
 * slot of typed-array columns per record (columns.ts) and sorted lists of slots (plan.ts); the
 * records themselves are read from the store (and decoded) only when served: a page's entries,
 * `get`, `byProvider`, `sorted`. Store layout and grouped writes: writes.ts.
 *
 * The catalog is a replica of network state (sync re-fetches anything lost), so batches are not
 * fsynced; the provider's own offers are also re-signed and republished by the node.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { isCorruption, openStore } from '../storage/index.js'
import type { Store } from '../storage/index.js'
import { compileFilter, decodeRecord, recordKey, sha256 } from '../offers/index.js'
import type { CompiledFilter, OfferFilter, OfferRecord, VerifiedRecord } from '../offers/index.js'
import { decideAgainst, encodeEvidence, makeEvidence } from './decide.js'
import { CatalogError } from './errors.js'
import type { InsertDecision } from './decide.js'
import { Columns } from './columns.js'
import { compileMatcher } from './match.js'
import { QueryIndex, planPage } from './plan.js'
import { ProviderCounts } from './limits.js'
import type { CatalogLimits } from './limits.js'
import { BUCKET_EVIDENCE, BUCKET_RECORD, PendingWrites, decodeCursor, encodeCursor } from './writes.js'

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits.js'

/**
 * Records loaded between two reopenings of the store at start (see `Catalog.open`): about 20 MiB
 * of table pages mapped at most; a reopening costs a few milliseconds.
 */
export const LOAD_CHUNK = 100_000

/** A record kept by the catalog, as read from the store. */
export interface CatalogEntry {
  readonly key: string
  readonly record: OfferRecord
  readonly bytes: Uint8Array
  readonly digest: Uint8Array
  /** Set when the provider equivocated at this seq: the entry is not served until a higher seq. */
  readonly conflicted: boolean
}

/** What sync needs of a held record (memory only, no store read). */
export interface CatalogSummary { readonly key: string, readonly seq: number, readonly expiresAt: number }

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

/** The catalog. Create with {@link Catalog.open}; call {@link Catalog.close} when done. */
export class Catalog {
  private readonly columns = new Columns()
  /** Slot of each held record, by provider then offer id. */
  private readonly slots = new Map<string, Map<string, number>>()
  private readonly index = new QueryIndex(this.columns)
  private writes: PendingWrites
  private readonly counts = new ProviderCounts()
  private held = 0

  private constructor (private db: Store) { this.writes = new PendingWrites(db) }

  /**
   * Opens (creating if needed) the catalog at `path` and loads its index. Throws
   * `CATALOG_LOCKED` if another process has it open, `CATALOG_CORRUPT` if the store is damaged
   * (see `storage/`) or a stored record does not decode: never a catalog with records silently missing.
   * `tuning.loadChunk` (tests) replaces LOAD_CHUNK.
   */
  static async open (path: string, tuning: { loadChunk?: number } = {}): Promise<Catalog> {
    const options = { codes: { locked: CatalogError.LOCKED, corrupt: CatalogError.CORRUPT, io: CatalogError.IO }, name: 'the catalog' }
    const catalog = new Catalog(await openStore(path, options))
    // LevelDB reads table files through memory maps that stay resident while a table is open: a
    // load touches every page of every table (about 200 MiB of RSS at 1,000,000 offers). Reopening
    // the store unmaps them (later reads map only the pages they touch): after every LOAD_CHUNK
    // records, so that they never pile up during the load either, and once it is done.
    const reopen = async (): Promise<void> => {
      await catalog.db.close()
      catalog.useStore(await openStore(path, options))
    }
    try {
      await catalog.load(reopen, tuning.loadChunk ?? LOAD_CHUNK)
    } catch (err) {
      await catalog.db.close()
      if (isFulcrumError(err, CatalogError.CORRUPT)) throw err
      const why = isCorruption(err) ? 'LevelDB cannot read part of it' : 'a stored record does not decode'
      throw new FulcrumError(CatalogError.CORRUPT, `the catalog at ${path} is damaged: ${why} (${catalog.size} records read before that)`, { cause: err })
    }
    await reopen()
    return catalog
  }

  private useStore (db: Store): void {
    this.db = db
    this.writes = new PendingWrites(db)
  }

  private async load (reopen: () => Promise<void>, chunk: number): Promise<void> {
    let after: Uint8Array | undefined
    for (let read = chunk; read === chunk;) {
      read = 0
      const from = after === undefined ? { gte: Uint8Array.of(BUCKET_RECORD) } : { gt: after }
      for await (const [key, bytes] of this.db.iterator({ ...from, lt: Uint8Array.of(BUCKET_RECORD + 1), limit: chunk })) {
        // Records were verified before they were stored: decoding re-checks structure only.
        this.place(decodeRecord(bytes), bytes, sha256(bytes))
        after = key
        read++
      }
      if (read === chunk) await reopen()
    }
    for await (const [key] of this.db.iterator({ gte: Uint8Array.of(BUCKET_EVIDENCE), lt: Uint8Array.of(BUCKET_EVIDENCE + 1) })) {
      const text = Buffer.from(key.subarray(1, key.length - 8)).toString('utf8').slice(0, -1)
      const seq = Number(Buffer.from(key.subarray(key.length - 8)).readBigUInt64BE())
      const slot = this.slotOfKey(text)
      if (slot !== undefined && this.columns.seq[slot] === seq) this.columns.setConflicted(slot, true)
    }
    const servable: number[] = []
    this.forEachSlot(slot => { if (this.servable(slot)) servable.push(slot) })
    this.index.add(servable)
  }

  /** Number of records held (offers and withdrawals, expired ones until swept). */
  get size (): number { return this.held }

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
    if (this.slotOfKey(key) !== undefined) return true
    const slash = key.indexOf('/')
    return slash > 0 && this.counts.wouldAdmit(key.slice(0, slash))
  }

  /**
   * Decides and applies one record in memory at once; the write starts on the next turn of the
   * event loop, shared with every record inserted until then (the gossip validator relays first,
   * and a burst of gossip makes one batch); `persisted` settles when the write is on disk.
   */
  insertNow (verified: VerifiedRecord): { result: InsertResult, persisted: Promise<void> } {
    const added: number[] = []
    const result = this.apply(verified, added)
    this.addToIndex(added)
    return { result, persisted: this.writes.flushSoon() }
  }

  /** Inserts a verified record; see `decideInsert` for what happens. */
  async insert (verified: VerifiedRecord): Promise<InsertResult> {
    const [result] = await this.insertMany([verified])
    return result as InsertResult
  }

  /** Inserts several records with one write. */
  async insertMany (records: VerifiedRecord[]): Promise<InsertResult[]> {
    const added: number[] = []
    const results = records.map(v => this.apply(v, added))
    this.addToIndex(added)
    await this.writes.flush()
    return results
  }

  private apply (verified: VerifiedRecord, added: number[]): InsertResult {
    const { record, bytes, digest } = verified
    const key = recordKey(record)
    const seq = record.body.seq
    const slot = this.slotOf(record.body.provider, record.body.id)
    const c = this.columns
    const decision = slot === undefined ? 'store' : decideAgainst(c.seq[slot] as number, () => c.digestOf(slot), verified)
    if (decision === 'store' && slot === undefined) {
      const admission = this.counts.admit(record.body.provider, victim => this.oldest(victim))
      if (!admission.admit) return { decision: 'refused', key, seq }
      if (admission.evict !== undefined) this.remove(admission.evict)
      added.push(this.place(record, bytes, digest))
      this.writes.putRecord(key, bytes)
      return { decision, key, seq, ...(admission.evict === undefined ? {} : { evicted: admission.evict }) }
    }
    if (decision === 'store' && slot !== undefined) {
      this.index.remove(slot)
      c.fill(slot, record, bytes, digest)
      added.push(slot)
      this.writes.putRecord(key, bytes)
    } else if (decision === 'equivocation' && slot !== undefined) {
      this.index.remove(slot)
      c.setConflicted(slot, true)
      this.writes.before(this.recordEvidence(key, seq, c.digestOf(slot), bytes))
    }
    return { decision, key, seq }
  }

  /** Writes evidence of an equivocation (the held record is read from the store). */
  private async recordEvidence (key: string, seq: number, heldDigest: Uint8Array, incoming: Uint8Array): Promise<void> {
    const [held] = await this.writes.read([key])
    // If the held record was replaced meanwhile (a higher seq), the proof is gone: nothing to keep.
    if (held === undefined || !Buffer.from(sha256(held)).equals(heldDigest)) return
    this.writes.putEvidence(key, seq, encodeEvidence(makeEvidence(held, incoming)))
  }

  /** Puts a record of a new key in a new slot. */
  private place (record: OfferRecord, bytes: Uint8Array, digest: Uint8Array): number {
    const slot = this.columns.allocate()
    this.columns.fill(slot, record, bytes, digest)
    let ids = this.slots.get(record.body.provider)
    if (ids === undefined) this.slots.set(this.columns.providerOf(slot), ids = new Map())
    ids.set(record.body.id, slot)
    this.counts.add(this.columns.providerOf(slot))
    this.held++
    return slot
  }

  private addToIndex (added: number[]): void {
    // A slot filled twice in one batch is listed once, with what it holds last.
    this.index.add([...new Set(added)].filter(slot => this.servable(slot)))
  }

  private servable (slot: number): boolean {
    return this.columns.isOffer(slot) && !this.columns.isConflicted(slot)
  }

  /** The key of the oldest record (lowest issue time, then key) of `provider`. */
  private oldest (provider: string): string {
    const c = this.columns
    let best = -1
    for (const slot of this.slots.get(provider)?.values() ?? []) {
      if (best < 0 || (c.issuedAt[slot] as number) < (c.issuedAt[best] as number) ||
        (c.issuedAt[slot] === c.issuedAt[best] && c.keyOf(slot) < c.keyOf(best))) best = slot
    }
    return c.keyOf(best)
  }

  /** Removes a record from memory and (with the next flush) from the store. */
  private remove (key: string): void {
    const slot = this.slotOfKey(key)
    if (slot === undefined) return
    const c = this.columns
    const provider = c.providerOf(slot)
    this.index.remove(slot)
    const ids = this.slots.get(provider) as Map<string, number>
    ids.delete(c.ids[slot] as string)
    if (ids.size === 0) this.slots.delete(provider)
    this.counts.remove(provider)
    c.release(slot)
    this.held--
    this.writes.delRecord(key)
  }

  private slotOf (provider: string, id: string): number | undefined {
    return this.slots.get(provider)?.get(id)
  }

  private slotOfKey (key: string): number | undefined {
    const slash = key.indexOf('/')
    return slash < 0 ? undefined : this.slotOf(key.slice(0, slash), key.slice(slash + 1))
  }

  private forEachSlot (fn: (slot: number) => void): void {
    for (const ids of this.slots.values()) for (const slot of ids.values()) fn(slot)
  }

  /** Reads the records in `slots` from the store (a record removed meanwhile is left out). */
  private async entries (slots: number[]): Promise<CatalogEntry[]> {
    const c = this.columns
    const keys = slots.map(s => c.keyOf(s))
    const conflicted = slots.map(s => c.isConflicted(s))
    const values = await this.writes.read(keys)
    const out: CatalogEntry[] = []
    values.forEach((bytes, i) => {
      if (bytes === undefined) return
      out.push({ key: keys[i] as string, record: decodeRecord(bytes), bytes, digest: sha256(bytes), conflicted: conflicted[i] as boolean })
    })
    return out
  }

  /** The seq of the record held for (provider, id), if any (memory only, no store read). */
  seqOf (provider: string, id: string): number | undefined {
    const slot = this.slotOf(provider, id)
    return slot === undefined ? undefined : this.columns.seq[slot]
  }

  /** The record kept for (provider, id), if any (offer or withdrawal, possibly expired). */
  async get (provider: string, id: string): Promise<CatalogEntry | undefined> {
    const slot = this.slotOf(provider, id)
    return slot === undefined ? undefined : (await this.entries([slot]))[0]
  }

  /**
   * The stored bytes of the records held under `keys` (`provider/id`; undefined where none is
   * held), in one store read and without decoding them: what a sync page serves.
   */
  async bytesOf (keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    const held = keys.filter(k => this.slotOfKey(k) !== undefined)
    const values = await this.writes.read(held)
    const byKey = new Map(held.map((k, i) => [k, values[i]]))
    return keys.map(k => byKey.get(k))
  }

  /** Live offers matching `filter`, cheapest first, one page at a time. */
  async query (filter: OfferFilter | CompiledFilter, options: QueryOptions): Promise<QueryPage> {
    const compiled = 'matches' in filter ? filter : compileFilter(filter)
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
    const matches = compileMatcher(this.columns, compiled)
    const page = planPage({ index: this.index, columns: this.columns, filter: compiled.filter, matches, ceiling: compiled.priceCeiling, now: options.now, limit, after })
    const last = page.slots[page.slots.length - 1]
    const nextCursor = page.more && last !== undefined ? encodeCursor(this.columns.priceOf(last), this.columns.keyOf(last)) : undefined
    const entries = await this.entries(page.slots)
    return nextCursor === undefined ? { entries } : { entries, nextCursor }
  }

  /** Every record of one provider (its offers and withdrawals). */
  async byProvider (provider: string): Promise<CatalogEntry[]> {
    return await this.entries([...this.slots.get(provider)?.values() ?? []])
  }

  /** Key, seq and expiry of every record, sorted by key: the input of catalog sync (no store read). */
  summaries (): CatalogSummary[] {
    const c = this.columns
    const out: CatalogSummary[] = []
    this.forEachSlot(slot => out.push({ key: c.keyOf(slot), seq: c.seq[slot] as number, expiresAt: c.expiresAt[slot] as number }))
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /**
   * Key, seq and expiry of every record, in no particular order, one at a time: what the sync
   * index is built from at start without a sorted array of every record (about 150 MiB of
   * short-lived objects at 1,000,000 records, which raised the daemon's peak RSS).
   */
  * eachSummary (): Generator<CatalogSummary> {
    const c = this.columns
    for (const ids of this.slots.values()) {
      for (const slot of ids.values()) yield { key: c.keyOf(slot), seq: c.seq[slot] as number, expiresAt: c.expiresAt[slot] as number }
    }
  }

  /** All records, sorted by key, read from the store. */
  async sorted (): Promise<CatalogEntry[]> {
    const keys = this.summaries().map(s => this.slotOfKey(s.key) as number)
    return await this.entries(keys)
  }

  /** Removes records past their expiry (withdrawals after their retention). Returns how many. */
  async sweep (now: number): Promise<number> {
    const expired: string[] = []
    this.forEachSlot(slot => { if ((this.columns.expiresAt[slot] as number) <= now) expired.push(this.columns.keyOf(slot)) })
    for (const key of expired) this.remove(key)
    await this.writes.flush()
    return expired.length
  }

  /** All equivocation evidence held, encoded (verify with `verifyEvidence`). */
  async evidence (): Promise<Uint8Array[]> {
    await this.writes.flush()
    const out: Uint8Array[] = []
    for await (const value of this.db.values({ gte: Uint8Array.of(BUCKET_EVIDENCE), lt: Uint8Array.of(BUCKET_EVIDENCE + 1) })) out.push(value)
    return out
  }

  /** Writes what is pending and closes the store. */
  async close (): Promise<void> {
    await this.writes.flush()
    await this.db.close()
  }
}
