/**
 * The browser implementation of `#platform/transports` (see src/platform/index.ts): the light
 * client's transports in a browser, WebSockets only (a page can open no TCP socket).
 */
import { webSockets } from '@libp2p/websockets'
import type { Libp2pOptions } from 'libp2p'

/** Transports a light client dials with, in a browser. */
export function lightTransports (): NonNullable<Libp2pOptions['transports']> {
  return [webSockets()]
}
