/**
 * Bounds of the catalog (protocols/discovery-v1.md §Catalog limits): records per provider and in
 * total, and which record makes room when the catalog is full.
 *
 * Rule, for a record under a key the catalog does not hold yet (a replacement never grows it):
 * - the node's own records are always admitted and never evicted or counted against a cap;
 * - a provider holding `maxRecordsPerProvider` records gets no more (`refused`);
 * - when the catalog holds `maxRecords`, the evictable provider with the most records (own and
 *   protected providers are not evictable) gives up its oldest record (lowest `issuedAt`, then
 *   key), but only if it holds at least two more than the incoming record's provider, and is not
 *   that provider: otherwise the incoming record is `refused`. So a full catalog converges to an
 *   equal share per provider (max-min fairness): a flood of many keys takes room from the largest
 *   holders one record at a time, never the last records of a small provider, and a provider
 *   cannot displace others by publishing more.
 * An evicted record is deleted from the store (the decision survives a restart). Sync does not
 * fetch records that this rule would refuse.
 */

/** Configured bounds (config `catalogLimits`). */
export interface CatalogLimits {
  /** Records (offers and withdrawals) held at most, besides the node's own. */
  maxRecords: number
  /** Records per provider at most. */
  maxRecordsPerProvider: number
  /** Providers whose records are never evicted (still within the per-provider cap). */
  protectedProviders?: readonly string[]
}

/**
 * Defaults: 1,000,000 records (the size the node is built to hold in under 1 GiB; BENCHMARKS.md
 * measures the memory per record) and 5,000 per provider (far above the offers one provider
 * publishes: one SKU per service, region and zone).
 */
export const DEFAULT_CATALOG_LIMITS: CatalogLimits = { maxRecords: 1_000_000, maxRecordsPerProvider: 5_000 }

/** What the limits say about a new key of `provider`. */
export type Admission = { admit: true, evict?: string } | { admit: false }

/** Per-provider record counts, with the providers grouped by count to find the largest fast. */
export class ProviderCounts {
  private readonly counts = new Map<string, number>()
  /** Evictable providers by record count. */
  private readonly byCount = new Map<number, Set<string>>()
  private maxCount = 0
  private counted = 0
  private limits: CatalogLimits = DEFAULT_CATALOG_LIMITS
  private protectedSet = new Set<string>()

  constructor (private own: string | undefined = undefined) {}

  /** Sets the limits and the node's own provider id (applies to records admitted from now on). */
  configure (limits: CatalogLimits, own: string | undefined): void {
    this.limits = limits
    this.own = own
    this.protectedSet = new Set(limits.protectedProviders ?? [])
    this.counted = 0
    for (const [provider, n] of this.counts) {
      this.unbucket(provider, n)
      this.bucket(provider, n)
      if (provider !== own) this.counted += n
    }
  }

  /** Records counted against `maxRecords` (all but the node's own). */
  get total (): number { return this.counted }

  /** Records held for `provider`. */
  count (provider: string): number { return this.counts.get(provider) ?? 0 }

  /** Counts a new record (a new key) of `provider`. */
  add (provider: string): void {
    const n = this.count(provider)
    this.unbucket(provider, n)
    this.counts.set(provider, n + 1)
    this.bucket(provider, n + 1)
    if (provider !== this.own) this.counted++
  }

  /** Uncounts a removed record of `provider`. */
  remove (provider: string): void {
    const n = this.count(provider)
    if (n === 0) return
    this.unbucket(provider, n)
    if (n === 1) this.counts.delete(provider)
    else {
      this.counts.set(provider, n - 1)
      this.bucket(provider, n - 1)
    }
    if (provider !== this.own) this.counted--
  }

  /**
   * What to do with a new key of `provider` (see module doc); `oldest` picks the record to evict
   * among the records of the provider it is given.
   */
  admit (provider: string, oldest: (victim: string) => string): Admission {
    if (provider === this.own) return { admit: true }
    const mine = this.count(provider)
    if (mine >= this.limits.maxRecordsPerProvider) return { admit: false }
    if (this.counted < this.limits.maxRecords) return { admit: true }
    const victim = this.largest()
    if (victim === undefined || victim === provider || this.count(victim) < mine + 2) return { admit: false }
    return { admit: true, evict: oldest(victim) }
  }

  /** True if a new key of `provider` could be admitted now (without deciding which record goes). */
  wouldAdmit (provider: string): boolean {
    return this.admit(provider, () => '').admit
  }

  private evictable (provider: string): boolean {
    return provider !== this.own && !this.protectedSet.has(provider)
  }

  private largest (): string | undefined {
    while (this.maxCount > 0) {
      const set = this.byCount.get(this.maxCount)
      if (set !== undefined && set.size > 0) return set.values().next().value as string
      this.maxCount--
    }
    return undefined
  }

  private bucket (provider: string, count: number): void {
    if (count === 0 || !this.evictable(provider)) return
    let set = this.byCount.get(count)
    if (set === undefined) this.byCount.set(count, set = new Set())
    set.add(provider)
    if (count > this.maxCount) this.maxCount = count
  }

  private unbucket (provider: string, count: number): void {
    const set = this.byCount.get(count)
    if (set === undefined) return
    set.delete(provider)
    if (set.size === 0) this.byCount.delete(count)
  }
}

/** Largest page a query returns: bounds response size (100 × 4 KiB records). */
export const MAX_PAGE_SIZE = 100
/** Page size when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 20
