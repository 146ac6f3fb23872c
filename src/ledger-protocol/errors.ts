/** Error codes of the ledger protocol. */
export const LedgerProtocolError = {
  /** A message that is not canonical CBOR of the expected shape. */
  BAD_MESSAGE: 'LEDGER_PROTO_BAD_MESSAGE',
  /** The peer answered with an error (its code is in the message). */
  REMOTE: 'LEDGER_PROTO_REMOTE',
  /** A cosign request whose old size is not the last size this witness saw (the answer carries it). */
  CONFLICT: 'LEDGER_PROTO_CONFLICT',
  /** The peer's checkpoint is not signed by it, or not for its origin. */
  BAD_CHECKPOINT: 'LEDGER_PROTO_BAD_CHECKPOINT',
  /** The peer served data that does not verify against its own signed checkpoint. */
  BAD_DATA: 'LEDGER_PROTO_BAD_DATA',
  /** The witness refuses: the log showed an inconsistent history (evidence kept). */
  EQUIVOCATION: 'LEDGER_PROTO_EQUIVOCATION',
  /**
   * The witness refuses to cosign or observe a log it does not follow: the requester shares no
   * agreement with it (none in the request) and is not in its `followLogs`.
   */
  NOT_FOLLOWED: 'LEDGER_PROTO_NOT_FOLLOWED',
  /** The witness already follows as many logs as its limit (`witness.maxLogs`) allows. */
  WITNESS_FULL: 'LEDGER_PROTO_WITNESS_FULL',
  /** A size, index or range outside the node's log (on the wire; the log's own code stays local). */
  OUT_OF_RANGE: 'LEDGER_PROTO_OUT_OF_RANGE',
  /** No entry with that index, leaf hash or document id in the tree of that size. */
  NOT_FOUND: 'LEDGER_PROTO_NOT_FOUND',
  /** The node cannot answer now (its store failed or is closing); details stay in its own logs. */
  UNAVAILABLE: 'LEDGER_PROTO_UNAVAILABLE',
  /**
   * (local) The entry was appended durably, but some counterparties had not cosigned by the
   * deadline or when the service stopped; the next append they are a party to asks them again.
   */
  COSIGN_PENDING: 'LEDGER_PROTO_COSIGN_PENDING'
} as const
export type LedgerProtocolErrorCode = typeof LedgerProtocolError[keyof typeof LedgerProtocolError]
