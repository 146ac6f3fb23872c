/**
 * The API client used by the CLI: finds the running daemon through its data dir (`api.json` and
 * `api-token`) and turns error answers back into FulcrumErrors with the daemon's code.
 */
import { readFile } from 'node:fs/promises'
import { FulcrumError } from '../errors/index.js'
import { dataDirPaths, loadApiToken, removeStaleApiFile } from '../datadir/index.js'
import { ApiError } from './errors.js'

/** A CLI call waits at most this long for the daemon (its own request timeout plus margin). */
export const CLIENT_TIMEOUT_MS = 35_000

/** Contents of `api.json` while a daemon runs. */
export interface ApiInfo {
  url: string
  pid: number
}

/** Reads `api.json`; throws API_NOT_RUNNING if absent. */
export async function readApiInfo (dataDir: string): Promise<ApiInfo> {
  let text: string
  try {
    text = await readFile(dataDirPaths(dataDir).api, 'utf8')
  } catch {
    throw new FulcrumError(ApiError.NOT_RUNNING, `no daemon is running for ${dataDir} (no api.json): start one with \`fulcrum start\``)
  }
  const info = JSON.parse(text) as Partial<ApiInfo>
  if (typeof info.url !== 'string' || typeof info.pid !== 'number') throw new FulcrumError(ApiError.NOT_RUNNING, 'api.json is malformed')
  return { url: info.url, pid: info.pid }
}

/** A client of one daemon's API. */
export class ApiClient {
  constructor (readonly url: string, private readonly token: string) {}

  /**
   * The client of the daemon running on `dataDir`. A daemon that died without stopping left its
   * `api.json`: that is `API_NOT_RUNNING` (the file is removed), not an unreachable daemon.
   */
  static async forDataDir (dataDir: string): Promise<ApiClient> {
    // The token first: a directory that was never initialised says so (DATADIR_NOT_INITIALISED).
    const token = await loadApiToken(dataDir)
    const dead = await removeStaleApiFile(dataDir)
    if (dead !== undefined) {
      throw new FulcrumError(ApiError.NOT_RUNNING, `no daemon is running for ${dataDir}: its api.json named pid ${dead}, which has exited without stopping (killed?); removed the stale file; start one with \`fulcrum start\``)
    }
    const info = await readApiInfo(dataDir)
    return new ApiClient(info.url, token)
  }

  /** Calls a route; throws a FulcrumError with the daemon's code on an error answer. */
  async call<T = unknown> (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal === undefined ? AbortSignal.timeout(CLIENT_TIMEOUT_MS) : AbortSignal.any([signal, AbortSignal.timeout(CLIENT_TIMEOUT_MS)])
      })
    } catch (err) {
      throw new FulcrumError(ApiError.UNREACHABLE, `the daemon at ${this.url} does not answer: ${(err as Error).message}`, { cause: err })
    }
    const json = await res.json().catch(() => ({})) as { error?: { code?: string, message?: string, path?: string } }
    if (!res.ok) {
      const e = json.error ?? {}
      const message = e.message ?? `HTTP ${res.status}`
      if (e.path === undefined) throw new FulcrumError(e.code ?? ApiError.INTERNAL, message)
      throw new FulcrumError(e.code ?? ApiError.INTERNAL, message.startsWith(`${e.path}: `) ? message.slice(e.path.length + 2) : message, { path: e.path })
    }
    return json as T
  }
}
