/**
 * Per-peer rate limit and penalties for offer gossip (protocols/discovery-v1.md §Scoring).
 *
 * Each peer has a token bucket of gossip messages it may deliver; messages beyond it are ignored
 * (not validated, not relayed) and add a penalty. Penalties decay exponentially and feed
 * gossipsub's application-specific score (weight {@link APP_SPECIFIC_WEIGHT}), so a flooding
 * peer is pruned from the mesh and then graylisted, while honest offers keep flowing.
 */

/** Sustained gossip messages per second per peer: far above honest offer churn, below a flood. */
export const RATE_PER_SECOND = 100
/** Burst allowance: a node republishing its offers after a restart sends a few hundred at once. */
export const BURST = 500
/** Penalty points per message over the rate. */
export const PENALTY_PER_EXCESS_MESSAGE = 0.1
/** Penalty points per record that fails verification (forged, malformed). */
export const PENALTY_PER_INVALID_RECORD = 2
/** Penalties halve every 60 s: a peer that stops misbehaving recovers within minutes. */
export const PENALTY_HALF_LIFE_MS = 60_000
/** gossipsub multiplies the app score by this: 8 penalty points reach the graylist threshold (-80). */
export const APP_SPECIFIC_WEIGHT = 10
/** Peers tracked at most; beyond this the least recently seen are forgotten. */
const MAX_TRACKED_PEERS = 10_000

interface PeerState {
  tokens: number
  penalty: number
  updatedAt: number
}

/** Token buckets and decaying penalties per peer id. `now` is injected for tests. */
export class PeerPenalties {
  private readonly peers = new Map<string, PeerState>()

  constructor (private readonly now: () => number = Date.now) {}

  /** Takes one message token for `peer`; false (and a penalty) if the peer is over its rate. */
  take (peer: string): boolean {
    const s = this.state(peer)
    if (s.tokens >= 1) {
      s.tokens -= 1
      return true
    }
    s.penalty += PENALTY_PER_EXCESS_MESSAGE
    return false
  }

  /** Adds a penalty for a record from `peer` that failed verification. */
  penalise (peer: string, points: number = PENALTY_PER_INVALID_RECORD): void {
    this.state(peer).penalty += points
  }

  /** The application-specific score for gossipsub: minus the current penalty. */
  score = (peer: string): number => {
    const s = this.peers.get(peer)
    if (s === undefined) return 0
    const penalty = this.refresh(s).penalty
    return penalty === 0 ? 0 : -penalty
  }

  private state (peer: string): PeerState {
    let s = this.peers.get(peer)
    if (s === undefined) {
      if (this.peers.size >= MAX_TRACKED_PEERS) {
        const oldest = this.peers.keys().next().value
        if (oldest !== undefined) this.peers.delete(oldest)
      }
      s = { tokens: BURST, penalty: 0, updatedAt: this.now() }
      this.peers.set(peer, s)
    } else {
      this.peers.delete(peer)
      this.peers.set(peer, s)
    }
    return this.refresh(s)
  }

  private refresh (s: PeerState): PeerState {
    const now = this.now()
    const elapsed = Math.max(0, now - s.updatedAt)
    s.tokens = Math.min(BURST, s.tokens + (elapsed / 1000) * RATE_PER_SECOND)
    s.penalty *= Math.pow(0.5, elapsed / PENALTY_HALF_LIFE_MS)
    if (s.penalty < 0.01) s.penalty = 0
    s.updatedAt = now
    return s
  }
}
