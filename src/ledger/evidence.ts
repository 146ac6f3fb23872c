/**
 * Evidence of a log's misbehaviour, as a self-contained JSON object that anyone can check with
 * only the log's verifier key (protocols/ledger-v1.md §Evidence):
 *
 * - `split-view`: two checkpoints signed by the log with the same size and different roots.
 *   Conclusive: an honest log has one root per size.
 * - `inconsistent`: two checkpoints of sizes m < n, and the consistency proof the log served
 *   for them, which fails. The signatures are conclusive; the failure shows that the log could
 *   not prove it only appended (an honest log can always produce a valid proof on demand).
 * - `rollback`: a checkpoint seen first, then a signed checkpoint of a smaller size, and the
 *   consistency proof from the smaller to the larger that the log served, which fails. An older
 *   checkpoint alone is not evidence (anyone can replay a log's old checkpoint, and an honest log
 *   signed it once): only two checkpoints that cannot both be true are. So a rollback is refused
 *   without a proof, or with a proof that verifies; like `inconsistent`, the failing proof is the
 *   observer's statement, which an honest log refutes by serving a valid proof.
 *
 * A Fulcrum origin (`fulcrum/ledger/v1/<peer id>`) names its key: evidence about it must carry
 * that peer's own verifier key, or anyone could sign "evidence" against any node.
 */
import { toBase64 } from '../encoding/base64.js'
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { LedgerError } from './errors.js'
import { bytesEqual } from './hash.js'
import { ORIGIN_PREFIX, ledgerVerifierKey, openCheckpoint, peerIdOfOrigin } from './checkpoint.js'
import type { SignedCheckpoint } from './checkpoint.js'
import { formatNote, parseVerifierKey, strictBase64 } from './note.js'
import { verifyConsistency } from './verify.js'

/** The `type` field of every evidence file. */
export const EVIDENCE_TYPE = 'fulcrum-ledger-evidence/v1'
/** The kinds of misbehaviour an evidence file can show (see module doc). */
export const EVIDENCE_KINDS = ['split-view', 'inconsistent', 'rollback'] as const
export type EvidenceKind = typeof EVIDENCE_KINDS[number]

/** An evidence file. `checkpoints[0]` was observed first. */
export interface Evidence {
  type: typeof EVIDENCE_TYPE
  kind: EvidenceKind
  /** The log's verifier key (its name is the origin). */
  vkey: string
  /** The two signed checkpoint notes, verbatim. */
  checkpoints: [string, string]
  /** For `inconsistent`: the base64 hashes of the failing consistency proof. */
  proof?: string[]
  /** Who observed it (peer id) and when (ms since the epoch): statements, not proofs. */
  observedBy?: string
  observedAt?: number
}

/** The result of checking evidence: what it proves about which log. */
export interface VerifiedEvidence {
  kind: EvidenceKind
  origin: string
  /** The node whose log it is, when the origin is a Fulcrum origin (its key is then `vkey`). */
  peerId?: string
  sizes: [number, number]
  /** The two signed roots, base64, in the order of `checkpoints`. */
  roots: [string, string]
}

/** `cause`: the error that made a checkpoint fail (its code says why: bad signature, malformed...). */
const badEvidence = (why: string, cause?: unknown): FulcrumError =>
  new FulcrumError(LedgerError.BAD_EVIDENCE, `evidence: ${why}`, cause === undefined ? {} : { cause })

/**
 * The note of a signed checkpoint with only the log's own signature lines: cosignatures prove
 * nothing about the log, and a note may carry up to 100 of them (64 KiB), which would make every
 * evidence file up to 128 KiB instead of under 2 KiB.
 */
export function logSignedNote (cp: SignedCheckpoint): string {
  return formatNote({ text: cp.note.text, signatures: cp.note.signatures.filter(s => s.name === cp.checkpoint.origin) })
}

/** Builds an evidence object from two verified checkpoints of the same log (keeping only the log's signatures). */
export function makeEvidence (kind: EvidenceKind, vkey: string, first: SignedCheckpoint, second: SignedCheckpoint,
  extra: { proof?: Uint8Array[], observedBy?: string, observedAt?: number } = {}): Evidence {
  const ev: Evidence = { type: EVIDENCE_TYPE, kind, vkey, checkpoints: [logSignedNote(first), logSignedNote(second)] }
  if (extra.proof !== undefined) ev.proof = extra.proof.map(toBase64)
  if (extra.observedBy !== undefined) ev.observedBy = extra.observedBy
  if (extra.observedAt !== undefined) ev.observedAt = extra.observedAt
  return ev
}

/**
 * Checks an evidence object (e.g. parsed from an evidence file). Returns what it proves, or
 * throws `LEDGER_BAD_EVIDENCE` if it is malformed, a signature does not verify, or the two
 * checkpoints do not show the claimed misbehaviour.
 */
export function verifyEvidence (input: unknown): VerifiedEvidence {
  const ev = input as Partial<Evidence>
  if (typeof ev !== 'object' || ev === null || ev.type !== EVIDENCE_TYPE) throw badEvidence(`type must be ${EVIDENCE_TYPE}`)
  if (!(EVIDENCE_KINDS as readonly unknown[]).includes(ev.kind)) throw badEvidence('unknown kind')
  if (typeof ev.vkey !== 'string' || !Array.isArray(ev.checkpoints) || ev.checkpoints.length !== 2) throw badEvidence('needs vkey and two checkpoints')
  let a: SignedCheckpoint, b: SignedCheckpoint
  try {
    const key = parseVerifierKey(ev.vkey)
    a = openCheckpoint(String(ev.checkpoints[0]), key)
    b = openCheckpoint(String(ev.checkpoints[1]), key)
  } catch (err) {
    if (isFulcrumError(err)) throw badEvidence(`a checkpoint does not verify (${err.code})`, err)
    throw err
  }
  const origin = a.checkpoint.origin
  const peerId = peerIdOfOrigin(origin)
  if (origin.startsWith(ORIGIN_PREFIX) && (peerId === undefined || ev.vkey !== ledgerVerifierKey(peerId))) {
    throw badEvidence(`the vkey is not the key of the node named by the origin ${origin}`)
  }
  const [m, n] = [a.checkpoint.size, b.checkpoint.size]
  const roots: [string, string] = [toBase64(a.checkpoint.root), toBase64(b.checkpoint.root)]
  const result: VerifiedEvidence = { kind: ev.kind as EvidenceKind, origin, ...(peerId === undefined ? {} : { peerId }), sizes: [m, n], roots }
  if (ev.kind === 'split-view') {
    if (m !== n || bytesEqual(a.checkpoint.root, b.checkpoint.root)) throw badEvidence('a split view needs equal sizes and different roots')
    return result
  }
  if (ev.kind === 'rollback' ? !(n < m) : !(m < n)) {
    throw badEvidence(ev.kind === 'rollback' ? 'a rollback needs the second checkpoint to be smaller' : 'an inconsistency needs the first checkpoint to be smaller')
  }
  const [small, large] = m < n ? [a, b] : [b, a]
  checkFailingProof(ev.proof, small, large)
  return result
}

/**
 * Checks that `proof` is a consistency proof from `small` to `large` (sizes 0 < s < l) that
 * fails: without one, two checkpoints of different sizes can both be true (the smaller one is
 * simply older), so they prove nothing.
 */
function checkFailingProof (input: unknown, small: SignedCheckpoint, large: SignedCheckpoint): void {
  const [s, l] = [small.checkpoint, large.checkpoint]
  if (s.size === 0) throw badEvidence('every tree is consistent with the empty tree')
  if (!Array.isArray(input)) throw badEvidence('an older checkpoint is not evidence without the failing consistency proof the log served')
  const proof = input.map(p => strictBase64(String(p)))
  if (proof.some(p => p === undefined)) throw badEvidence('proof hashes must be base64')
  if (verifyConsistency(s.size, l.size, proof as Uint8Array[], s.root, l.root)) {
    throw badEvidence(`the consistency proof from size ${s.size} to ${l.size} verifies: the checkpoints can both be true`)
  }
}
