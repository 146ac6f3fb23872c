/**
 * The node's Prometheus metrics, on prom-client, in one registry per node (several nodes can run in
 * one process). Gauges are read from the node when scraped ({@link MetricsSources}, given by `bind`); counters and
 * histograms are fed by the shell through {@link Telemetry}; API latency by timing the API's
 * backend. libp2p's own metrics (`libp2p_*`, `nodejs_*`) join the same registry through
 * {@link NodeMetrics.libp2pMetrics}. This is the only module that imports prom-client.
 *
 * Every metric name is in {@link METRIC_NAMES}; the Grafana dashboard (config/grafana-dashboard.json)
 * queries only these and libp2p's, which a test checks.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import type { Telemetry } from './telemetry.js'

/** What the gauges read at each scrape. */
export interface MetricsSources {
  /** Connected peers. */
  peers: () => number
  /** Records in the catalog (offers and withdrawals, the node's own included). */
  offersKnown: () => number
  /** The node's own live records. */
  offersOwn: () => Promise<number>
  /** The provider's stored orders by status (pending and held ones are open holds). */
  ordersByStatus: () => Promise<Record<string, number>>
  /** Entries in the agreement ledger. */
  ledgerSize: () => number
}

/** Metric names, each with its help text. */
export const METRIC_NAMES = {
  peers: 'fulcrum_peers',
  offersKnown: 'fulcrum_offers_known',
  offersOwn: 'fulcrum_offers_own',
  gossip: 'fulcrum_gossip_messages_total',
  orders: 'fulcrum_orders',
  holds: 'fulcrum_holds_open',
  orderTransitions: 'fulcrum_order_transitions_total',
  ledger: 'fulcrum_ledger_entries',
  api: 'fulcrum_api_request_duration_seconds',
  protocol: 'fulcrum_protocol_request_duration_seconds',
  refusals: 'fulcrum_bound_refusals_total'
} as const

/** Latency buckets (seconds): local API calls take milliseconds; protocol handlers are cut at 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** Order statuses always exported (0 when none), so dashboards show every series. */
const ORDER_STATUSES = ['pending', 'held', 'committed', 'released', 'expired', 'refused']

/** See module doc. */
export class NodeMetrics {
  readonly registry = new Registry()
  readonly telemetry: Telemetry
  private readonly api: Histogram<'operation' | 'outcome'>

  private sources: MetricsSources = { peers: () => 0, offersKnown: () => 0, offersOwn: async () => 0, ordersByStatus: async () => ({}), ledgerSize: () => 0 }

  /** The gauges read the node through `sources`, given by {@link bind} once the node is wired. */
  constructor () {
    const registers = [this.registry]
    const read = (): MetricsSources => this.sources
    const n = METRIC_NAMES
    new Gauge({ name: n.peers, help: 'Peers connected now', registers, collect () { this.set(read().peers()) } })
    new Gauge({ name: n.offersKnown, help: 'Records in the catalog (offers and withdrawals)', registers, collect () { this.set(read().offersKnown()) } })
    new Gauge({ name: n.offersOwn, help: 'The node\'s own live records', registers, async collect () { this.set(await read().offersOwn()) } })
    new Gauge({ name: n.ledger, help: 'Entries in the agreement ledger', registers, collect () { this.set(read().ledgerSize()) } })
    new Gauge({
      name: n.holds,
      help: 'Open holds (pending or held orders) reserving capacity',
      registers,
      async collect () {
        const by = await read().ordersByStatus()
        this.set((by.pending ?? 0) + (by.held ?? 0))
      }
    })
    new Gauge({
      name: n.orders,
      help: 'The provider\'s stored orders by status',
      labelNames: ['state'],
      registers,
      async collect () {
        const by = await read().ordersByStatus()
        for (const s of new Set([...ORDER_STATUSES, ...Object.keys(by)])) this.set({ state: s }, by[s] ?? 0)
      }
    })
    const gossip = new Counter({ name: n.gossip, help: 'Gossip messages judged, by topic, result and code', labelNames: ['topic', 'result', 'code'], registers })
    const transitions = new Counter({ name: n.orderTransitions, help: 'Order state changes at this provider, by the state entered', labelNames: ['state'], registers })
    const protocol = new Histogram({ name: n.protocol, help: 'Time to answer one inbound request, by protocol and outcome', labelNames: ['protocol', 'outcome'], buckets: LATENCY_BUCKETS, registers })
    const refusals = new Counter({ name: n.refusals, help: 'Work refused by a bound (connection limiter, session caps), by bound and reason', labelNames: ['bound', 'reason'], registers })
    this.api = new Histogram({ name: n.api, help: 'Time to serve one control API operation, by operation and outcome', labelNames: ['operation', 'outcome'], buckets: LATENCY_BUCKETS, registers })
    this.telemetry = {
      gossipVerdict: (topic, result, code) => { gossip.inc({ topic, result, code: code ?? '' }) },
      protocolRequest: (p, seconds, ok) => { protocol.observe({ protocol: p, outcome: ok ? 'ok' : 'error' }, seconds) },
      refused: (bound, reason) => { refusals.inc({ bound, reason }) },
      orderState: (state) => { transitions.inc({ state }) }
    }
  }

  /** Where the gauges read the node. */
  bind (sources: MetricsSources): void {
    this.sources = sources
  }

  /**
   * `backend` with every method timed into the API latency histogram under its name: the
   * operations, whichever HTTP framework routes to them.
   */
  timeBackend<T extends object> (backend: T): T {
    const api = this.api
    return new Proxy(backend, {
      get (target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver)
        if (typeof value !== 'function' || typeof key !== 'string') return value
        return (...args: unknown[]) => {
          const end = api.startTimer({ operation: key })
          try {
            const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args)
            if (out instanceof Promise) return out.then(v => { end({ outcome: 'ok' }); return v }, (err: unknown) => { end({ outcome: 'error' }); throw err })
            end({ outcome: 'ok' })
            return out
          } catch (err) {
            end({ outcome: 'error' })
            throw err
          }
        }
      }
    })
  }

  /**
   * libp2p's metrics (connections, streams, bytes by protocol, DHT, gossipsub, Node.js process)
   * into this registry. @libp2p/prometheus-metrics keeps one process-wide table of metric objects,
   * so only one node per process should export libp2p metrics (the daemon runs one).
   */
  libp2pMetrics (): ReturnType<typeof prometheusMetrics> {
    return prometheusMetrics({ registry: this.registry })
  }

  /** The text exposition of every metric, and its content type. */
  async scrape (): Promise<{ body: string, contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType }
  }
}
