/**
 * Checking a log's new checkpoint against the last one verified (witnessing, `audit peer`):
 * trust on first use, then every new checkpoint must be provably an extension. Pure.
 */
import { bytesEqual, makeEvidence, verifyConsistency } from '../ledger/index.js'
import type { Evidence, SignedCheckpoint } from '../ledger/index.js'
import { AuditError } from './errors.js'
import type { Finding } from './errors.js'

/**
 * What a checkpoint update shows: nothing wrong, or a finding, with evidence only when the two
 * checkpoints cannot both be true (an older checkpoint alone is suspicious, not evidence).
 */
export type UpdateResult =
  | { ok: true }
  | { ok: false, finding: Finding, evidence?: Evidence }

/** True if going from `previous` to `next` needs a consistency proof (both non-empty, sizes differ upward). */
export function needsConsistencyProof (previous: SignedCheckpoint | undefined, next: SignedCheckpoint): boolean {
  return previous !== undefined && previous.checkpoint.size > 0 && next.checkpoint.size > previous.checkpoint.size
}

/**
 * The sizes `[smaller, larger]` of the consistency proof that relates `previous` and `next` in
 * either direction (both non-empty, sizes differ), or undefined when none is needed. A smaller
 * `next` needs the proof from it to `previous`: only its failure makes a rollback evidence.
 */
export function consistencySizes (previous: SignedCheckpoint | undefined, next: SignedCheckpoint): [number, number] | undefined {
  if (previous === undefined) return undefined
  const [m, n] = [previous.checkpoint.size, next.checkpoint.size]
  if (m === n || Math.min(m, n) === 0) return undefined
  return m < n ? [m, n] : [n, m]
}

/**
 * Checks `next` against `previous` (both already signature-verified, same log) with the
 * consistency proof the log served for {@link consistencySizes} (undefined if it served none).
 * A smaller `next` is an `AUDIT_ROLLBACK` finding: with evidence only if the proof from it to
 * `previous` was served and fails; without a proof, or with one that verifies, the older tree may
 * be a prefix of the newer one (a replayed or lost-tail checkpoint), which proves nothing.
 */
export function checkUpdate (vkey: string, previous: SignedCheckpoint | undefined, next: SignedCheckpoint,
  proof: Uint8Array[] | undefined, observer: { by?: string, at?: number } = {}): UpdateResult {
  if (previous === undefined) return { ok: true }
  const [a, b] = [previous.checkpoint, next.checkpoint]
  const extra = { ...(observer.by === undefined ? {} : { observedBy: observer.by }), ...(observer.at === undefined ? {} : { observedAt: observer.at }) }
  if (b.size < a.size) return checkRollback(vkey, previous, next, proof, extra)
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

function checkRollback (vkey: string, previous: SignedCheckpoint, next: SignedCheckpoint, proof: Uint8Array[] | undefined,
  extra: { observedBy?: string, observedAt?: number }): UpdateResult {
  const [a, b] = [previous.checkpoint, next.checkpoint]
  const message = `the log's latest checkpoint (size ${b.size}) is older than size ${a.size}, which it signed before`
  if (proof === undefined || b.size === 0) {
    return { ok: false, finding: { code: AuditError.ROLLBACK, message: `${message}; it gave no consistency proof between them (suspicious, not evidence)` } }
  }
  if (verifyConsistency(b.size, a.size, proof, b.root, a.root)) {
    return { ok: false, finding: { code: AuditError.ROLLBACK, message: `${message}; the two are consistent (it lost or hides entries; not evidence)` } }
  }
  return {
    ok: false,
    finding: { code: AuditError.ROLLBACK, message: `${message}, and the consistency proof it served between them fails` },
    evidence: makeEvidence('rollback', vkey, previous, next, { ...extra, proof })
  }
}
