/**
 * Finding codes of audits. A finding is a violation the audit established (exit code 1 in the
 * CLI); input the audit could not even read is a thrown `AUDIT_MALFORMED_BUNDLE` (exit code 2).
 */
export const AuditError = {
  /** The bundle is not `{ origin, vkey, checkpoint, leaves }` with the right types. */
  MALFORMED_BUNDLE: 'AUDIT_MALFORMED_BUNDLE',
  /** The verifier key is malformed. */
  BAD_VKEY: 'AUDIT_BAD_VKEY',
  /** The checkpoint note or body is malformed. */
  MALFORMED_CHECKPOINT: 'AUDIT_MALFORMED_CHECKPOINT',
  /** The checkpoint is not signed by the log's key. */
  BAD_CHECKPOINT_SIGNATURE: 'AUDIT_BAD_CHECKPOINT_SIGNATURE',
  /** The origin is not the one of the key, or not the one claimed. */
  WRONG_ORIGIN: 'AUDIT_WRONG_ORIGIN',
  /** The number of leaves differs from the checkpoint's tree size (a truncated or padded log). */
  SIZE_MISMATCH: 'AUDIT_SIZE_MISMATCH',
  /** The root recomputed from the leaves differs from the signed root (tampered leaves). */
  ROOT_MISMATCH: 'AUDIT_ROOT_MISMATCH',
  /** A leaf is not a well-formed entry. */
  MALFORMED_ENTRY: 'AUDIT_MALFORMED_ENTRY',
  /** A party's signature on an entry does not verify. */
  BAD_ENTRY_SIGNATURE: 'AUDIT_BAD_ENTRY_SIGNATURE',
  /** The log's owner is not a party of an entry in its log. */
  NOT_A_PARTY: 'AUDIT_NOT_A_PARTY',
  /** Two entries in one log have the same document id. */
  DUPLICATE_ID: 'AUDIT_DUPLICATE_ID',
  /** The log signed two different roots for one size. */
  SPLIT_VIEW: 'AUDIT_SPLIT_VIEW',
  /** The log showed a smaller tree than one it showed before. */
  ROLLBACK: 'AUDIT_ROLLBACK',
  /** The log could not prove that its new tree extends the old one (a fork). */
  INCONSISTENT: 'AUDIT_INCONSISTENT',
  /** An inclusion proof does not verify against the signed root. */
  BAD_PROOF: 'AUDIT_BAD_PROOF',
  /** A party's log does not include the agreement. */
  NOT_INCLUDED: 'AUDIT_NOT_INCLUDED',
  /** Parties' logs hold different bodies for the same agreement id. */
  BODY_MISMATCH: 'AUDIT_BODY_MISMATCH',
  /** A party of the agreement was not audited (no address given): inclusion in its log is unknown. */
  INCOMPLETE: 'AUDIT_INCOMPLETE'
} as const
export type AuditErrorCode = typeof AuditError[keyof typeof AuditError]

/** One violation found by an audit. */
export interface Finding {
  code: AuditErrorCode
  message: string
  /** The leaf index concerned, if any. */
  index?: number
  /** The peer concerned, if any. */
  peer?: string
}
