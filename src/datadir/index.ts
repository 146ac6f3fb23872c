/**
 * The data directory of a node, a customer or an auditor: its key, config and stores.
 *
 * Layout (every file that holds a secret is created with mode 0600):
 * - `identity.json`  the Ed25519 seed, `{ "type": "ed25519", "seed": base64 }` (secret)
 * - `config.json`    the node's config (see config/default.json)
 * - `api-token`      the bearer token of the local control API (secret)
 * - `api.json`       `{ "url", "pid" }` of the running daemon, removed when it stops
 * - `catalog/`, `ledger/`, `audit/`  LevelDB stores
 * - `orders/`         the provider's order store (holds, capacity); `customer-orders/` the customer's
 */
import { mkdir, readFile, writeFile, stat, chmod } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FulcrumError } from '../errors/index.js'
import { createIdentity, SEED_LENGTH } from '../identity/index.js'
import type { Identity } from '../identity/index.js'

/** Error codes of the data directory. */
export const DataDirError = {
  /** The directory has no identity: run `fulcrum init` first. */
  NOT_INITIALISED: 'DATADIR_NOT_INITIALISED',
  /** `fulcrum init` on a directory that already holds an identity. */
  ALREADY_INITIALISED: 'DATADIR_ALREADY_INITIALISED',
  /** A file in the directory is unreadable or malformed. */
  CORRUPT: 'DATADIR_CORRUPT',
  /** A store of the directory is held open by another process (usually its running daemon). */
  LOCKED: 'DATADIR_LOCKED'
} as const

/** Node configuration, as in config/default.json. */
export interface NodeConfig {
  listen: string[]
  bootstrap: string[]
  apiPort: number
  /** CIDR ranges the node may dial; anything else is refused by the connection gater. */
  allowedDialRanges: string[]
  /** CIDR ranges inbound connections may come from; absent or empty: any address. */
  allowedInboundRanges?: string[]
  maxConnections: number
  /** IPs exempt from gossipsub's IP colocation penalty (several nodes behind one address). */
  ipColocationWhitelist: string[]
  /** Peers a light client asks by default (multiaddrs with /p2p/). */
  peers: string[]
  /**
   * Re-sign the node's own offers before they expire, so they live as long as the daemon runs
   * (false: offers end at the expiry they were published with).
   */
  renewOwnOffers: boolean
  /** Bounds of the offer catalog against floods (protocols/discovery-v1.md §Catalog limits). */
  catalogLimits: CatalogLimitsConfig
  /** What this node witnesses and cosigns, and how much witness state it keeps (protocols/ledger-v1.md §6.2). */
  witness: WitnessConfig
  /**
   * The provider's order policy (one object; validated by `orderPolicyFromConfig` in
   * src/order-protocol/policy.ts, documented in config/default.json). Absent: the defaults.
   */
  orders?: unknown
}

/** Config `catalogLimits`. */
export interface CatalogLimitsConfig {
  /** Records held at most, besides the node's own (integer >= 1; default 1,000,000). */
  maxRecords: number
  /** Records per provider at most (integer >= 1; default 5,000). */
  maxRecordsPerProvider: number
  /** Gossip records per second, across all peers, from providers the catalog holds nothing of (> 0; default 50). */
  newProviderRecordsPerSecond: number
  /** Burst of that budget (integer >= 1; default 500). */
  newProviderBurst: number
  /** Peer ids whose records are never evicted (default none). */
  protectedProviders: string[]
}

/** Config `witness`. */
export interface WitnessConfig {
  /** Peer ids of logs to witness and cosign besides counterparties (default none). */
  followLogs: string[]
  /** Logs with witness state at most (integer >= 1; default 1,000). */
  maxLogs: number
  /** Evidence files per log at most (integer >= 1; default 16). */
  maxEvidencePerLog: number
  /** Evidence files in all at most (integer >= 1; default 1,000). */
  maxEvidence: number
}

/** Paths of the files in a data directory. */
export function dataDirPaths (dir: string): Record<'root' | 'identity' | 'config' | 'apiToken' | 'api' | 'catalog' | 'ledger' | 'audit' | 'orders' | 'customerOrders', string> {
  const root = resolve(dir)
  return {
    root,
    identity: join(root, 'identity.json'),
    config: join(root, 'config.json'),
    apiToken: join(root, 'api-token'),
    api: join(root, 'api.json'),
    catalog: join(root, 'catalog'),
    ledger: join(root, 'ledger'),
    audit: join(root, 'audit'),
    orders: join(root, 'orders'),
    customerOrders: join(root, 'customer-orders')
  }
}

/** The built-in defaults (config/default.json). */
export async function defaultConfig (): Promise<NodeConfig> {
  const raw = JSON.parse(await readFile(await existingDefaultConfigPath(), 'utf8')) as Record<string, unknown>
  delete raw.$comment
  return raw as unknown as NodeConfig
}

async function existingDefaultConfigPath (): Promise<string> {
  // From src/datadir (tsx) the file is ../../config; from dist/src/datadir it is ../../../config.
  for (const rel of ['../../config/default.json', '../../../config/default.json']) {
    const p = fileURLToPath(new URL(rel, import.meta.url))
    if (await exists(p)) return p
  }
  throw new Error('config/default.json is missing from the installation')
}

/**
 * Creates a data directory with a fresh identity, a config and an API token.
 * Throws `DATADIR_ALREADY_INITIALISED` rather than ever replacing a key.
 */
export async function initDataDir (dir: string, overrides: Partial<NodeConfig> = {}, seed?: Uint8Array): Promise<Identity> {
  const paths = dataDirPaths(dir)
  if (await exists(paths.identity)) {
    throw new FulcrumError(DataDirError.ALREADY_INITIALISED, `${paths.root} already holds an identity`)
  }
  await mkdir(paths.root, { recursive: true, mode: 0o700 })
  const identity = createIdentity(seed)
  await writeFile(paths.identity, JSON.stringify({ type: 'ed25519', seed: Buffer.from(identity.seed).toString('base64') }) + '\n',
    { mode: 0o600, flag: 'wx' })
  await chmod(paths.identity, 0o600)
  await writeFile(paths.config, JSON.stringify({ ...(await defaultConfig()), ...overrides }, null, 2) + '\n')
  await writeFile(paths.apiToken, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 })
  return identity
}

/** Loads the identity of a data directory. */
export async function loadIdentity (dir: string): Promise<Identity> {
  const paths = dataDirPaths(dir)
  const text = await readOrThrow(paths.identity)
  let seed: Uint8Array
  try {
    const parsed = JSON.parse(text) as { type?: unknown, seed?: unknown }
    if (parsed.type !== 'ed25519' || typeof parsed.seed !== 'string') throw new Error('bad fields')
    seed = new Uint8Array(Buffer.from(parsed.seed, 'base64'))
    if (seed.length !== SEED_LENGTH) throw new Error('bad seed length')
  } catch (err) {
    throw new FulcrumError(DataDirError.CORRUPT, `${paths.identity} is not a valid identity file`, { cause: err })
  }
  return createIdentity(seed)
}

/** The data directory's config, merged over the defaults. */
export async function loadConfig (dir: string): Promise<NodeConfig> {
  const paths = dataDirPaths(dir)
  const defaults = await defaultConfig()
  if (!await exists(paths.config)) return defaults
  try {
    return { ...defaults, ...(JSON.parse(await readFile(paths.config, 'utf8')) as Partial<NodeConfig>) }
  } catch (err) {
    throw new FulcrumError(DataDirError.CORRUPT, `${paths.config} is not valid JSON`, { cause: err })
  }
}

/** The bearer token of the local API. */
export async function loadApiToken (dir: string): Promise<string> {
  return (await readOrThrow(dataDirPaths(dir).apiToken)).trim()
}

async function readOrThrow (path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FulcrumError(DataDirError.NOT_INITIALISED, `${path} not found: run \`fulcrum init --data-dir DIR\` first`)
    }
    throw new FulcrumError(DataDirError.CORRUPT, `cannot read ${path}`, { cause: err })
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/**
 * The pid that `api.json` names, if the file is there and that process is alive; undefined
 * otherwise (no daemon, or one that died without removing the file).
 */
export async function runningDaemonPid (dir: string): Promise<number | undefined> {
  let pid: unknown
  try {
    pid = (JSON.parse(await readFile(dataDirPaths(dir).api, 'utf8')) as { pid?: unknown }).pid
  } catch {
    return undefined
  }
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined
  }
  return pid
}

/** `DATADIR_LOCKED` for a store of `dir` that another process holds, naming the daemon's pid if known. */
export async function dataDirLocked (dir: string, cause: unknown): Promise<FulcrumError> {
  const root = dataDirPaths(dir).root
  const pid = await runningDaemonPid(dir)
  return new FulcrumError(DataDirError.LOCKED, pid === undefined
    ? `another process (probably a fulcrum daemon) is using ${root}: its stores are locked; stop it first or use another --data-dir`
    : `another fulcrum daemon is using ${root} (pid ${pid} from api.json); stop it first or use another --data-dir`, { cause })
}
