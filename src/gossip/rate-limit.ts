/**
 * Token buckets by key (a peer id, or one shared key for a global budget): `rate` tokens per
 * second up to `burst`. The clock is injected; at most `maxKeys` buckets are tracked (the least
 * recently used is forgotten, which only ever gives a key a fresh, full bucket: so the cap must
 * stay far above the number of peers a node is connected to).
 */

/** A sustained rate and a burst. */
export interface RateLimit {
  /** Tokens added per second. */
  perSecond: number
  /** Tokens held at most (a new key starts full). */
  burst: number
}

/** Buckets tracked at most by default: above any connection limit. */
export const DEFAULT_MAX_KEYS = 10_000

interface Bucket { tokens: number, updatedAt: number }

/** See module doc. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()

  constructor (readonly limit: RateLimit, private readonly now: () => number = Date.now, private readonly maxKeys = DEFAULT_MAX_KEYS) {}

  /** Takes one token for `key`: false if its bucket is empty. */
  take (key: string): boolean {
    const now = this.now()
    let b = this.buckets.get(key)
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
      b = { tokens: this.limit.burst, updatedAt: now }
    } else {
      this.buckets.delete(key)
      b.tokens = Math.min(this.limit.burst, b.tokens + Math.max(0, now - b.updatedAt) / 1000 * this.limit.perSecond)
      b.updatedAt = now
    }
    this.buckets.set(key, b)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }
}
