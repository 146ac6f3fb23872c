/**
 * The data directory of a node, a customer or an auditor: its key, config and stores.
 *
 * Layout (every file that holds a secret is created with mode 0600):
 * - `identity.json`  the Ed25519 seed, `{ "type": "ed25519", "seed": base64 }` (secret)
 * - `config.json`    the node's config (see config/default.json)
 * - `api-token`      the bearer token of the local control API (secret)
 * - `api.json`       `{ "url", "pid" }` of the running daemon, removed when it stops
 * - `catalog/`, `ledger/`, `audit/`  LevelDB stores (opened by `storage/`)
 * - `ledger.ack.json` what the ledger last acknowledged (size, root, checkpoint), beside its store
 * - `own-records.json` the node's own signed offers and withdrawals, kept apart from the catalog
 * - `orders/`         the provider's order store (holds, capacity); `customer-orders/` the customer's
 */
import { mkdir, readFile, writeFile, stat, chmod, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FulcrumError } from '../errors/index.js'
import { createIdentity, SEED_LENGTH } from '../identity/index.js'
import type { Identity } from '../identity/index.js'
import { parseConfig } from './config.js'
import type { NodeConfig } from './config.js'

export * from './config.js'

/** Error codes of the data directory. */
export const DataDirError = {
  /** The directory has no identity: run `fulcrum init` first. */
  NOT_INITIALISED: 'DATADIR_NOT_INITIALISED',
  /** `fulcrum init` on a directory that already holds an identity. */
  ALREADY_INITIALISED: 'DATADIR_ALREADY_INITIALISED',
  /** A file in the directory is unreadable or malformed. */
  CORRUPT: 'DATADIR_CORRUPT',
  /** A store of the directory is held open by another process (usually its running daemon). */
  LOCKED: 'DATADIR_LOCKED',
  /** `api-token` is empty, blank or too short: it would let any local process use the API. */
  BAD_API_TOKEN: 'DATADIR_BAD_API_TOKEN'
} as const

/** Paths of the files in a data directory. */
export function dataDirPaths (dir: string): Record<'root' | 'identity' | 'config' | 'apiToken' | 'api' | 'catalog' | 'ledger' | 'ledgerAck' | 'ownRecords' | 'audit' | 'orders' | 'customerOrders' | 'aggregatorOrders', string> {
  const root = resolve(dir)
  return {
    root,
    identity: join(root, 'identity.json'),
    config: join(root, 'config.json'),
    apiToken: join(root, 'api-token'),
    api: join(root, 'api.json'),
    catalog: join(root, 'catalog'),
    ledger: join(root, 'ledger'),
    ledgerAck: join(root, 'ledger.ack.json'),
    ownRecords: join(root, 'own-records.json'),
    audit: join(root, 'audit'),
    orders: join(root, 'orders'),
    customerOrders: join(root, 'customer-orders'),
    aggregatorOrders: join(root, 'aggregator-orders')
  }
}

/** The built-in defaults (config/default.json), checked against the schema. */
export async function defaultConfig (): Promise<NodeConfig> {
  const path = await existingDefaultConfigPath()
  return parseConfig(JSON.parse(await readFile(path, 'utf8')), path)
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
  parseConfig({ ...(await defaultConfig()), ...overrides }, 'the config given to init')
  const paths = dataDirPaths(dir)
  if (await exists(paths.identity)) {
    throw new FulcrumError(DataDirError.ALREADY_INITIALISED, `${paths.root} already holds an identity`)
  }
  await mkdir(paths.root, { recursive: true, mode: 0o700 })
  // The identity last: its presence means "initialised", so an init interrupted half-way is
  // simply run again rather than leaving a key without a config or token.
  await writeFile(paths.config, JSON.stringify({ ...(await defaultConfig()), ...overrides }, null, 2) + '\n')
  await writeFile(paths.apiToken, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 })
  const identity = createIdentity(seed)
  await writeFile(paths.identity, JSON.stringify({ type: 'ed25519', seed: Buffer.from(identity.seed).toString('base64') }) + '\n',
    { mode: 0o600, flag: 'wx' })
  await chmod(paths.identity, 0o600)
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

/** The data directory's `config.json` as written (not merged); `{}` if there is none. */
export async function readConfigFile (dir: string): Promise<unknown> {
  const paths = dataDirPaths(dir)
  if (!await exists(paths.config)) return {}
  try {
    return JSON.parse(await readFile(paths.config, 'utf8'))
  } catch (err) {
    throw new FulcrumError(DataDirError.CORRUPT, `${paths.config} is not valid JSON`, { cause: err })
  }
}

/**
 * The data directory's config merged over the defaults, then `overrides` (flags, environment)
 * over that, checked against the schema: `CONFIG_INVALID` names every bad key.
 */
export async function loadConfig (dir: string, overrides: Record<string, unknown> = {}): Promise<NodeConfig> {
  const file = await readConfigFile(dir)
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
  if (typeof file !== 'object' || file === null || Array.isArray(file)) return parseConfig(file, dataDirPaths(dir).config)
  return parseConfig({ ...await defaultConfig(), ...file, ...set }, dataDirPaths(dir).config)
}

/** The least length of an API token (`fulcrum init` writes 43 characters). */
export const MIN_API_TOKEN_LENGTH = 16

/**
 * The bearer token of the local API. Throws `DATADIR_BAD_API_TOKEN` for an empty, blank or short
 * token: the daemon would otherwise accept any request, including a cross-site one from a browser.
 */
export async function loadApiToken (dir: string): Promise<string> {
  const path = dataDirPaths(dir).apiToken
  const token = (await readOrThrow(path)).trim()
  if (token.length < MIN_API_TOKEN_LENGTH) {
    throw new FulcrumError(DataDirError.BAD_API_TOKEN, `${path} must hold a token of at least ${MIN_API_TOKEN_LENGTH} characters (it has ${token.length}); write a new random one, e.g. \`openssl rand -base64 32 > ${path}\``)
  }
  return token
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

/** The pid `api.json` names, and the file's text; undefined if there is no such file or no valid pid in it. */
async function apiFilePid (dir: string): Promise<{ pid: number, text: string } | undefined> {
  let text: string
  let pid: unknown
  try {
    text = await readFile(dataDirPaths(dir).api, 'utf8')
    pid = (JSON.parse(text) as { pid?: unknown }).pid
  } catch {
    return undefined
  }
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined
  return { pid, text }
}

/** True if process `pid` exists (EPERM: it exists but belongs to another user). */
export function pidAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The pid that `api.json` names, if the file is there and that process is alive; undefined
 * otherwise (no daemon, or one that died without removing the file).
 */
export async function runningDaemonPid (dir: string): Promise<number | undefined> {
  const found = await apiFilePid(dir)
  return found !== undefined && pidAlive(found.pid) ? found.pid : undefined
}

/**
 * Removes a stale `api.json`: one left by a daemon that died without stopping (SIGKILL, power
 * loss), whose pid no longer runs. Its stores need no such care (LevelDB's lock dies with the
 * process), but the file would send the CLI to an API that is gone. Returns the dead pid if it
 * removed the file. The file is read again just before removal, so a daemon that has just
 * written its own keeps it. (A dead daemon's pid reused by an unrelated process is taken as alive.)
 */
export async function removeStaleApiFile (dir: string): Promise<number | undefined> {
  const found = await apiFilePid(dir)
  if (found === undefined || pidAlive(found.pid)) return undefined
  const path = dataDirPaths(dir).api
  if ((await readFile(path, 'utf8').catch(() => undefined)) !== found.text) return undefined
  await rm(path, { force: true })
  return found.pid
}

/** `DATADIR_LOCKED` for a store of `dir` that another process holds, naming the daemon's pid if known. */
export async function dataDirLocked (dir: string, cause: unknown): Promise<FulcrumError> {
  const root = dataDirPaths(dir).root
  const pid = await runningDaemonPid(dir)
  return new FulcrumError(DataDirError.LOCKED, pid === undefined
    ? `another process (probably a fulcrum daemon) is using ${root}: its stores are locked; stop it first or use another --data-dir`
    : `another fulcrum daemon is using ${root} (pid ${pid} from api.json); stop it first or use another --data-dir`, { cause })
}
