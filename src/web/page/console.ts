/**
 * The provider console's client: reads the daemon's control API through `fulcrum web`'s read-only
 * proxy (src/web/console-proxy.ts), which holds the API token; the page holds only the console
 * key from the URL `fulcrum web --data-dir` printed. The key is moved from the address bar into
 * this tab's session storage at load, so it does not stay on screen or in bookmarks.
 */
import type { z } from 'zod'
import type { AGREEMENT_PAGE, CHECKPOINT, ORDER_PAGE, PEER, RECORD, STATUS } from '../../api/schemas.js'

/** The header the proxy checks (console-proxy.ts CONSOLE_KEY_HEADER). */
const KEY_HEADER = 'x-fulcrum-console-key'
const STORAGE_KEY = 'fulcrum.console-key'

/** Answers of the routes the console reads. */
export type Status = z.infer<typeof STATUS>
export type Peer = z.infer<typeof PEER>
export type RecordJson = z.infer<typeof RECORD>
export type OrderPage = z.infer<typeof ORDER_PAGE>
export type Checkpoint = z.infer<typeof CHECKPOINT>
export type AgreementPage = z.infer<typeof AGREEMENT_PAGE>

/** An error answer of the console, with the daemon's (or the proxy's) stable code. */
export class ConsoleError extends Error {
  constructor (readonly code: string, message: string) { super(message) }
}

/** Takes the key from `?key=` into session storage (and out of the address bar); returns it. */
export function consoleKey (): string | undefined {
  const params = new URLSearchParams(location.search)
  const fromUrl = params.get('key')
  if (fromUrl !== null) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl)
    history.replaceState(null, '', `${location.pathname}${location.hash}`)
  }
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined
}

/** GET `path` (e.g. `/v1/status`) of the daemon through the proxy; throws {@link ConsoleError}. */
export async function consoleGet<T> (path: string, key: string | undefined): Promise<T> {
  const res = await fetch(`api${path}`, { headers: { accept: 'application/json', ...(key === undefined ? {} : { [KEY_HEADER]: key }) } })
  const body = await res.json().catch(() => ({})) as { error?: { code?: string, message?: string } }
  if (!res.ok) throw new ConsoleError(body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? res.statusText)
  return body as T
}
