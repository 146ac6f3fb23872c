/**
 * Checking a log's new checkpoint against the last one verified (witnessing, `audit peer`):
 * trust on first use, then every new checkpoint must be provably an extension. Pure.
 */
import { bytesEqual, makeEvidence, verifyConsistency } from '../ledger/index.js'
import type { Evidence, SignedCheckpoint } from '../ledger/index.js'
import { AuditError } from './errors.js'
import type { Finding } from './errors.js'

/** What a checkpoint update shows: nothing wrong, or a finding with its evidence. */
export type UpdateResult =
  | { ok: true }
  | { ok: false, finding: Finding, evidence: Evidence }

/** True if going from `previous` to `next` needs a consistency proof (both non-empty, sizes differ upward). */
export function needsConsistencyProof (previous: SignedCheckpoint | undefined, next: SignedCheckpoint): boolean {
  return previous !== undefined && previous.checkpoint.size > 0 && next.checkpoint.size > previous.checkpoint.size
}

/**
 * Checks `next` against `previous` (both already signature-verified, same log) with the
 * consistency proof the log served (needed when {@link needsConsistencyProof}).
 */
export function checkUpdate (vkey: string, previous: SignedCheckpoint | undefined, next: SignedCheckpoint,
  proof: Uint8Array[] | undefined, observer: { by?: string, at?: number } = {}): UpdateResult {
  if (previous === undefined) return { ok: true }
  const [a, b] = [previous.checkpoint, next.checkpoint]
  const extra = { ...(observer.by === undefined ? {} : { observedBy: observer.by }), ...(observer.at === undefined ? {} : { observedAt: observer.at }) }
  if (b.size < a.size) {
    return { ok: false, finding: { code: AuditError.ROLLBACK, message: `the log went from size ${a.size} back to ${b.size}` }, evidence: makeEvidence('rollback', vkey, previous, next, extra) }
  }
  if (b.size === a.size) {
    if (bytesEqual(a.root, b.root)) return { ok: true }
    return { ok: false, finding: { code: AuditError.SPLIT_VIEW, message: `two different roots signed for size ${a.size}` }, evidence: makeEvidence('split-view', vkey, previous, next, extra) }
  }
  if (a.size === 0) return { ok: true }
  const p = proof ?? []
  if (verifyConsistency(a.size, b.size, p, a.root, b.root)) return { ok: true }
  return {
    ok: false,
    finding: { code: AuditError.INCONSISTENT, message: `the log cannot prove that size ${b.size} extends size ${a.size}` },
    evidence: makeEvidence('inconsistent', vkey, previous, next, { ...extra, proof: p })
  }
}
