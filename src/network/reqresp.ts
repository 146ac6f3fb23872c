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
 * is buffered), an idle timeout per message, a cap on the session's lifetime, a cap on requests per
 * session, and a cap on concurrent inbound sessions per protocol across all peers.
 */
import { lpStream } from '@libp2p/utils'
import type { PeerId, Stream, Connection, StreamHandler } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'
import type { Logger } from '../logging/index.js'
import { silentLogger } from '../logging/index.js'

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
  /** Most inbound sessions of this protocol handled at once, across all peers; more are refused. */
  maxConcurrentSessions: number
  /** Most inbound streams of this protocol per connection (libp2p registrar limit). */
  maxInboundStreamsPerConnection: number
}

/**
 * Defaults. A message cap of 1 MiB holds a page of offers (each at most 8 KiB in offer-v1) with
 * room to spare; 10 s per message tolerates a slow peer on a loaded machine while a stalled one is
 * cut off quickly; 60 s per session bounds a long multi-round reconciliation; 64 concurrent sessions
 * keep one busy node from exhausting memory (64 x 2 MiB buffers at most).
 */
export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = {
  maxMessageBytes: 1024 * 1024,
  messageTimeoutMs: 10_000,
  sessionTimeoutMs: 60_000,
  maxRequestsPerSession: 1024,
  maxConcurrentSessions: 64,
  maxInboundStreamsPerConnection: 8
}

/** What a handler learns about the request besides its bytes. */
export interface RequestContext {
  /** The remote peer id (string form). */
  peer: string
  /** Aborted when the session times out or the stream dies. */
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

/**
 * Serves `protocol` with `handler` until the returned function is called.
 * Sessions beyond `maxConcurrentSessions` are reset at once (the dialer sees `NET_STREAM_CLOSED`).
 */
export async function serveProtocol (registrar: ProtocolRegistrar, protocol: string, handler: RequestHandler,
  limits: Partial<ProtocolLimits> = {}, log: Logger = silentLogger): Promise<() => Promise<void>> {
  const l = { ...DEFAULT_PROTOCOL_LIMITS, ...limits }
  let active = 0
  const onStream = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString()
    if (active >= l.maxConcurrentSessions) {
      log.warn('refusing inbound session: too many', { protocol, peer, code: NetworkError.BUSY })
      stream.abort(new FulcrumError(NetworkError.BUSY, `more than ${l.maxConcurrentSessions} sessions of ${protocol}`))
      return
    }
    active++
    serveSession(stream, peer, handler, l)
      .catch((err: unknown) => {
        log.debug('inbound session ended with an error', { protocol, peer, code: (err as { code?: string }).code, err: (err as Error).message })
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      })
      .finally(() => { active-- })
  }
  await registrar.handle(protocol, onStream, { maxInboundStreams: l.maxInboundStreamsPerConnection })
  return async () => { await registrar.unhandle(protocol) }
}

async function serveSession (stream: Stream, peer: string, handler: RequestHandler, l: ProtocolLimits): Promise<void> {
  const session = AbortSignal.timeout(l.sessionTimeoutMs)
  const lp = lpStream(stream, { maxDataLength: l.maxMessageBytes })
  for (let index = 0; index < l.maxRequestsPerSession; index++) {
    if (stream.readStatus !== 'readable') break
    let request: Uint8Array
    try {
      request = plain((await lp.read({ signal: AbortSignal.any([session, AbortSignal.timeout(l.messageTimeoutMs)]) })).subarray())
    } catch (err) {
      if (isEndOfStream(err)) break
      throw toNetworkError(err, session)
    }
    const signal = AbortSignal.any([session, AbortSignal.timeout(l.messageTimeoutMs)])
    const response = await handler(request, { peer, signal, index })
    if (response.byteLength > l.maxMessageBytes) {
      throw new FulcrumError(NetworkError.MESSAGE_TOO_LARGE, `response of ${response.byteLength} bytes exceeds ${l.maxMessageBytes}`)
    }
    await lp.write(response, { signal })
  }
  await stream.close({ signal: AbortSignal.timeout(l.messageTimeoutMs) })
}

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

/** A plain Uint8Array view (libp2p may hand out Buffers, which compare and encode differently). */
function plain (bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function anySignal (signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined))
}

function isEndOfStream (err: unknown): boolean {
  const name = (err as { name?: string }).name
  return name === 'UnexpectedEOFError' || name === 'StreamStateError'
}

/** Maps libp2p and abort errors to network error codes. */
function toNetworkError (err: unknown, signal: AbortSignal, callerSignal?: AbortSignal): FulcrumError {
  if (err instanceof FulcrumError) return err
  const name = (err as { name?: string }).name ?? ''
  if (callerSignal?.aborted === true && (callerSignal.reason as { name?: string } | undefined)?.name !== 'TimeoutError') {
    return new FulcrumError(NetworkError.ABORTED, 'aborted', { cause: err })
  }
  if (signal.aborted || name === 'TimeoutError' || name === 'AbortError') {
    return new FulcrumError(NetworkError.TIMEOUT, 'timed out waiting for the peer', { cause: err })
  }
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new FulcrumError(NetworkError.MESSAGE_TOO_LARGE, (err as Error).message, { cause: err })
  }
  return new FulcrumError(NetworkError.STREAM_CLOSED, `stream failed: ${(err as Error).message}`, { cause: err })
}
