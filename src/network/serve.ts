/**
 * The server side of request/response (see reqresp.ts for the framing): admission of inbound
 * sessions and the loop that serves one.
 *
 * Admission keeps slow or hostile peers from starving a protocol. A peer holds at most
 * `maxSessionsPerPeer` sessions of a protocol (a few identities cannot take every slot); when all
 * `maxConcurrentSessions` are taken, a newcomer takes the slot of the peer holding the most sessions,
 * if that peer holds at least two more than the newcomer (its session that has not sent a request
 * yet, else its oldest): peers share the slots fairly, and only as many distinct peers as there
 * are slots can fill them. Refused and evicted streams are reset (`NET_BUSY`).
 *
 * A session must send its first request within `firstRequestTimeoutMs` of opening (a stream that
 * is opened and left silent holds a slot for seconds, not for the whole session timeout); every
 * later message within `messageTimeoutMs`; the whole session ends after `sessionTimeoutMs`. A
 * handler is raced against its signal: when the signal fires, the session ends at once and the
 * handler's late result is dropped, whether or not the handler honours the signal.
 */
import { lpStream } from '@libp2p/utils'
import type { Stream, Connection } from '@libp2p/interface'
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'
import type { Logger } from '../logging/index.js'
import type { Telemetry } from '../metrics/telemetry.js'
import { silentLogger } from '../logging/index.js'
import { DEFAULT_PROTOCOL_LIMITS } from './reqresp.js'
import { isEndOfStream, plain, raceSignal, toNetworkError } from './stream-util.js'
import type { ProtocolLimits, ProtocolRegistrar, RequestHandler } from './reqresp.js'

/** One admitted inbound session. */
interface Slot {
  readonly peer: string
  readonly opened: number
  /** True once its first request has arrived. */
  requested: boolean
  released: boolean
  /** Aborted to evict the session. */
  readonly evict: AbortController
}

/** Per-peer and global session accounting of one served protocol (see module doc). */
class Admission {
  private readonly byPeer = new Map<string, Set<Slot>>()
  private total = 0
  private opened = 0

  constructor (private readonly l: ProtocolLimits) {}

  /** A slot for a new session of `peer`, evicting another peer's session if fair; undefined if refused. */
  admit (peer: string): { slot?: Slot, evicted?: Slot } {
    const mine = this.byPeer.get(peer)?.size ?? 0
    if (mine >= this.l.maxSessionsPerPeer) return {}
    let evicted: Slot | undefined
    if (this.total >= this.l.maxConcurrentSessions) {
      evicted = this.victim(mine)
      if (evicted === undefined) return {}
      this.release(evicted)
      evicted.evict.abort(new FulcrumError(NetworkError.BUSY, 'session evicted to make room for another peer'))
    }
    const slot: Slot = { peer, opened: this.opened++, requested: false, released: false, evict: new AbortController() }
    const set = this.byPeer.get(peer) ?? new Set()
    set.add(slot)
    this.byPeer.set(peer, set)
    this.total++
    return evicted === undefined ? { slot } : { slot, evicted }
  }

  /** Frees `slot` (idempotent). */
  release (slot: Slot): void {
    if (slot.released) return
    slot.released = true
    this.total--
    const set = this.byPeer.get(slot.peer)
    set?.delete(slot)
    if (set?.size === 0) this.byPeer.delete(slot.peer)
  }

  /** The session to evict for a newcomer holding `mine` sessions: see module doc. */
  private victim (mine: number): Slot | undefined {
    let biggest: Set<Slot> | undefined
    for (const set of this.byPeer.values()) if (set.size > (biggest?.size ?? 0)) biggest = set
    if (biggest === undefined || biggest.size < mine + 2) return undefined
    let pick: Slot | undefined
    for (const s of biggest) {
      if (pick === undefined || (!s.requested && pick.requested) || (s.requested === pick.requested && s.opened < pick.opened)) pick = s
    }
    return pick
  }
}

/**
 * Serves `protocol` with `handler` until the returned function is called; calling it also ends
 * every session in flight. Limits: {@link ProtocolLimits} (defaults {@link DEFAULT_PROTOCOL_LIMITS});
 * admission as in the module doc. A refused or evicted dialer sees its stream reset
 * (`NET_STREAM_CLOSED` on its side).
 */
export async function serveProtocol (registrar: ProtocolRegistrar, protocol: string, handler: RequestHandler,
  limits: Partial<ProtocolLimits> = {}, log: Logger = silentLogger, telemetry?: Telemetry): Promise<() => Promise<void>> {
  const l = { ...DEFAULT_PROTOCOL_LIMITS, ...limits }
  const serve = telemetry === undefined ? handler : timed(protocol, handler, telemetry)
  const admission = new Admission(l)
  const stopped = new AbortController()
  const onStream = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString()
    const { slot, evicted } = admission.admit(peer)
    if (evicted !== undefined) {
      telemetry?.refused('sessions', 'evicted')
      log.debug('evicted an inbound session for a fairer share', { protocol, peer: evicted.peer, for: peer })
    }
    if (slot === undefined) {
      telemetry?.refused('sessions', 'busy')
      log.debug('refusing inbound session: too many', { protocol, peer, code: NetworkError.BUSY })
      stream.abort(new FulcrumError(NetworkError.BUSY, `no session slot for ${protocol}`))
      return
    }
    serveSession(stream, peer, serve, l, slot, stopped.signal)
      .catch((err: unknown) => {
        log.debug('inbound session ended with an error', { protocol, peer, code: (err as { code?: string }).code, err: (err as Error).message })
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      })
      .finally(() => { admission.release(slot) })
  }
  await registrar.handle(protocol, onStream, { maxInboundStreams: l.maxInboundStreamsPerConnection })
  return async () => {
    await registrar.unhandle(protocol)
    stopped.abort(new FulcrumError(NetworkError.ABORTED, `${protocol} is no longer served`))
  }
}

/** `handler`, telling `telemetry` how long each request took and whether it was answered. */
function timed (protocol: string, handler: RequestHandler, telemetry: Telemetry): RequestHandler {
  return async (request, context) => {
    const started = performance.now()
    let ok = false
    try {
      const response = await handler(request, context)
      ok = true
      return response
    } finally {
      telemetry.protocolRequest(protocol, (performance.now() - started) / 1000, ok)
    }
  }
}

async function serveSession (stream: Stream, peer: string, handler: RequestHandler, l: ProtocolLimits, slot: Slot, stopped: AbortSignal): Promise<void> {
  const session = AbortSignal.any([slot.evict.signal, stopped, AbortSignal.timeout(l.sessionTimeoutMs)])
  const lp = lpStream(stream, { maxDataLength: l.maxMessageBytes })
  const first = firstByteDeadline(stream, l.firstRequestTimeoutMs)
  try {
    for (let index = 0; index < l.maxRequestsPerSession; index++) {
      if (stream.readStatus !== 'readable') break
      const readSignal = AbortSignal.any([session, AbortSignal.timeout(l.messageTimeoutMs), ...(index === 0 ? [first.signal] : [])])
      let request: Uint8Array
      try {
        request = plain((await lp.read({ signal: readSignal })).subarray())
      } catch (err) {
        if (isEndOfStream(err)) break
        throw toNetworkError(err, readSignal)
      }
      first.clear()
      slot.requested = true
      const signal = AbortSignal.any([session, AbortSignal.timeout(l.messageTimeoutMs)])
      const response = await raceSignal(handler(request, { peer, signal, index }), signal)
      if (response.byteLength > l.maxMessageBytes) {
        throw new FulcrumError(NetworkError.MESSAGE_TOO_LARGE, `response of ${response.byteLength} bytes exceeds ${l.maxMessageBytes}`)
      }
      await lp.write(response, { signal })
    }
  } finally {
    first.clear()
  }
  await stream.close({ signal: AbortSignal.timeout(l.messageTimeoutMs) })
}

/**
 * An AbortSignal that fires if no byte arrives on `stream` within `ms`. When the timer fires it
 * looks again after the event loop's poll phase (setImmediate): data that arrived while the loop
 * was stalled is read there, after timers, and a stalled node must not take it for a silent peer.
 */
function firstByteDeadline (stream: Stream, ms: number): { signal: AbortSignal, clear: () => void } {
  const ctl = new AbortController()
  let immediate: ReturnType<typeof setImmediate> | undefined
  const clear = (): void => {
    clearTimeout(timer)
    if (immediate !== undefined) clearImmediate(immediate)
    stream.removeEventListener('message', clear)
  }
  const timer = setTimeout(() => {
    immediate = setImmediate(() => {
      clear()
      ctl.abort(new FulcrumError(NetworkError.TIMEOUT, `no request within ${ms} ms of opening the stream`))
    })
  }, ms)
  stream.addEventListener('message', clear)
  if (stream.readBufferLength > 0) clear()
  return { signal: ctl.signal, clear }
}
