/**
 * What `createNode()` wires for metrics and summary logs, in one call: the {@link Telemetry} the
 * shell's modules report to (the gossip summary of the info log, and the Prometheus metrics when
 * on), libp2p's metrics factory, the gauges' view of the node, and the parts to start and stop.
 * prom-client and the endpoint are loaded only when `metrics.listen` is configured.
 */
import type { Logger } from '../logging/index.js'
import type { MetricsListen } from './listen.js'
import type { MetricsSources, NodeMetrics } from './registry.js'
import { GossipSummary } from './summary.js'
import { fanOut } from './telemetry.js'
import type { Telemetry } from './telemetry.js'

/** Options of {@link observability}. */
export interface ObservabilityInit {
  /** The checked endpoint address (parseMetricsListen); undefined: no metrics. */
  listen: MetricsListen | undefined
  logger: Logger
  /** Gossip summary interval (default SUMMARY_INTERVAL_MS; tests shorten it). */
  summaryIntervalMs?: number
}

/** A part of the node, started in order and stopped in reverse. */
export interface ObservabilityPart { start: () => Promise<void> | void, stop: () => Promise<void> | void }

/** See module doc. */
export interface Observability {
  readonly telemetry: Telemetry
  /** libp2p's metrics into the node's registry, when metrics are on. */
  readonly libp2pMetrics: ReturnType<NodeMetrics['libp2pMetrics']> | undefined
  /** The endpoint's URL while it runs. */
  readonly url: string | undefined
  /** Gives the gauges their view of the node. */
  bind: (sources: MetricsSources) => void
  /** The API backend, timed when metrics are on. */
  timeBackend: <T extends object>(backend: T) => T
  /** The gossip summary, then the endpoint (started last: it reads a running node). */
  readonly summaryPart: ObservabilityPart
  readonly endpointPart: ObservabilityPart
}

/** See module doc. */
export async function observability (init: ObservabilityInit): Promise<Observability> {
  const summary = new GossipSummary(init.logger.child({ component: 'gossip' }), init.summaryIntervalMs)
  const { listen } = init
  const metrics = listen === undefined ? undefined : new (await import('./registry.js')).NodeMetrics()
  const server = metrics === undefined ? undefined : new (await import('./server.js')).MetricsServer(async () => await metrics.scrape())
  let url: string | undefined
  const log = init.logger.child({ component: 'metrics' })
  return {
    telemetry: fanOut([summary.telemetry, metrics?.telemetry]),
    libp2pMetrics: metrics?.libp2pMetrics(),
    get url () { return url },
    bind: (sources) => { metrics?.bind(sources) },
    timeBackend: (backend) => metrics === undefined ? backend : metrics.timeBackend(backend),
    summaryPart: { start: () => { summary.start() }, stop: () => { summary.stop() } },
    endpointPart: {
      start: async () => {
        if (server === undefined || listen === undefined) return
        url = await server.start(listen)
        log.info('metrics endpoint listening', { url })
      },
      stop: async () => {
        await server?.stop()
        url = undefined
      }
    }
  }
}
