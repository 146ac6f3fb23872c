/**
 * `createNode()`: the one place where a Fulcrum node's modules are wired together. Each module
 * receives only the components it uses. The stores (catalog, ledger log, order store) open first;
 * `start()` starts libp2p, discovery, the ledger service, the order service (after the ledger: a
 * commit appends to it), bootstrap, the catalog sweeper, the gossip summary log, the API (and `api.json`) and the metrics endpoint (src/metrics/, when configured) in that order; `stop()` stops them in reverse, then closes the stores, so nothing
 * accepted is lost. A `start()` that fails stops what it had started and closes the stores itself,
 * then throws the error that made it fail (`NET_LISTEN_FAILED`, `API_LISTEN_FAILED`, ...), never
 * one from the cleanup (which stops only the parts that did start: a failed `libp2p.start()` has
 * already stopped libp2p, and stopping discovery then would throw "Pubsub is not started").
 */
import { writeFile, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { Catalog, OwnRecords } from '../catalog/index.js'
import { dataDirPaths, loadApiToken, loadConfig, loadIdentity } from '../datadir/index.js'
import type { NodeConfig } from '../datadir/index.js'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { silentLogger } from '../logging/index.js'
import { describeError } from '../errors/index.js'
import { Bootstrapper, createLibp2pNode, parseBootstrapAddrs, parseListenAddrs, parseRanges } from '../network/index.js'
import type { FulcrumLibp2p } from '../network/index.js'
import { Discovery, OFFER_TOPIC, OFFER_TOPIC_SCORE_PARAMS } from '../discovery/index.js'
import { PeerPenalties } from '../gossip/index.js'
import { decodeCertificate } from '../orders/index.js'
import type { DiscoveryInit } from '../discovery/index.js'
import { ApiServer } from '../api/index.js'
import type { MerkleLog } from '../log/index.js'
import { CHECKPOINT_TOPIC, CHECKPOINT_TOPIC_SCORE_PARAMS, DEFAULT_STATE_LIMITS, FileStateStore, LedgerService } from '../ledger-protocol/index.js'
import { DEFAULT_CATALOG_LIMITS } from '../catalog/index.js'
import { join } from 'node:path'
import { Aggregator, OrderService, orderPolicyFromConfig } from '../order-protocol/index.js'
import type { ProviderStore } from '../order-protocol/index.js'
import type { OrderPolicy } from '../order-protocol/index.js'
import { catalogView } from './catalog-view.js'
import { nodeBackend } from './backend.js'
import { openStores } from './stores.js'
import { acquireSharedPool } from '../verify/threads.js'
import { observability, parseMetricsListen } from '../metrics/index.js'
import type { MetricsListen } from '../metrics/index.js'

/** Expired records are swept from the catalog this often (queries already skip them). */
export const SWEEP_INTERVAL_MS = 10 * 60_000

/** The new-provider admission budget when the config names none (discovery-v1.md §Admission). */
const DEFAULT_NEW_PROVIDERS = { newProviderRecordsPerSecond: 50, newProviderBurst: 500 }

/** Options of {@link createNode}; anything left out comes from the data dir's config. */
export interface NodeInit {
  dataDir: string
  /** Overrides of config.json (flags and environment, resolved by the caller). */
  config?: Partial<NodeConfig>
  /** Serve the control API (default true). */
  api?: boolean
  logger?: Logger
  /** The clock, unix ms (tests move it). */
  now?: () => number
  discovery?: DiscoveryInit
  /** Interval of the gossip summaries in the info log (default 10 s; tests shorten it). */
  logSummaryIntervalMs?: number
  /** Called when a client asks the daemon to stop through the API (`POST /v1/stop`); without it that route is refused. */
  onStopRequest?: () => void
}

/** A running (or stopped) node. */
export interface FulcrumNode {
  readonly identity: Identity
  readonly config: NodeConfig
  readonly libp2p: FulcrumLibp2p
  readonly catalog: Catalog
  readonly discovery: Discovery
  /** The agreement ledger: its log, protocol, gossip, witness and cosigning. */
  readonly ledger: LedgerService
  /** The provider side of composed orders: `/fulcrum/order/1.0.0`, holds, capacity, policy. */
  readonly orders: OrderService
  /** The API base URL once started with the API on. */
  readonly apiUrl: string | undefined
  /** The Prometheus endpoint's URL once started with `metrics.listen` configured. */
  readonly metricsUrl: string | undefined
  /** Listen multiaddrs with /p2p/<peer id>. */
  multiaddrs: () => string[]
  start: () => Promise<void>
  stop: () => Promise<void>
}

/** One part of a running node: started in order, stopped in reverse. */
interface Part {
  start: () => Promise<void> | void
  stop: () => Promise<void> | void
}

/**
 * Creates a node from a data directory (see module doc). Nothing runs until `start()`.
 * Configured addresses are checked before anything opens (`NET_BAD_ADDRESS` naming the bad one);
 * a store held by another process is `DATADIR_LOCKED`. If creation fails, whatever it opened is closed.
 */
export async function createNode (init: NodeInit): Promise<FulcrumNode> {
  const paths = dataDirPaths(init.dataDir)
  const identity = await loadIdentity(init.dataDir)
  // Checked against the schema after the overrides: CONFIG_INVALID names every bad key.
  const config: NodeConfig = await loadConfig(init.dataDir, init.config)
  parseListenAddrs(config.listen)
  parseListenAddrs(config.webSocketListen, 'ws')
  parseBootstrapAddrs(config.bootstrap)
  parseRanges(config.allowedDialRanges)
  parseRanges(config.allowedInboundRanges ?? [])
  const metricsListen = config.metrics === undefined ? undefined : parseMetricsListen(config.metrics.listen, config.metrics.allowNonLoopback)
  const policy = orderPolicyFromConfig(config.orders)
  const apiToken = init.api === false ? undefined : await loadApiToken(init.dataDir)
  const now = init.now ?? Date.now
  const logger = (init.logger ?? silentLogger).child({ peerId: identity.peerId })
  const { catalog, ledgerLog, own, orderStore } = await openStores(init.dataDir, identity, now, logger)
  try {
    return await assemble({ init, paths, identity, config, apiToken, now, logger, catalog, ledgerLog, own, orderStore, policy, metricsListen })
  } catch (err) {
    await closeAll([orderStore, ledgerLog, catalog])
    throw err
  }
}

/** Closes each of `closables` in order, even if one fails; returns the failures. */
async function closeAll (closables: Array<{ close: () => Promise<void> }>): Promise<unknown[]> {
  const errors: unknown[] = []
  for (const c of closables) {
    try {
      await c.close()
    } catch (err) {
      errors.push(err)
    }
  }
  return errors
}

interface Assembly {
  init: NodeInit
  paths: ReturnType<typeof dataDirPaths>
  identity: Identity
  config: NodeConfig
  apiToken: string | undefined
  now: () => number
  logger: Logger
  catalog: Catalog
  ledgerLog: MerkleLog
  own: OwnRecords
  orderStore: ProviderStore
  policy: OrderPolicy
  metricsListen: MetricsListen | undefined
}

/** Wires the modules of a node around its open stores. */
async function assemble ({ init, paths, identity, config, apiToken, now, logger, catalog, ledgerLog, own, orderStore, policy, metricsListen }: Assembly): Promise<FulcrumNode> {
  const limits = { ...DEFAULT_CATALOG_LIMITS, ...DEFAULT_NEW_PROVIDERS, ...config.catalogLimits }
  catalog.configure(limits, identity.peerId)
  const witness = { ...DEFAULT_STATE_LIMITS, ...config.witness }
  const view = catalogView(catalog, { self: identity.peerId, own })
  // Signature verification of sync batches and agreement appends runs on every core.
  const verify = acquireSharedPool()
  const penalties = new PeerPenalties(now)
  const obs = await observability({ listen: metricsListen, logger, ...(init.logSummaryIntervalMs === undefined ? {} : { summaryIntervalMs: init.logSummaryIntervalMs }) })
  const telemetry = obs.telemetry
  const libp2p = await createLibp2pNode({
    seed: identity.seed,
    listen: config.listen,
    webSocketListen: config.webSocketListen,
    allowedDialRanges: config.allowedDialRanges,
    ...(config.allowedInboundRanges === undefined || config.allowedInboundRanges.length === 0 ? {} : { allowedInboundRanges: config.allowedInboundRanges }),
    maxConnections: config.maxConnections,
    maxConnectionsPerPeer: config.maxConnectionsPerPeer,
    inboundConnectionsPerIpPerSecond: config.inboundConnectionsPerIpPerSecond,
    rateLimitExemptRanges: config.rateLimitExemptRanges,
    ipColocationWhitelist: config.ipColocationWhitelist,
    ...(config.gossipMesh === undefined ? {} : { gossipMesh: config.gossipMesh }),
    topicScoreParams: { [OFFER_TOPIC]: OFFER_TOPIC_SCORE_PARAMS, [CHECKPOINT_TOPIC]: CHECKPOINT_TOPIC_SCORE_PARAMS },
    appSpecificScore: penalties.score,
    telemetry,
    ...(obs.libp2pMetrics === undefined ? {} : { metrics: obs.libp2pMetrics }),
    start: false
  })
  const newProviderRate = { perSecond: limits.newProviderRecordsPerSecond, burst: limits.newProviderBurst }
  const discovery = new Discovery({ libp2p, catalog: view, identity, penalties, logger, now, pool: verify.pool, telemetry }, { renewOwnOffers: config.renewOwnOffers, newProviderRate, ...init.discovery })
  const state = new FileStateStore(join(paths.audit, 'witness'), witness)
  const ledger = new LedgerService({ libp2p, log: ledgerLog, identity, state, penalties, logger, now, pool: verify.pool, telemetry }, { followLogs: witness.followLogs ?? [] })
  const hasEntry = async (id: string): Promise<boolean> => await ledgerLog.indexOfDocument(id) !== undefined
  const aggregator = new Aggregator({
    identity, dialer: libp2p, storePath: paths.aggregatorOrders, log: ledgerLog, now, random: n => randomBytes(n), logger: logger.child({ component: 'aggregator' }),
    append: async (bytes, verified) => { if (!await hasEntry(decodeCertificate(bytes).body.id)) await ledger.append(bytes, { background: true, verified }) },
    ownRecords: async () => await view.byProvider(identity.peerId),
    recordsOf: async (provider) => await view.byProvider(provider)
  })
  const orders = new OrderService({
    libp2p, identity, store: orderStore, policy, logger, now, telemetry, aggregator,
    ownRecords: async () => await view.byProvider(identity.peerId),
    ledger: { append: async (e, { verified }) => await ledger.append(e, { background: true, verified }), has: async (id) => await ledgerLog.indexOfDocument(id) !== undefined }
  })
  let startedAt = now()
  const backend = nodeBackend({
    identity, discovery, catalog: view, libp2p, now, orders, startedAt: () => startedAt,
    ledger: { append: async (e) => await ledger.append(e), latestNote: () => ledger.latestNote(), log: ledgerLog },
    ...(init.onStopRequest === undefined ? {} : { requestStop: init.onStopRequest })
  })
  obs.bind({
    peers: () => libp2p.getPeers().length,
    offersKnown: () => catalog.size,
    offersOwn: async () => (await view.byProvider(identity.peerId)).length,
    ordersByStatus: async () => countBy((await orderStore.all()).map(o => o.status)),
    ledgerSize: () => ledgerLog.size
  })
  const api = apiToken === undefined ? undefined : new ApiServer(obs.timeBackend(backend), apiToken, logger.child({ component: 'api' }))
  let apiUrl: string | undefined
  const parts: Part[] = [
    // A failed libp2p.start() stops what libp2p itself had started (listeners included).
    { start: async () => { await libp2p.start() }, stop: async () => { await libp2p.stop() } },
    discovery,
    ledger,
    orders,
    bootstrapPart(libp2p, config, logger),
    peerLogPart(libp2p, logger.child({ component: 'peers' })),
    sweeperPart(catalog, now),
    obs.summaryPart,
    ...(api === undefined ? [] : [apiPart(api, config, paths.api, url => { apiUrl = url })]),
    obs.endpointPart
  ]
  let started = 0
  let closed = false

  /**
   * Stops the parts that started, in reverse (a part whose start failed undid itself), then closes
   * the stores. Carries on past a failure so that nothing stays open; returns the failures.
   */
  const shutDown = async (): Promise<unknown[]> => {
    const errors: unknown[] = []
    for (; started > 0; started--) {
      try {
        await (parts[started - 1] as Part).stop()
      } catch (err) {
        errors.push(err)
      }
    }
    if (!closed) {
      closed = true
      errors.push(...await closeAll([orderStore, ledgerLog, catalog]))
      await verify.release()
    }
    return errors
  }

  return {
    identity,
    config,
    libp2p,
    catalog,
    discovery,
    ledger,
    orders,
    get apiUrl () { return apiUrl },
    get metricsUrl () { return obs.url },
    multiaddrs: () => libp2p.getMultiaddrs().map(String),
    async start () {
      if (closed) throw new Error('this node was stopped: create a new one')
      startedAt = now()
      try {
        for (; started < parts.length; started++) await (parts[started] as Part).start()
      } catch (err) {
        // A failed start leaves nothing running: the caller sees the error that stopped it, not
        // one from cleaning up.
        logger.debug('start failed', { component: 'node', error: describeError(err) })
        for (const e of await shutDown()) logger.warn('cleanup after a failed start failed', { component: 'node', error: describeError(e) })
        throw err
      }
      logger.info('node started', { component: 'node', addresses: libp2p.getMultiaddrs().map(String), api: apiUrl, metrics: obs.url })
    },
    async stop () {
      // Also after a start that failed half way (then there is nothing left to do).
      const errors = await shutDown()
      logger.info('node stopped', { component: 'node' })
      if (errors.length > 0) throw errors[0]
    }
  }
}

/** How many times each value occurs. */
function countBy (values: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) out[v] = (out[v] ?? 0) + 1
  return out
}

/** Bootstrap dialing, with a reconnect when the node finds itself alone. */
function bootstrapPart (libp2p: FulcrumLibp2p, config: NodeConfig, logger: Logger): Part {
  const bootstrapper = new Bootstrapper(libp2p, config.bootstrap, logger.child({ component: 'bootstrap' }))
  const onDisconnect = (): void => { bootstrapper.reconnectIfAlone() }
  return {
    start: () => { libp2p.addEventListener('peer:disconnect', onDisconnect); bootstrapper.start() },
    stop: () => { bootstrapper.stop(); libp2p.removeEventListener('peer:disconnect', onDisconnect) }
  }
}

/** One info line per peer connected or lost, so an operator sees the federation form and break. */
function peerLogPart (libp2p: FulcrumLibp2p, logger: Logger): Part {
  const onConnect = (e: CustomEvent<{ toString: () => string }>): void => {
    logger.info('peer connected', { peer: e.detail.toString(), peers: libp2p.getPeers().length })
  }
  const onDisconnect = (e: CustomEvent<{ toString: () => string }>): void => {
    logger.info('peer lost', { peer: e.detail.toString(), peers: libp2p.getPeers().length })
  }
  return {
    start: () => { libp2p.addEventListener('peer:connect', onConnect); libp2p.addEventListener('peer:disconnect', onDisconnect) },
    stop: () => { libp2p.removeEventListener('peer:connect', onConnect); libp2p.removeEventListener('peer:disconnect', onDisconnect) }
  }
}

/** The periodic sweep of expired catalog records. */
function sweeperPart (catalog: Catalog, now: () => number): Part {
  let timer: ReturnType<typeof setInterval> | undefined
  return {
    start: () => {
      timer = setInterval(() => { void catalog.sweep(now()).catch(() => {}) }, SWEEP_INTERVAL_MS)
      timer.unref?.()
    },
    stop: () => { clearInterval(timer) }
  }
}

/** The control API, and `api.json` telling the CLI where it is while it runs. */
function apiPart (api: ApiServer, config: NodeConfig, apiJsonPath: string, setUrl: (url: string | undefined) => void): Part {
  return {
    start: async () => {
      const url = await api.start(config.apiPort)
      try {
        await writeFile(apiJsonPath, JSON.stringify({ url, pid: process.pid }) + '\n', { mode: 0o600 })
      } catch (err) {
        await api.stop()
        throw err
      }
      setUrl(url)
    },
    stop: async () => {
      await api.stop()
      await rm(apiJsonPath, { force: true })
      setUrl(undefined)
    }
  }
}
