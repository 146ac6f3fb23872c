/** Error codes of the metrics endpoint. */
export const MetricsError = {
  /** `metrics.listen` is not `HOST:PORT` with an IP address (or localhost) and a port number. */
  BAD_LISTEN: 'METRICS_BAD_LISTEN',
  /** `metrics.listen` is not a loopback address and `metrics.allowNonLoopback` is not true. */
  NOT_LOOPBACK: 'METRICS_NOT_LOOPBACK',
  /** The endpoint cannot listen (the port is taken, the address is not local). */
  LISTEN_FAILED: 'METRICS_LISTEN_FAILED'
} as const
