/**
 * Decaying penalty points per peer, shared by every gossip topic (protocols/discovery-v1.md
 * §Scoring, ledger-v1.md §6.1). Topics add points for messages over their rate and for invalid
 * messages; sync adds points for invalid records. Penalties decay exponentially and feed
 * gossipsub's application-specific score (weight {@link APP_SPECIFIC_WEIGHT}), so a misbehaving
 * peer is pruned from the mesh and then graylisted, on every topic at once.
 */

/** Penalties halve every 60 s: a peer that stops misbehaving recovers within minutes. */
export const PENALTY_HALF_LIFE_MS = 60_000
/** gossipsub multiplies the app score by this: 8 penalty points reach the graylist threshold (-80). */
export const APP_SPECIFIC_WEIGHT = 10
/** Peers tracked at most; beyond this the least recently penalised are forgotten. */
export const MAX_TRACKED_PEERS = 10_000

interface PeerState {
  penalty: number
  updatedAt: number
}

/** Decaying penalties per peer id. `now` is injected for tests. */
export class PeerPenalties {
  private readonly peers = new Map<string, PeerState>()

  constructor (readonly now: () => number = Date.now) {}

  /** Adds `points` to `peer`'s penalty. */
  penalise (peer: string, points: number): void {
    let s = this.peers.get(peer)
    if (s === undefined) {
      if (this.peers.size >= MAX_TRACKED_PEERS) {
        const oldest = this.peers.keys().next().value
        if (oldest !== undefined) this.peers.delete(oldest)
      }
      s = { penalty: 0, updatedAt: this.now() }
    } else {
      this.peers.delete(peer)
    }
    this.peers.set(peer, s)
    this.refresh(s).penalty += points
  }

  /** The application-specific score for gossipsub: minus the current penalty. */
  score = (peer: string): number => {
    const s = this.peers.get(peer)
    if (s === undefined) return 0
    const penalty = this.refresh(s).penalty
    return penalty === 0 ? 0 : -penalty
  }

  private refresh (s: PeerState): PeerState {
    const now = this.now()
    s.penalty *= Math.pow(0.5, Math.max(0, now - s.updatedAt) / PENALTY_HALF_LIFE_MS)
    if (s.penalty < 0.01) s.penalty = 0
    s.updatedAt = now
    return s
  }
}
