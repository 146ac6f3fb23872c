/** Error codes of the network module. */
export const NetworkError = {
  /** A configured multiaddr or CIDR range does not parse. */
  BAD_ADDRESS: 'NET_BAD_ADDRESS',
  /** A network setting is out of its range (e.g. gossip mesh degrees not ordered Dlo <= D <= Dhi). */
  BAD_CONFIG: 'NET_BAD_CONFIG',
  /** The node could not listen on a configured address (in use, not on this machine, no permission). */
  LISTEN_FAILED: 'NET_LISTEN_FAILED',
  /** A peer-facing message exceeded its protocol's size cap. */
  MESSAGE_TOO_LARGE: 'NET_MESSAGE_TOO_LARGE',
  /** A request or stream did not complete within its timeout. */
  TIMEOUT: 'NET_TIMEOUT',
  /** The caller's AbortSignal fired. */
  ABORTED: 'NET_ABORTED',
  /** The remote closed the stream before a whole message arrived. */
  STREAM_CLOSED: 'NET_STREAM_CLOSED',
  /** Opening a stream failed (no route, refused by the gater, protocol not supported). */
  DIAL_FAILED: 'NET_DIAL_FAILED',
  /** Too many concurrent inbound streams for a protocol: the stream was refused. */
  BUSY: 'NET_BUSY'
} as const
export type NetworkErrorCode = typeof NetworkError[keyof typeof NetworkError]
