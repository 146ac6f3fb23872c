/**
 * `createNode()`: the one place where a Fulcrum node's modules are wired together. Each module
 * receives only the components it uses. Order of start: catalog, libp2p, discovery, bootstrap,
 * API (and `api.json`); stop runs in reverse, so nothing accepted is lost.
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

/** Creates a node from a data directory (see module doc). Nothing runs until `start()`. */
export async function createNode (init: NodeInit): Promise<FulcrumNode> {
  const paths = dataDirPaths(init.dataDir)
  const identity = await loadIdentity(init.dataDir)
  const config: NodeConfig = { ...await loadConfig(init.dataDir), ...init.config }
  const now = init.now ?? Date.now
  const logger = (init.logger ?? silentLogger).child({ peerId: identity.peerId })
  const catalog = await Catalog.open(paths.catalog)
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
  const ledgerLog = await MerkleLog.open(paths.ledger, { signer: identity })
  const ledger = new LedgerService({ libp2p, log: ledgerLog, identity, state: new FileStateStore(join(paths.audit, 'witness')), logger, now })
  const bootstrapper = new Bootstrapper(libp2p, config.bootstrap, logger.child({ component: 'bootstrap' }))
  const api = init.api === false ? undefined : new ApiServer(nodeBackend({ identity, discovery, catalog: view, libp2p, now }), await loadApiToken(init.dataDir), logger.child({ component: 'api' }))
  const onDisconnect = (): void => { bootstrapper.reconnectIfAlone() }
  let sweeper: ReturnType<typeof setInterval> | undefined
  let apiUrl: string | undefined

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
      await libp2p.start()
      await discovery.start()
      await ledger.start()
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      bootstrapper.start()
      sweeper = setInterval(() => { void catalog.sweep(now()).catch(() => {}) }, SWEEP_INTERVAL_MS)
      sweeper.unref?.()
      if (api !== undefined) {
        apiUrl = await api.start(config.apiPort)
        await writeFile(paths.api, JSON.stringify({ url: apiUrl, pid: process.pid }) + '\n', { mode: 0o600 })
      }
      logger.info('node started', { component: 'node', addresses: libp2p.getMultiaddrs().map(String), api: apiUrl })
    },
    async stop () {
      if (api !== undefined) {
        await api.stop()
        await rm(paths.api, { force: true })
      }
      clearInterval(sweeper)
      bootstrapper.stop()
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      await ledger.stop()
      await discovery.stop()
      await libp2p.stop()
      await ledgerLog.close()
      await catalog.close()
      logger.info('node stopped', { component: 'node' })
    }
  }
}
