/** A small seeded PRNG (mulberry32): the simulator's only source of randomness, so a seed replays a run exactly. */
export class Rng {
  private s: number
  constructor (seed: number) { this.s = seed >>> 0 }
  /** Uniform in [0, 1). */
  next (): number {
    this.s = (this.s + 0x6D2B79F5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [lo, hi]. */
  int (lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)) }
  /** True with probability p. */
  chance (p: number): boolean { return this.next() < p }
  /** One element of a non-empty array. */
  pick<T> (xs: readonly T[]): T { return xs[this.int(0, xs.length - 1)] as T }
}

/** A binary min-heap of events by (time, insertion order): equal times run in the order scheduled. */
export class EventQueue<E extends { t: number }> {
  private items: Array<E & { n: number }> = []
  private n = 0
  get size (): number { return this.items.length }
  push (e: E): void {
    const a = this.items
    a.push({ ...e, n: this.n++ })
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(a[i]!, a[p]!)) break
      ;[a[i], a[p]] = [a[p]!, a[i]!]
      i = p
    }
  }

  pop (): E | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (top === undefined || last === undefined) return undefined
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m]!, a[i]!]
        i = m
      }
    }
    return top
  }

  private less (x: E & { n: number }, y: E & { n: number }): boolean { return x.t < y.t || (x.t === y.t && x.n < y.n) }
}
