/** Error codes of the durable Merkle log. */
export const LogError = {
  /** The log was used after `close()`. */
  CLOSED: 'LOG_CLOSED',
  /** Another process (usually the daemon) has the store open. */
  LOCKED: 'LOG_LOCKED',
  /** The store is missing records it must have, or its checkpoint does not match its tree. */
  CORRUPT: 'LOG_CORRUPT',
  /** A size, index or range outside the log. */
  OUT_OF_RANGE: 'LOG_OUT_OF_RANGE',
  /** No leaf with that hash, or no entry with that document id. */
  NOT_FOUND: 'LOG_NOT_FOUND',
  /** A different entry with the same document id is already in the log. */
  DUPLICATE_ID: 'LOG_DUPLICATE_ID',
  /** The log was opened without a signing key (a read-only snapshot). */
  READ_ONLY: 'LOG_READ_ONLY',
  /** The store could not be opened or written. */
  IO: 'LOG_IO'
} as const
export type LogErrorCode = typeof LogError[keyof typeof LogError]
