/**
 * The Node implementation of `#platform/transports` (see src/platform/index.ts): the light
 * client's transports. TCP (daemons' main transport) and WebSockets (what a browser dials, so the
 * same light client reaches the same listeners). Dialing WebSockets needs the global `WebSocket`,
 * which Node has from 22 (Node 20: with `--experimental-websocket`, as the tests run); without it
 * the light client dials TCP only. The browser implementation has no TCP: a browser bundle must
 * never import `@libp2p/tcp` (it needs node:net).
 */
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import type { Libp2pOptions } from 'libp2p'

/** Transports a light client dials with, in Node. */
export function lightTransports (): NonNullable<Libp2pOptions['transports']> {
  return typeof globalThis.WebSocket === 'function' ? [tcp(), webSockets()] : [tcp()]
}
