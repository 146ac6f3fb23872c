/** Error codes of the discovery protocols (protocols/discovery-v1.md §Errors). */
export const DiscoveryError = {
  /** A protocol message is not canonical CBOR of the expected shape; `path` names the field. */
  BAD_MESSAGE: 'DISCOVERY_BAD_MESSAGE',
  /** A peer sent more than a protocol allows (ranges, keys, rounds). */
  LIMIT_EXCEEDED: 'DISCOVERY_LIMIT_EXCEEDED',
  /** A remote node answered a query with an error (its code is in the message). */
  REMOTE_ERROR: 'DISCOVERY_REMOTE_ERROR',
  /** A node served a record that does not match what was asked (wrong key, or not matching the filter). */
  BAD_ANSWER: 'DISCOVERY_BAD_ANSWER',
  /** The DHT could not store a provider record at any peer (none connected). */
  PROVIDE_FAILED: 'DISCOVERY_PROVIDE_FAILED'
} as const
export type DiscoveryErrorCode = typeof DiscoveryError[keyof typeof DiscoveryError]
