/**
 * What the catalog does with an incoming verified record, given what it holds for the same
 * (provider, id) (protocols/offer-v1.md §Replacement). Pure, so that the gossip validator can ask
 * the same question before relaying.
 *
 * - nothing held, or a lower seq held: `store` (a withdrawal with a higher seq ends the offer);
 * - the same bytes held: `duplicate`;
 * - a higher seq held: `stale`;
 * - the same seq with other bytes: `equivocation` — the provider signed two different records
 *   for one (id, seq); both are kept as evidence and neither is served.
 *
 * The catalog may then turn `store` of a new key into `refused` by its limits (limits.ts).
 */
import { equals } from 'uint8arrays/equals'
import { FulcrumError } from '../errors/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import { MAX_RECORD_BYTES, decodeRecord, verifyRecordSignature } from '../offers/index.js'
import type { OfferRecord, VerifiedRecord } from '../offers/index.js'
import { CatalogError } from './errors.js'

/** The catalog's decision for one record (`refused`: over the catalog's limits, see limits.ts). */
export type InsertDecision = 'store' | 'duplicate' | 'stale' | 'equivocation' | 'refused'

/** What the catalog holds for a key, as far as the decision is concerned. */
export interface HeldRecord {
  readonly record: OfferRecord
  readonly digest: Uint8Array
}

/** Decides what to do with `incoming` when `held` is the record kept for its key. */
export function decideInsert (held: HeldRecord | undefined, incoming: VerifiedRecord): InsertDecision {
  if (held === undefined) return 'store'
  return decideAgainst(held.record.body.seq, () => held.digest, incoming)
}

/** {@link decideInsert} given only the held record's seq and (asked only at an equal seq) digest. */
export function decideAgainst (heldSeq: number, heldDigest: () => Uint8Array, incoming: VerifiedRecord): InsertDecision {
  const seq = incoming.record.body.seq
  if (seq > heldSeq) return 'store'
  if (seq < heldSeq) return 'stale'
  return equals(heldDigest(), incoming.digest) ? 'duplicate' : 'equivocation'
}

/** Portable proof that a provider signed two different records with the same (id, seq). */
export interface EquivocationEvidence {
  /** The two records' canonical encodings, in byte order. */
  readonly records: readonly [Uint8Array, Uint8Array]
}

/** Largest encoded evidence: two records and the envelope. */
export const MAX_EVIDENCE_BYTES = 2 * MAX_RECORD_BYTES + 64

/** Builds evidence from two conflicting encodings (order-independent). */
export function makeEvidence (a: Uint8Array, b: Uint8Array): EquivocationEvidence {
  return { records: Buffer.compare(a, b) <= 0 ? [a, b] : [b, a] }
}

/** Encodes evidence canonically: `{ v: 1, type: "offer-equivocation", records: [a, b] }`. */
export function encodeEvidence (e: EquivocationEvidence): Uint8Array {
  return encodeCanonical({ v: 1, type: 'offer-equivocation', records: [...e.records] })
}

/**
 * Checks evidence: two different canonical records, both validly signed by the same provider,
 * for the same offer id and seq. Time is irrelevant: the signatures are the proof.
 * Returns the provider's peer id; throws `CATALOG_BAD_EVIDENCE` otherwise.
 */
export function verifyEvidence (bytes: Uint8Array): { provider: string, id: string, seq: number } {
  const fail = (why: string, cause?: unknown): never => { throw new FulcrumError(CatalogError.BAD_EVIDENCE, why, { cause }) }
  let value: unknown
  try { value = decodeCanonical(bytes, MAX_EVIDENCE_BYTES) } catch (err) { return fail('malformed evidence', err) }
  const v = value as { v?: unknown, type?: unknown, records?: unknown }
  if (v.v !== 1 || v.type !== 'offer-equivocation' || !Array.isArray(v.records) || v.records.length !== 2 || Object.keys(v).length !== 3) {
    return fail('not offer-equivocation evidence v1')
  }
  const [a, b] = v.records as [Uint8Array, Uint8Array]
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || Buffer.compare(a, b) >= 0) return fail('records must be two distinct byte strings in order')
  let ra: OfferRecord, rb: OfferRecord
  try {
    ra = decodeRecord(a); rb = decodeRecord(b)
    verifyRecordSignature(ra); verifyRecordSignature(rb)
  } catch (err) {
    return fail(`a record does not verify: ${(err as Error).message}`, err)
  }
  if (ra.body.provider !== rb.body.provider || ra.body.id !== rb.body.id || ra.body.seq !== rb.body.seq) {
    return fail('records are for different (provider, id, seq)')
  }
  return { provider: ra.body.provider, id: ra.body.id, seq: ra.body.seq }
}
