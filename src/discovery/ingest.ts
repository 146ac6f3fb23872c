/**
 * The single path by which records from peers (gossip, sync) and from the local API enter the
 * catalog: strict decode, signature and time checks, the catalog's insert decision, then the
 * store and the sync index. Bad input never throws out of {@link Ingestor.ingest}.
 */
import { FulcrumError } from '../errors/index.js'
import { verifyRecordBytes, recordKey, recordExpiresAt, OfferError } from '../offers/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import { decideInsert } from '../catalog/decide.js'
import type { InsertDecision } from '../catalog/decide.js'
import type { CatalogView } from './components.js'
import type { SyncIndex } from './sync/fingerprint.js'

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

/** Verifies and stores records (see module doc). */
export class Ingestor {
  constructor (
    private readonly catalog: CatalogView,
    private readonly index: SyncIndex,
    private readonly now: () => number
  ) {}

  /** Verifies `bytes` and stores the record if the catalog decides so. */
  async ingest (bytes: Uint8Array): Promise<IngestOutcome> {
    const now = this.now()
    let verified: VerifiedRecord
    try {
      verified = verifyRecordBytes(bytes, now)
    } catch (err) {
      if (err instanceof FulcrumError) return { status: 'invalid', error: err }
      throw err
    }
    return { status: await this.store(verified, now), verified }
  }

  /** Stores an already verified record (the node's own, signed locally). */
  async store (verified: VerifiedRecord, now: number = this.now()): Promise<InsertDecision> {
    const body = verified.record.body
    const decision = decideInsert(await this.catalog.held(body.provider, body.id), verified)
    if (decision === 'duplicate' || decision === 'stale') return decision
    const stored = await this.catalog.insert(verified, now)
    if (stored === 'store') {
      this.index.update({ key: recordKey(verified.record), seq: body.seq, expiresAt: recordExpiresAt(verified.record) })
    }
    return stored
  }
}
