/**
 * The single path by which records from peers (gossip, sync) and from the local API enter the
 * catalog: strict decode, signature and time checks, the catalog's insert decision, then the
 * store and the sync index. Bad input never throws out of {@link Ingestor.ingest}.
 */
import { FulcrumError } from '../errors/index.js'
import { decodeRecordBytes, verifyDecodedRecord, recordKey, recordExpiresAt, OfferError } from '../offers/index.js'
import type { DecodedRecord, VerifiedRecord } from '../offers/index.js'
import type { Logger } from '../logging/index.js'
import { silentLogger } from '../logging/index.js'
import type { InsertDecision } from '../catalog/decide.js'
import type { CatalogView } from './components.js'
import type { SyncIndex } from './sync/fingerprint.js'
import { inlinePool, verifyRecordsIn } from '../verify/index.js'
import type { VerifyPool } from '../verify/index.js'

/** What happened to one record. */
export type IngestOutcome =
  | { status: InsertDecision, verified: VerifiedRecord }
  | { status: 'invalid', error: FulcrumError }

/** Codes of records that an honest peer may still send (clock skew, expiry in flight): not a fault. */
const HONEST_FAILURES: ReadonlySet<string> = new Set([OfferError.EXPIRED, OfferError.FROM_FUTURE])

/** True if a failed record is evidence against the peer that sent it (forged, malformed, oversized). */
export function isPeerFault (outcome: IngestOutcome): boolean {
  return outcome.status === 'invalid' && !HONEST_FAILURES.has(outcome.error.code)
}

/** Decodes wire bytes strictly; the decoding error (OFFER_* code) instead of throwing it. */
export function decodeOrInvalid (bytes: Uint8Array): DecodedRecord | FulcrumError {
  try {
    return decodeRecordBytes(bytes)
  } catch (err) {
    if (err instanceof FulcrumError) return err
    throw err
  }
}

/** Verifies and stores records (see module doc). */
export class Ingestor {
  constructor (
    private readonly catalog: CatalogView,
    private readonly index: SyncIndex,
    private readonly now: () => number,
    private readonly log: Logger = silentLogger,
    private readonly pool: VerifyPool = inlinePool()
  ) {}

  /** True if the catalog's limits would take a record under `key` now. */
  admits (key: string): boolean {
    return this.catalog.admits(key)
  }

  /** True if the catalog holds any record of `provider`. */
  knowsProvider (provider: string): boolean {
    return this.catalog.knowsProvider(provider)
  }

  /**
   * Verifies a batch of records (a sync page) in the verification pool, on every core, then
   * stores them as {@link ingest} does, durably. One outcome per record, in order.
   */
  async ingestMany (records: readonly Uint8Array[]): Promise<IngestOutcome[]> {
    const now = this.now()
    const checked = await verifyRecordsIn(this.pool, records, now)
    const valid = checked.filter((v): v is VerifiedRecord => !(v instanceof FulcrumError))
    const results = valid.length === 0 ? [] : await this.catalog.insertMany(valid, now)
    let next = 0
    return checked.map((v): IngestOutcome => {
      if (v instanceof FulcrumError) return { status: 'invalid', error: v }
      const { decision, evicted } = results[next++] as { decision: InsertDecision, evicted?: string }
      this.indexStored(v, decision, evicted)
      return { status: decision, verified: v }
    })
  }

  /**
   * Verifies `bytes` and stores the record if the catalog decides so. With `durable: false` it
   * returns once the record is in the catalog's memory, before the disk write (gossip relays sooner;
   * a write lost in a crash is fetched again by sync).
   */
  async ingest (bytes: Uint8Array, options: { durable?: boolean } = {}): Promise<IngestOutcome> {
    const decoded = decodeOrInvalid(bytes)
    return decoded instanceof FulcrumError ? { status: 'invalid', error: decoded } : await this.ingestDecoded(decoded, options)
  }

  /** {@link ingest} of bytes the caller has already decoded (with `decodeOrInvalid`), so they are not decoded again. */
  async ingestDecoded (decoded: DecodedRecord, options: { durable?: boolean } = {}): Promise<IngestOutcome> {
    const now = this.now()
    let verified: VerifiedRecord
    try {
      verified = verifyDecodedRecord(decoded, now)
    } catch (err) {
      if (err instanceof FulcrumError) return { status: 'invalid', error: err }
      throw err
    }
    return { status: await this.store(verified, now, options.durable !== false), verified }
  }

  /** Stores an already verified record (the node's own, signed locally); see {@link ingest} for `durable`. */
  async store (verified: VerifiedRecord, now: number = this.now(), durable = true): Promise<InsertDecision> {
    const { decision, persisted, evicted } = this.catalog.insert(verified, now)
    this.indexStored(verified, decision, evicted)
    if (durable) await persisted
    else {
      persisted.catch((err: unknown) => {
        this.log.error('catalog write failed (sync will fetch the record again)', { key: recordKey(verified.record), err: (err as Error).message })
      })
    }
    return decision
  }

  /** Tells the sync index what the catalog did with a record. */
  private indexStored (verified: VerifiedRecord, decision: InsertDecision, evicted: string | undefined): void {
    if (evicted !== undefined) this.index.remove(evicted)
    if (decision === 'store') {
      this.index.update({ key: recordKey(verified.record), seq: verified.record.body.seq, expiresAt: recordExpiresAt(verified.record) })
    }
  }
}
