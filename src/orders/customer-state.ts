/**
 * The customer's view of one order (protocols/order-v1.md §5.1): a durable record whose data
 * differs per status, plus volatile progress (signatures collected, acknowledgements) that a
 * restart may lose without harm: an undecided order is aborted on restart (presumed abort), a
 * decided one is delivered again.
 */
import { FulcrumError } from '../errors/index.js'
import type { EntryBody } from '../ledger/index.js'
import { entrySigningBytes, sha256 } from '../ledger/index.js'
import { parseTerms, providersOf } from './agreement.js'
import { OrderError } from './errors.js'

/** Customer-side statuses. */
export enum CustomerStatus {
  /** Holds asked of every provider; no decision yet (a restart here aborts). */
  Holding = 'holding',
  /**
   * Every provider held, and the order was started prepare-only (an aggregator's sub-order, §10):
   * the signatures are durable and the decision waits for {@link decideCustomer}. A restart keeps
   * it (no presumed abort: a parent hold may rest on it).
   */
  Prepared = 'prepared',
  /** Decided commit: the certificate is in the customer's ledger; delivering it. */
  Committed = 'committed',
  /** Decided abort: releasing the holds. */
  Aborted = 'aborted',
  /** Every provider acknowledged the decision, or its deadline passed. Final. */
  Done = 'done'
}

/** A provider's refusal, kept for the user (`fulcrum order place` prints each code and reason). */
export interface Refusal { provider: string, code: string, reason: string }

interface Common { order: string, body: EntryBody }
/** The customer's durable record of one order. */
export type CustomerRecord =
  /** `prepare`: when every provider held, go to Prepared and wait for a decision instead of committing. */
  | Common & { status: CustomerStatus.Holding, prepare?: boolean }
  /** `sigs`: every party's entry signature over the body (the customer's own included), by peer id. */
  | Common & { status: CustomerStatus.Prepared, sigs: Record<string, Uint8Array> }
  | Common & { status: CustomerStatus.Committed, entry: Uint8Array }
  | Common & { status: CustomerStatus.Aborted, reason: string, refusals: Refusal[] }
  | Common & {
    status: CustomerStatus.Done
    outcome: 'committed' | 'aborted'
    entry?: Uint8Array
    reason?: string
    refusals: Refusal[]
    /** Providers that never acknowledged the decision before their deadline. */
    unacknowledged: string[]
  }

/** The customer machine's state for one order: the durable record and volatile progress. */
export interface CustomerState {
  readonly self: string
  readonly record: CustomerRecord
  readonly providers: readonly string[]
  readonly commitBy: number
  /** The agreement signing bytes (derived from the body). */
  readonly signing: Uint8Array
  /** SHA-256 of `signing`: the body hash providers return in `held`. */
  readonly bodyHash: Uint8Array
  /** Entry signatures collected while holding, by party (the customer's own included). */
  readonly sigs: ReadonlyMap<string, Uint8Array>
  /** Providers that acknowledged the decision (committed, or released/unknown after an abort). */
  readonly acked: ReadonlySet<string>
  /** Refusals and failures reported by providers after the decision (e.g. a late commit refused). */
  readonly failures: readonly Refusal[]
  /** When requests were last sent (retries go out RETRY_INTERVAL_MS later). */
  readonly lastSent: number
}

/** The state of a record, with empty volatile progress (a fresh start or a restart). */
export function customerState (self: string, record: CustomerRecord, lastSent = -Infinity): CustomerState {
  const terms = parseTerms(record.body)
  if (terms.customer !== self) throw new FulcrumError(OrderError.NOT_A_PARTY, 'this node is not the order\'s customer')
  const signing = entrySigningBytes('agreement', record.body)
  return {
    self,
    record,
    providers: providersOf(terms),
    commitBy: terms.commitBy,
    signing,
    bodyHash: sha256(signing),
    sigs: record.status === CustomerStatus.Prepared ? new Map(Object.entries(record.sigs)) : new Map(),
    acked: new Set(),
    failures: [],
    lastSent
  }
}

/** Throws `ORDER_WRONG_STATUS` unless the record is in one of `allowed`. */
export function expectCustomerStatus<S extends CustomerStatus> (rec: CustomerRecord, allowed: readonly S[], transition: string): asserts rec is CustomerRecord & { status: S } {
  if (!(allowed as readonly CustomerStatus[]).includes(rec.status)) {
    throw new FulcrumError(OrderError.WRONG_STATUS, `${transition}: order is ${rec.status}, expected ${allowed.join(' or ')}`)
  }
}

/** Holding (prepare-only) -> Prepared */
export function toCustomerPrepared (rec: CustomerRecord, sigs: ReadonlyMap<string, Uint8Array>): CustomerRecord {
  expectCustomerStatus(rec, [CustomerStatus.Holding], 'prepare')
  return { status: CustomerStatus.Prepared, order: rec.order, body: rec.body, sigs: Object.fromEntries(sigs) }
}
/** Holding | Prepared -> Committed */
export function toCustomerCommitted (rec: CustomerRecord, entry: Uint8Array): CustomerRecord {
  expectCustomerStatus(rec, [CustomerStatus.Holding, CustomerStatus.Prepared], 'commit')
  return { status: CustomerStatus.Committed, order: rec.order, body: rec.body, entry }
}
/** Holding | Prepared -> Aborted */
export function toCustomerAborted (rec: CustomerRecord, reason: string, refusals: Refusal[]): CustomerRecord {
  expectCustomerStatus(rec, [CustomerStatus.Holding, CustomerStatus.Prepared], 'abort')
  return { status: CustomerStatus.Aborted, order: rec.order, body: rec.body, reason, refusals }
}
/** Committed | Aborted -> Done */
export function toCustomerDone (rec: CustomerRecord, unacknowledged: string[], failures: readonly Refusal[]): CustomerRecord {
  expectCustomerStatus(rec, [CustomerStatus.Committed, CustomerStatus.Aborted], 'done')
  return rec.status === CustomerStatus.Committed
    ? { status: CustomerStatus.Done, order: rec.order, body: rec.body, outcome: 'committed', entry: rec.entry, refusals: [...failures], unacknowledged }
    : { status: CustomerStatus.Done, order: rec.order, body: rec.body, outcome: 'aborted', reason: rec.reason, refusals: [...rec.refusals, ...failures], unacknowledged }
}
