/** Error codes of the pure ledger module (Merkle proofs, signed notes, checkpoints, entries, evidence). */
export const LedgerError = {
  /** A size, index or hash given to a Merkle function is out of range or of the wrong length. */
  BAD_ARGUMENT: 'LEDGER_BAD_ARGUMENT',
  /** A proof does not verify, or has the wrong number of hashes for its sizes. */
  PROOF_INVALID: 'LEDGER_PROOF_INVALID',
  /** A signed note that does not follow C2SP signed-note (text, blank line, signature lines). */
  MALFORMED_NOTE: 'LEDGER_MALFORMED_NOTE',
  /** A verifier key (`name+keyid+base64`) that is malformed or of an unsupported type. */
  MALFORMED_VKEY: 'LEDGER_MALFORMED_VKEY',
  /** No signature on the note verifies with the expected key. */
  BAD_SIGNATURE: 'LEDGER_BAD_SIGNATURE',
  /** A note body that is not a C2SP tlog-checkpoint (origin, size, base64 root, extensions). */
  MALFORMED_CHECKPOINT: 'LEDGER_MALFORMED_CHECKPOINT',
  /** A checkpoint whose origin is not the one expected for its signer. */
  WRONG_ORIGIN: 'LEDGER_WRONG_ORIGIN',
  /** A cosignature that is malformed or does not verify. */
  BAD_COSIGNATURE: 'LEDGER_BAD_COSIGNATURE',
  /** A ledger entry whose encoding or fields are invalid. */
  MALFORMED_ENTRY: 'LEDGER_MALFORMED_ENTRY',
  /** An entry party signature that is missing or does not verify. */
  BAD_ENTRY_SIGNATURE: 'LEDGER_BAD_ENTRY_SIGNATURE',
  /** An evidence object that is malformed, or that does not prove misbehaviour. */
  BAD_EVIDENCE: 'LEDGER_BAD_EVIDENCE'
} as const
export type LedgerErrorCode = typeof LedgerError[keyof typeof LedgerError]
