/**
 * When this node syncs with whom (protocols/discovery-v1.md §Sync, "When"): one outgoing sync at a
 * time; a peer asked for meanwhile waits in a short queue and is synced when the running sync ends
 * (if it is still connected), at most once per peer every `minResyncMs`.
 *
 * One at a time, because a second reconciliation while the first one fetches finds the same missing
 * keys (already claimed by the first, so it fetches none of them) and costs both sides a full
 * reconciliation against an index that changes with every page stored: a late joiner pulling
 * 10,000 offers spent about a fifth of its CPU on its second sync and fetched nothing with it. Once
 * the first sync is done, the next one reconciles in a round or two.
 */
import type { PeerId } from '@libp2p/interface'

/** Peers waiting for a sync at most: beyond this a request is dropped (the periodic sync covers it). */
export const MAX_QUEUED_SYNCS = 16
/** Peers whose last sync time is remembered at most; past this the record starts over. */
const MAX_PEERS_REMEMBERED = 10_000

/** What the scheduler needs of the node. */
export interface SyncSchedulerInit {
  /** Runs one sync with `peer` (errors are the caller's to log; they do not stop the queue). */
  run: (peer: PeerId) => Promise<void>
  /** True if `peer` is still connected (a queued peer that left is not dialled again). */
  connected: (peer: PeerId) => boolean
  now: () => number
  minResyncMs: number
}

/** Runs syncs one at a time (see module doc). */
export class SyncScheduler {
  private readonly lastSync = new Map<string, number>()
  private readonly queue = new Map<string, PeerId>()
  private running = false
  private stopped = false

  constructor (private readonly init: SyncSchedulerInit) {}

  /** True while a sync runs. */
  get busy (): boolean { return this.running }

  /** Peers waiting, in order. */
  get waiting (): string[] { return [...this.queue.keys()] }

  /**
   * Asks for a sync with `peer`: started now if none runs, else queued (once per peer). Ignored if
   * the peer was synced less than `minResyncMs` ago (an identify storm must not become a sync storm).
   */
  request (peer: PeerId): void {
    if (this.stopped) return
    const id = peer.toString()
    if (this.tooSoon(id)) return
    if (!this.running) { this.start(peer); return }
    if (this.queue.has(id) || this.queue.size >= MAX_QUEUED_SYNCS) return
    this.queue.set(id, peer)
  }

  /** Drops the queue; a running sync ends on its own (its session is aborted by the caller). */
  stop (): void {
    this.stopped = true
    this.queue.clear()
  }

  /** Accepts requests again after {@link stop}. */
  restart (): void {
    this.stopped = false
  }

  private tooSoon (id: string): boolean {
    return this.init.now() - (this.lastSync.get(id) ?? -Infinity) < this.init.minResyncMs
  }

  private start (peer: PeerId): void {
    this.running = true
    if (this.lastSync.size >= MAX_PEERS_REMEMBERED) this.lastSync.clear()
    this.lastSync.set(peer.toString(), this.init.now())
    void this.init.run(peer).catch(() => {}).finally(() => {
      this.running = false
      this.next()
    })
  }

  private next (): void {
    for (const [id, peer] of this.queue) {
      this.queue.delete(id)
      if (this.stopped || !this.init.connected(peer)) continue
      this.start(peer)
      return
    }
  }
}
