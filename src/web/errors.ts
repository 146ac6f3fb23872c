/** Error codes of `fulcrum web` (the page's server). */
export const WebError = {
  /** dist/web has no page: the package was not built (`npm run build`). */
  NOT_BUILT: 'WEB_NOT_BUILT',
  /** A --peer is not a WebSocket multiaddr ending in /p2p/ID (a browser can dial nothing else). */
  BAD_PEER: 'WEB_BAD_PEER',
  /** The port cannot be listened on (in use, not permitted). */
  LISTEN_FAILED: 'WEB_LISTEN_FAILED'
} as const
