/**
 * `createNode()`: the one place where a Fulcrum node's modules are wired together. Each module
 * receives only the components it uses. The stores (catalog, ledger log) open first; `start()`
 * starts libp2p, discovery, the ledger service, bootstrap, the catalog sweeper and the API (and
 * `api.json`) in that order; `stop()` stops them in reverse, then closes the stores, so nothing
 * accepted is lost.
 */
import { writeFile, rm } from 'node:fs/promises'
import { Catalog } from '../catalog/index.js'
import { dataDirPaths, loadApiToken, loadConfig, loadIdentity } from '../datadir/index.js'
import type { NodeConfig } from '../datadir/index.js'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { silentLogger } from '../logging/index.js'
import { Bootstrapper, createLibp2pNode } from '../network/index.js'
import type { FulcrumLibp2p } from '../network/index.js'
import { Discovery, OFFER_TOPIC, OFFER_TOPIC_SCORE_PARAMS, PeerPenalties } from '../discovery/index.js'
import type { DiscoveryInit } from '../discovery/index.js'
import { ApiServer } from '../api/index.js'
import { MerkleLog } from '../log/index.js'
import { FileStateStore, LedgerService } from '../ledger-protocol/index.js'
import { join } from 'node:path'
import { catalogView } from './catalog-view.js'
import { nodeBackend } from './backend.js'

/** Expired records are swept from the catalog this often (queries already skip them). */
export const SWEEP_INTERVAL_MS = 10 * 60_000

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
  /** The API base URL once started with the API on. */
  readonly apiUrl: string | undefined
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

/** Creates a node from a data directory (see module doc). Nothing runs until `start()`. */
export async function createNode (init: NodeInit): Promise<FulcrumNode> {
  const paths = dataDirPaths(init.dataDir)
  const identity = await loadIdentity(init.dataDir)
  const config: NodeConfig = { ...await loadConfig(init.dataDir), ...init.config }
  const now = init.now ?? Date.now
  const logger = (init.logger ?? silentLogger).child({ peerId: identity.peerId })
  const catalog = await Catalog.open(paths.catalog)
  const ledgerLog = await MerkleLog.open(paths.ledger, { signer: identity })
  const view = catalogView(catalog)
  const penalties = new PeerPenalties(now)
  const libp2p = await createLibp2pNode({
    seed: identity.seed,
    listen: config.listen,
    allowedDialRanges: config.allowedDialRanges,
    maxConnections: config.maxConnections,
    ipColocationWhitelist: config.ipColocationWhitelist,
    topicScoreParams: { [OFFER_TOPIC]: OFFER_TOPIC_SCORE_PARAMS },
    appSpecificScore: penalties.score,
    start: false
  })
  const discovery = new Discovery({ libp2p, catalog: view, identity, penalties, logger, now }, init.discovery)
  const ledger = new LedgerService({ libp2p, log: ledgerLog, identity, state: new FileStateStore(join(paths.audit, 'witness')), logger, now })
  const backend = nodeBackend({ identity, discovery, catalog: view, libp2p, now, ledger: { append: async (e) => await ledger.append(e), size: () => ledgerLog.size } })
  const api = init.api === false ? undefined : new ApiServer(backend, await loadApiToken(init.dataDir), logger.child({ component: 'api' }))
  let apiUrl: string | undefined
  const parts: Part[] = [
    { start: async () => { await libp2p.start() }, stop: async () => { await libp2p.stop() } },
    discovery,
    ledger,
    bootstrapPart(libp2p, config, logger),
    sweeperPart(catalog, now),
    ...(api === undefined ? [] : [apiPart(api, config, paths.api, url => { apiUrl = url })])
  ]
  let started = 0
  let closed = false

  return {
    identity,
    config,
    libp2p,
    catalog,
    discovery,
    ledger,
    get apiUrl () { return apiUrl },
    multiaddrs: () => libp2p.getMultiaddrs().map(String),
    async start () {
      for (; started < parts.length; started++) await (parts[started] as Part).start()
      logger.info('node started', { component: 'node', addresses: libp2p.getMultiaddrs().map(String), api: apiUrl })
    },
    async stop () {
      // Stops what was started, in reverse, including after a start that failed half way.
      for (; started > 0; started--) await (parts[started - 1] as Part).stop()
      if (!closed) {
        closed = true
        await ledgerLog.close()
        await catalog.close()
      }
      logger.info('node stopped', { component: 'node' })
    }
  }
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
      setUrl(url)
      await writeFile(apiJsonPath, JSON.stringify({ url, pid: process.pid }) + '\n', { mode: 0o600 })
    },
    stop: async () => {
      await api.stop()
      await rm(apiJsonPath, { force: true })
      setUrl(undefined)
    }
  }
}
