/**
 * What the server tells the page at load (`GET /boot.json`): the nodes preselected with
 * `fulcrum web --peer`, the ranges the page's light node may dial, and whether a provider console
 * is available. The page trusts the server for nothing else: offers come from the nodes and are
 * verified here.
 */

/** The page's start-up settings. */
export interface Boot {
  /** Multiaddrs (ending in /ws/p2p/ID) to connect to at once. */
  peers: string[]
  /** CIDR ranges the page's light node may dial. */
  allowedDialRanges: string[]
  /** The server bridges a provider console (`fulcrum web --data-dir`). */
  provider: boolean
}

/** Fetches /boot.json; a missing or malformed one gives no preselected peers (the page still works). */
export async function loadBoot (): Promise<Boot> {
  const fallback: Boot = { peers: [], allowedDialRanges: ['127.0.0.0/8'], provider: false }
  try {
    const res = await fetch('boot.json', { headers: { accept: 'application/json' } })
    if (!res.ok) return fallback
    const body = await res.json() as Partial<Boot>
    return {
      peers: Array.isArray(body.peers) ? body.peers.filter((p): p is string => typeof p === 'string') : [],
      allowedDialRanges: Array.isArray(body.allowedDialRanges) ? body.allowedDialRanges.filter((p): p is string => typeof p === 'string') : fallback.allowedDialRanges,
      provider: body.provider === true
    }
  } catch {
    return fallback
  }
}
