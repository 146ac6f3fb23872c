/**
 * Bootstrap with retry: dials every configured bootstrap peer until connected, and again whenever
 * the node has no connection at all. libp2p's bootstrap module dials once, and a bootstrap node
 * that many peers dial together refuses some of them (pending-connection limit), so a node could
 * otherwise stay alone forever.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'
import { retry } from './retry.js'
import type { Logger } from '../logging/index.js'
import { silentLogger } from '../logging/index.js'

/** First retry after a failed dial; doubled per failure up to {@link MAX_RETRY_MS}. Random jitter spreads a crowd. */
const FIRST_RETRY_MS = 250
/** Upper bound of the retry delay: a restarted bootstrap node is found within 15 s. */
const MAX_RETRY_MS = 15_000
/** A bootstrap dial that takes longer than this is abandoned and retried. */
const DIAL_TIMEOUT_MS = 5_000

/** What the bootstrapper needs from libp2p. */
export interface BootstrapComponents {
  dial: (ma: Multiaddr, options?: { signal?: AbortSignal }) => Promise<unknown>
  getConnections: () => unknown[]
}

/**
 * Parses multiaddrs, throwing `NET_BAD_ADDRESS` naming the first bad one. `what` names the setting
 * in the message (e.g. 'listen address').
 */
export function parseMultiaddrs (addrs: readonly string[], what = 'address', example = '/ip4/127.0.0.1/tcp/4001'): Multiaddr[] {
  return addrs.map(a => {
    try {
      return multiaddr(a)
    } catch (err) {
      throw new FulcrumError(NetworkError.BAD_ADDRESS,
        `${what} ${JSON.stringify(a)} is not a multiaddr (${(err as Error).message}); expected e.g. ${example}`, { cause: err })
    }
  })
}

/** How a bootstrap address must look: a TCP address and the peer id of the node behind it. */
const BOOTSTRAP_EXAMPLE = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW... (the address `fulcrum start` prints)'

/**
 * Parses bootstrap addresses, throwing `NET_BAD_ADDRESS` naming the first bad one: each must be
 * `/ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT/p2p/PEER_ID` with a real peer id, so that a placeholder or
 * a typo is refused at start rather than retried forever.
 */
export function parseBootstrapAddrs (addrs: readonly string[]): Multiaddr[] {
  return parseMultiaddrs(addrs, 'bootstrap address', BOOTSTRAP_EXAMPLE).map((ma, i) => {
    const parts = ma.getComponents()
    const bad = (why: string): never => {
      throw new FulcrumError(NetworkError.BAD_ADDRESS, `bootstrap address ${JSON.stringify(addrs[i])} ${why}; expected ${BOOTSTRAP_EXAMPLE}`)
    }
    if (parts.length !== 3 || !['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(parts[0]?.name ?? '') || parts[1]?.name !== 'tcp' || parts[2]?.name !== 'p2p') {
      bad('is not HOST/tcp/PORT/p2p/PEER_ID')
    }
    try {
      peerIdFromString(parts[2]?.value ?? '')
    } catch {
      bad(`names no valid peer id (${JSON.stringify(parts[2]?.value)})`)
    }
    return ma
  })
}

/** Retry timing of {@link Bootstrapper} (tests shorten it). */
export interface BootstrapTiming {
  firstRetryMs: number
  maxRetryMs: number
  dialTimeoutMs: number
}

/** Keeps the node connected to its bootstrap peers (see module doc). */
export class Bootstrapper implements Startable {
  private readonly peers: Multiaddr[]
  /** Addresses with a dial loop running (one loop per address at most). */
  private readonly dialing = new Map<string, Promise<void>>()
  /** Every loop not yet ended, including those of a previous start (for {@link settled}). */
  private readonly loops = new Set<Promise<void>>()
  private controller = new AbortController()
  private running = false
  private readonly timing: BootstrapTiming

  constructor (private readonly components: BootstrapComponents, bootstrap: readonly string[], private readonly log: Logger = silentLogger,
    timing: Partial<BootstrapTiming> = {}) {
    this.peers = parseBootstrapAddrs(bootstrap)
    this.timing = { firstRetryMs: FIRST_RETRY_MS, maxRetryMs: MAX_RETRY_MS, dialTimeoutMs: DIAL_TIMEOUT_MS, ...timing }
  }

  start (): void {
    this.running = true
    this.controller = new AbortController()
    for (const ma of this.peers) this.connect(ma)
  }

  /** Aborts every dial in flight and every pending retry. */
  stop (): void {
    this.running = false
    this.controller.abort(new FulcrumError(NetworkError.ABORTED, 'bootstrapper stopped'))
    this.dialing.clear()
  }

  /** Dials the bootstrap peers now if the node has no connection (call on a peer disconnect). */
  reconnectIfAlone (): void {
    if (!this.running || this.components.getConnections().length > 0) return
    for (const ma of this.peers) this.connect(ma)
  }

  /** Resolves once no dial loop runs (every peer connected, or the bootstrapper stopped). */
  async settled (): Promise<void> {
    while (this.loops.size > 0) await Promise.all(this.loops)
  }

  /** Starts a dial loop for `ma` unless one runs: retried with backoff until connected or stopped. */
  private connect (ma: Multiaddr): void {
    const key = ma.toString()
    if (this.dialing.has(key)) return
    const signal = this.controller.signal
    const loop = retry(async (s) => {
      await this.components.dial(ma, { signal: AbortSignal.any([s, AbortSignal.timeout(this.timing.dialTimeoutMs)]) })
    }, {
      signal,
      firstDelayMs: this.timing.firstRetryMs,
      maxDelayMs: this.timing.maxRetryMs,
      onRetry: (err, attempt, delayMs) => { this.log.debug('bootstrap dial failed, retrying', { addr: key, attempt, retryMs: delayMs, err: (err as Error).message }) }
    }).then(() => { this.log.debug('connected to bootstrap peer', { addr: key }) },
      (err: unknown) => { if (!signal.aborted) this.log.warn('bootstrap dial gave up', { addr: key, err: (err as Error).message }) })
      .finally(() => {
        if (this.dialing.get(key) === loop) this.dialing.delete(key)
        this.loops.delete(loop)
      })
    this.dialing.set(key, loop)
    this.loops.add(loop)
  }
}
