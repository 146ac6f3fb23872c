/**
 * The network layer: a libp2p node confined to configured address ranges, bootstrap with retry,
 * and request/response sessions over length-prefixed streams.
 *
 * ## Request/response (for every Fulcrum protocol)
 *
 * Server side: `serveProtocol(libp2p, '/fulcrum/x/1.0.0', handler, limits?, log?)` registers a handler
 * `(request: Uint8Array, { peer, signal, index }) => Promise<Uint8Array>` and returns an `unserve()`.
 * Each inbound stream is a session of request/response pairs; the handler is called once per request.
 * Limits ({@link ProtocolLimits}, defaults in {@link DEFAULT_PROTOCOL_LIMITS}): message size cap
 * (checked on the length prefix), first-request deadline, per-message timeout (handlers are raced
 * against it), session lifetime, requests per session, concurrent sessions per peer and per
 * protocol across all peers (fair share when full, see serve.ts), streams per connection.
 *
 * Client side: `request(libp2p, peerOrMultiaddr, protocol, bytes, { signal, limits })` for one
 * exchange, or `openSession(...)` then `session.request(bytes)` repeatedly and `session.close()`.
 * Failures are `FulcrumError`s with codes from {@link NetworkError}: `NET_DIAL_FAILED`, `NET_TIMEOUT`,
 * `NET_ABORTED`, `NET_MESSAGE_TOO_LARGE`, `NET_STREAM_CLOSED`.
 *
 * Also: `ConnectionLimiter` (limits.ts: connection limits that hold on loopback), `retry()` (the one
 * retry helper, abortable) and `raceSignal()`.
 */
export * from './errors.js'
export * from './gater.js'
export * from './node.js'
export * from './gossip-mesh.js'
export * from './light.js'
export * from './bootstrap.js'
export * from './reqresp.js'
export * from './retry.js'
export * from './limits.js'
export { raceSignal } from './stream-util.js'
