/**
 * The DHT index (protocols/discovery-v1.md §DHT index): for each (service type, country) it
 * serves, a node provides the key
 *
 *     CIDv1(raw, sha2-256(utf8("/fulcrum/offers/1.0.0/" + type + "/" + country)))
 *
 * on the private DHT, so that anyone can find the providers of "compute.vm in IT" with one lookup.
 * Keys are provided when first served, refreshed every {@link REFRESH_INTERVAL_MS}, and a provide
 * that reached no peer (no connection yet, or an empty routing table: that fails at once) is
 * retried with backoff.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { KadDHT, SingleKadDHT } from '@libp2p/kad-dht'
import type { PeerInfo, Startable } from '@libp2p/interface'
import { FulcrumError } from '../errors/index.js'
import type { Logger } from '../logging/index.js'
import { DHT_KEY_PREFIX } from './constants.js'
import { DiscoveryError } from './errors.js'
import { raceSignal } from '../network/stream-util.js'
import { retry } from '../network/retry.js'

/** Provider records expire after 48 h in kad-dht; refreshing every 12 h keeps them alive with margin. */
export const REFRESH_INTERVAL_MS = 12 * 3600 * 1000
/** First retry of a failed provide; doubles per failure (randomised up to 2x). */
const FIRST_RETRY_MS = 1_000
/** Longest wait between retries of a failed provide. */
const MAX_RETRY_MS = 60_000
/** One provide or lookup takes at most this long. */
export const DHT_OPERATION_TIMEOUT_MS = 20_000
/** A lookup returns at most this many providers (the DHT's k). */
export const MAX_PROVIDERS_PER_LOOKUP = 20

/** The DHT key of a (service type, country) pair. */
export async function indexKey (type: string, country: string): Promise<CID> {
  const digest = await sha256.digest(new TextEncoder().encode(`${DHT_KEY_PREFIX}${type}/${country}`))
  return CID.createV1(raw.code, digest)
}

/** Provides a key once; throws `DISCOVERY_PROVIDE_FAILED` if no peer stored the record. */
export async function provideOnce (dht: KadDHT, key: CID, signal: AbortSignal): Promise<number> {
  // With an empty routing table kad-dht does not fail: it runs until the deadline (20 s) and
  // stores nothing. Fail at once and let the index retry with backoff instead.
  // (kad-dht's single DHT has a routing table; its type is not on the KadDHT interface.)
  if ((dht as Partial<SingleKadDHT>).routingTable?.size === 0) throw new FulcrumError(DiscoveryError.PROVIDE_FAILED, 'no peer in the DHT routing table')
  let stored = 0
  const events = dht.provide(key, { signal })[Symbol.asyncIterator]()
  while (true) {
    // The deadline is ours: on a loaded machine kad-dht's provide made while alone outlasted its
    // signal by minutes, and a provide that never ends is never retried.
    let next: Awaited<ReturnType<typeof events.next>>
    try {
      next = await raceSignal(events.next(), signal)
    } catch (err) {
      void events.return?.(undefined).catch(() => {})
      throw err
    }
    if (next.done === true) break
    const event = next.value
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') stored++
  }
  if (stored === 0) throw new FulcrumError(DiscoveryError.PROVIDE_FAILED, 'no peer stored the provider record')
  return stored
}

/** Finds providers of (type, country): their peer ids and addresses. */
export async function findProviders (dht: KadDHT, type: string, country: string, signal: AbortSignal): Promise<PeerInfo[]> {
  const found = new Map<string, PeerInfo>()
  for await (const event of dht.findProviders(await indexKey(type, country), { signal })) {
    if (event.name !== 'PROVIDER') continue
    for (const p of event.providers) found.set(p.id.toString(), p)
    if (found.size >= MAX_PROVIDERS_PER_LOOKUP) break
  }
  return [...found.values()]
}

/** Keeps this node's (type, country) keys provided (see module doc). */
export class DhtIndex implements Startable {
  private readonly served = new Map<string, { type: string, country: string, providedAt: number, failures: number }>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private controller = new AbortController()
  private running = false

  private readonly retryMs: { first: number, max: number }

  /** `retryMs` overrides the backoff of failed provides (tests shorten it). */
  constructor (private readonly dht: KadDHT, private readonly log: Logger, private readonly now: () => number = Date.now,
    retryMs: Partial<{ first: number, max: number }> = {}) {
    this.retryMs = { first: FIRST_RETRY_MS, max: MAX_RETRY_MS, ...retryMs }
  }

  start (): void {
    this.running = true
    this.controller = new AbortController()
  }

  stop (): void {
    this.running = false
    this.controller.abort()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  /** The pairs served, whether each is currently provided, and its failed attempts since it last was. */
  status (): Array<{ type: string, country: string, provided: boolean, failures: number }> {
    return [...this.served.values()].map(s => ({ type: s.type, country: s.country, provided: s.providedAt > 0, failures: s.failures }))
  }

  /** Makes sure (type, country) is provided; a new pair is provided at once. */
  serve (type: string, country: string): void {
    const id = `${type}/${country}`
    if (this.served.has(id)) return
    this.served.set(id, { type, country, providedAt: 0, failures: 0 })
    this.schedule(id, 0)
  }

  private schedule (id: string, delayMs: number): void {
    if (!this.running) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void this.provide(id)
    }, delayMs)
    timer.unref?.()
    this.timers.add(timer)
  }

  /** Provides `id` now, retrying with backoff until a peer stores it, then schedules the refresh. */
  private async provide (id: string): Promise<void> {
    const entry = this.served.get(id)
    if (entry === undefined || !this.running) return
    const signal = this.controller.signal
    try {
      const key = await indexKey(entry.type, entry.country)
      const peers = await retry(async (s) => await provideOnce(this.dht, key, AbortSignal.any([s, AbortSignal.timeout(DHT_OPERATION_TIMEOUT_MS)])), {
        signal,
        firstDelayMs: this.retryMs.first,
        maxDelayMs: this.retryMs.max,
        onRetry: (err, attempt, delayMs) => {
          entry.failures++
          this.log.debug('DHT provide failed, retrying', { key: id, attempt, retryMs: delayMs, err: (err as Error).message })
        }
      })
      entry.providedAt = this.now()
      entry.failures = 0
      this.log.debug('provided DHT index key', { key: id, peers })
      this.schedule(id, REFRESH_INTERVAL_MS)
    } catch (err) {
      if (!signal.aborted) this.log.warn('DHT provide gave up', { key: id, err: (err as Error).message })
    }
  }
}
