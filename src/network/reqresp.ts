/**
 * Request/response over libp2p streams: the one implementation that every Fulcrum protocol
 * (catalog sync, catalog query, the ledger protocol) uses.
 *
 * Framing: each message is an unsigned-varint length prefix followed by that many bytes
 * (multiformats unsigned-varint, as in libp2p's length-prefixed streams). A stream carries a
 * *session*: the dialer writes a request, the listener answers with exactly one response, and the
 * dialer may send further requests on the same stream (multi-round protocols, pagination) before
 * closing it. What the bytes mean is the caller's business (canonical CBOR in Fulcrum).
 *
 * Every session is bounded: a per-message size cap (checked from the length prefix, before the body
 * is buffered), a short deadline for the first request, an idle timeout per message, a cap on the
 * session's lifetime, a cap on requests per session, and caps on concurrent inbound sessions per
 * protocol, per peer and across all peers (the server side, with its fair-share admission, is in
 * serve.ts; `serveProtocol` is re-exported here).
 */
import { lpStream } from '@libp2p/utils'
import type { PeerId, Stream, StreamHandler } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'
import { anySignal, plain, toNetworkError } from './stream-util.js'

/** Limits of one request/response protocol. Every field has a default below. */
export interface ProtocolLimits {
  /** Largest request or response message in bytes (after the length prefix). */
  maxMessageBytes: number
  /** Longest wait for one message (a request to arrive, or a response to come back). */
  messageTimeoutMs: number
  /** Longest life of one session (a stream), whatever its activity. */
  sessionTimeoutMs: number
  /** Most requests one inbound session may carry. */
  maxRequestsPerSession: number
  /** Most inbound sessions of this protocol handled at once, across all peers (see serve.ts for who gets a slot). */
  maxConcurrentSessions: number
  /** Most inbound sessions of this protocol one peer holds at once; more are refused. */
  maxSessionsPerPeer: number
  /** Longest wait for the first byte of a session's first request, from the stream's opening. */
  firstRequestTimeoutMs: number
  /** Most inbound streams of this protocol per connection (libp2p registrar limit). */
  maxInboundStreamsPerConnection: number
}

/**
 * Defaults. A message cap of 1 MiB holds a page of offers (each at most 8 KiB in offer-v1) with
 * room to spare; 10 s per message tolerates a slow peer on a loaded machine while a stalled one is
 * cut off quickly; 60 s per session bounds a long multi-round reconciliation; 64 concurrent sessions
 * keep one busy node from exhausting memory (64 x 2 MiB buffers at most). A peer needs one session
 * per concurrent exchange and Fulcrum's clients run at most two with one peer (sync), so 4 per peer
 * leaves room while 16 peers are needed to fill the 64 slots. An honest dialer writes its request
 * as soon as the stream is open (one round trip), so 2 s for the first byte is generous on any
 * link, and a silent stream frees its slot 5x sooner than with the message timeout.
 */
export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = {
  maxMessageBytes: 1024 * 1024,
  messageTimeoutMs: 10_000,
  sessionTimeoutMs: 60_000,
  maxRequestsPerSession: 1024,
  maxConcurrentSessions: 64,
  maxSessionsPerPeer: 4,
  firstRequestTimeoutMs: 2_000,
  maxInboundStreamsPerConnection: 8
}

/** What a handler learns about the request besides its bytes. */
export interface RequestContext {
  /** The remote peer id (string form). */
  peer: string
  /**
   * Aborted when the message timeout or the session's lifetime runs out, the session is evicted or
   * the protocol stops being served. The session then ends at once and a later result of the
   * handler is dropped; a handler should pass it on to whatever it awaits, so that work stops too.
   */
  signal: AbortSignal
  /** 0 for the first request of a session, 1 for the next, ... (multi-round protocols). */
  index: number
}

/**
 * Answers one request. Throwing a {@link FulcrumError} ends the session (the stream is reset);
 * protocols that want to report errors to the peer encode them in the response instead.
 */
export type RequestHandler = (request: Uint8Array, context: RequestContext) => Promise<Uint8Array>

/** The part of libp2p that registers protocol handlers (libp2p itself satisfies it). */
export interface ProtocolRegistrar {
  handle: (protocol: string, handler: StreamHandler, options?: { maxInboundStreams?: number, maxOutboundStreams?: number }) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
}

/** The part of libp2p that opens streams (libp2p itself satisfies it). */
export interface ProtocolDialer {
  dialProtocol: (peer: PeerId | Multiaddr | Multiaddr[], protocols: string | string[], options?: { signal?: AbortSignal }) => Promise<Stream>
}

export { serveProtocol } from './serve.js'

/** A session opened by {@link openSession}: send requests one at a time, then close it. */
export interface Session {
  /** Sends one request and waits for its response. */
  request: (message: Uint8Array, options?: { signal?: AbortSignal }) => Promise<Uint8Array>
  /** Ends the session gracefully (never throws). */
  close: () => Promise<void>
}

/**
 * Opens a session of `protocol` with a peer. `signal` bounds the dial and every request;
 * each request is also bounded by `messageTimeoutMs` and the session by `sessionTimeoutMs`.
 * Throws `NET_DIAL_FAILED`, and on requests `NET_TIMEOUT`, `NET_ABORTED`, `NET_MESSAGE_TOO_LARGE`,
 * `NET_STREAM_CLOSED`.
 */
export async function openSession (dialer: ProtocolDialer, peer: PeerId | Multiaddr | Multiaddr[], protocol: string,
  options: { signal?: AbortSignal, limits?: Partial<ProtocolLimits> } = {}): Promise<Session> {
  const l = { ...DEFAULT_PROTOCOL_LIMITS, ...options.limits }
  const session = anySignal([options.signal, AbortSignal.timeout(l.sessionTimeoutMs)])
  let stream: Stream
  try {
    stream = await dialer.dialProtocol(peer, protocol, { signal: anySignal([session, AbortSignal.timeout(l.messageTimeoutMs)]) })
  } catch (err) {
    if (options.signal?.aborted === true) throw new FulcrumError(NetworkError.ABORTED, 'aborted', { cause: err })
    throw new FulcrumError(NetworkError.DIAL_FAILED, `cannot open ${protocol}: ${(err as Error).message}`, { cause: err })
  }
  const lp = lpStream(stream, { maxDataLength: l.maxMessageBytes })
  let busy = false
  return {
    async request (message, reqOptions = {}) {
      if (busy) throw new Error('Session.request called while a request is in flight')
      if (message.byteLength > l.maxMessageBytes) {
        throw new FulcrumError(NetworkError.MESSAGE_TOO_LARGE, `request of ${message.byteLength} bytes exceeds ${l.maxMessageBytes}`)
      }
      busy = true
      const signal = anySignal([session, reqOptions.signal, AbortSignal.timeout(l.messageTimeoutMs)])
      try {
        await lp.write(message, { signal })
        return plain((await lp.read({ signal })).subarray())
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
        throw toNetworkError(err, signal, reqOptions.signal ?? options.signal)
      } finally {
        busy = false
      }
    },
    async close () {
      try {
        await stream.close({ signal: AbortSignal.timeout(l.messageTimeoutMs) })
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }
}

/** One request, one response, on a fresh stream (see {@link openSession} for errors). */
export async function request (dialer: ProtocolDialer, peer: PeerId | Multiaddr | Multiaddr[], protocol: string, message: Uint8Array,
  options: { signal?: AbortSignal, limits?: Partial<ProtocolLimits> } = {}): Promise<Uint8Array> {
  const session = await openSession(dialer, peer, protocol, options)
  try {
    return await session.request(message)
  } finally {
    await session.close()
  }
}
