/**
 * Metrics and summary logs of a node's shell (the pure core never records anything): the
 * {@link Telemetry} events modules report, the Prometheus registry and endpoint that export them
 * with libp2p's own metrics, and the rate-limited gossip summaries of the info log.
 */
export * from './telemetry.js'
export * from './errors.js'
export * from './listen.js'
export * from './summary.js'
export * from './observability.js'
