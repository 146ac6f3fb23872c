/**
 * The catalog's compact in-memory form of the records it holds: one slot per record in typed-array
 * columns (what the filter language, the insert decision, the limits and the expiry sweep read),
 * while the record itself stays in the store and is read only when served. A decoded record is an
 * object graph of about 25 strings, numbers and objects (several KiB of heap); a slot is about
 * 170 bytes plus its offer id.
 *
 * Exactness: every column keeps its field exactly. Times, seqs and capacity are safe integers
 * (Float64); the availability is at most 100 × 10^9 nanos (Float64); the normalised price (below
 * 10^24, see `normalisedPrice`) is split into two Float64 halves of 12 decimal digits each, so
 * comparing (hi, lo) orders prices exactly. Spec values that do not fit a column, custom spec
 * keys and custom certifications beyond the bitset go to small side maps.
 */
import { sha256, normalisedPrice, recordExpiresAt, toNanos, BILLING_UNITS, CERTIFICATIONS, SERVICE_TYPES } from '../offers/index.js'
import type { Offer, OfferRecord } from '../offers/index.js'

/** Flags of a slot. */
export const USED = 1
export const OFFER = 2
export const CONFLICTED = 4

/** Spec column value meaning "no numeric value under this key". */
export const NO_SPEC = 0xFFFF_FFFF
/** Certification codes below this are bits of the per-slot bitset; the rest go to a side map. */
export const CERT_BITS = 64
/** Splits normalised prices into two exact halves: price = hi × PRICE_SPLIT + lo. */
export const PRICE_SPLIT = 10n ** 12n
const DIGEST_BYTES = 32

/** Numeric spec keys of the vocabulary: each has a column (custom keys go to a side map). */
export const SPEC_COLUMNS: readonly string[] = [...new Set(Object.values(SERVICE_TYPES)
  .flatMap(t => Object.entries(t).filter(([, f]) => f.kind === 'uint').map(([k]) => k)))]

/** A table of strings to small integer codes; codes of released strings are reused. */
export class Codes {
  private readonly byName = new Map<string, number>()
  readonly names: Array<string | undefined> = []
  private readonly refs: number[] = []
  private readonly free: number[] = []

  constructor (initial: Iterable<string> = []) { for (const s of initial) this.code(s) }

  /** The code of `name`, if it has one. */
  get (name: string): number | undefined { return this.byName.get(name) }

  /** The code of `name`, assigned if new (never released). */
  code (name: string): number {
    let c = this.byName.get(name)
    if (c === undefined) {
      c = this.free.pop() ?? this.names.length
      this.byName.set(name, c)
      this.names[c] = name
      this.refs[c] = 0
    }
    return c
  }

  /** Counts a user of `name` (see {@link release}). */
  retain (name: string): number {
    const c = this.code(name)
    this.refs[c] = (this.refs[c] ?? 0) + 1
    return c
  }

  /** Drops a user of code `c`; the code is reused once none is left. */
  release (c: number): void {
    const n = (this.refs[c] ?? 1) - 1
    this.refs[c] = n
    if (n > 0) return
    const name = this.names[c]
    if (name !== undefined) this.byName.delete(name)
    this.names[c] = undefined
    this.free.push(c)
  }
}

/** The columns. Slot numbers are stable while the record is held; freed slots are reused. */
export class Columns {
  capacity = 0
  flags = new Uint8Array(0)
  type = new Uint32Array(0)
  country = new Uint16Array(0)
  jurisdiction = new Uint16Array(0)
  currency = new Uint16Array(0)
  dimension = new Uint8Array(0)
  priceHi = new Float64Array(0)
  priceLo = new Float64Array(0)
  expiresAt = new Float64Array(0)
  issuedAt = new Float64Array(0)
  seq = new Float64Array(0)
  capacityOf = new Float64Array(0)
  availability = new Float64Array(0)
  /** Two 32-bit words of certification bits per slot. */
  certs = new Uint32Array(0)
  provider = new Uint32Array(0)
  digest = new Uint8Array(0)
  specs: Uint32Array[] = SPEC_COLUMNS.map(() => new Uint32Array(0))
  /** Offer ids by slot (the key is `provider/id`). */
  ids: string[] = []
  /** Numeric specs without a column (custom keys, values ≥ NO_SPEC), by slot. */
  readonly extraSpecs = new Map<number, Map<string, number>>()
  /** Certifications with codes ≥ CERT_BITS, by slot. */
  readonly extraCerts = new Map<number, Set<number>>()

  readonly types = new Codes()
  readonly countries = new Codes()
  readonly currencies = new Codes()
  readonly dimensions = new Codes(Object.values(BILLING_UNITS).map(u => u.dimension))
  readonly certCodes = new Codes(CERTIFICATIONS)
  readonly providers = new Codes()
  readonly specIndex = new Map(SPEC_COLUMNS.map((k, i) => [k, i]))
  private readonly freeSlots: number[] = []
  private top = 0

  /** A free slot for a new record. */
  allocate (): number {
    const slot = this.freeSlots.pop() ?? this.top++
    // 1.5x, not 2x: at most a third of the columns (about 190 bytes a slot) stands empty after a growth.
    if (slot >= this.capacity) this.grow(Math.max(1024, Math.ceil(this.capacity * 1.5)))
    return slot
  }

  /** Fills `slot` with `record` (replacing what it held). */
  fill (slot: number, record: OfferRecord, bytes: Uint8Array, digest: Uint8Array = sha256(bytes)): void {
    const used = ((this.flags[slot] as number) & USED) !== 0
    if (used) this.clearSide(slot)
    if (!used || this.providerOf(slot) !== record.body.provider) {
      if (used) this.providers.release(this.provider[slot] as number)
      this.provider[slot] = this.providers.retain(record.body.provider)
    }
    this.ids[slot] = record.body.id
    this.seq[slot] = record.body.seq
    this.issuedAt[slot] = record.body.issuedAt
    this.expiresAt[slot] = recordExpiresAt(record)
    this.digest.set(digest.subarray(0, DIGEST_BYTES), slot * DIGEST_BYTES)
    this.flags[slot] = USED | (record.kind === 'offer' ? OFFER : 0)
    if (record.kind === 'offer') this.fillOffer(slot, record.body)
  }

  private fillOffer (slot: number, o: Offer): void {
    this.type[slot] = this.types.code(o.service.type)
    this.country[slot] = this.countries.code(o.location.country)
    this.jurisdiction[slot] = this.countries.code(o.jurisdiction)
    this.currency[slot] = this.currencies.code(o.price.currency)
    const unit = BILLING_UNITS[o.price.unit]
    this.dimension[slot] = unit === undefined ? 255 : this.dimensions.code(unit.dimension)
    const price = normalisedPrice(o)
    this.priceHi[slot] = Number(price / PRICE_SPLIT)
    this.priceLo[slot] = Number(price % PRICE_SPLIT)
    this.capacityOf[slot] = o.capacity
    this.availability[slot] = Number(toNanos(o.sla.availability))
    this.certs[2 * slot] = 0
    this.certs[2 * slot + 1] = 0
    for (const c of o.certifications) {
      const code = this.certCodes.code(c)
      if (code < CERT_BITS) this.certs[2 * slot + (code >>> 5)] = (this.certs[2 * slot + (code >>> 5)] as number) | (1 << (code & 31))
      else {
        let set = this.extraCerts.get(slot)
        if (set === undefined) this.extraCerts.set(slot, set = new Set())
        set.add(code)
      }
    }
    for (const col of this.specs) col[slot] = NO_SPEC
    for (const [k, v] of Object.entries(o.service.specs)) {
      if (typeof v !== 'number') continue
      const i = this.specIndex.get(k)
      if (i !== undefined && Number.isInteger(v) && v >= 0 && v < NO_SPEC) (this.specs[i] as Uint32Array)[slot] = v
      else {
        let map = this.extraSpecs.get(slot)
        if (map === undefined) this.extraSpecs.set(slot, map = new Map())
        map.set(k, v)
      }
    }
  }

  /** Marks `slot` conflicted (equivocation: not served until a higher seq). */
  setConflicted (slot: number, conflicted: boolean): void {
    this.flags[slot] = conflicted ? (this.flags[slot] as number) | CONFLICTED : (this.flags[slot] as number) & ~CONFLICTED
  }

  /** Frees `slot`. */
  release (slot: number): void {
    this.clearSide(slot)
    this.providers.release(this.provider[slot] as number)
    this.flags[slot] = 0
    this.ids[slot] = ''
    this.freeSlots.push(slot)
  }

  private clearSide (slot: number): void {
    this.extraSpecs.delete(slot)
    this.extraCerts.delete(slot)
  }

  isOffer (slot: number): boolean { return ((this.flags[slot] as number) & OFFER) !== 0 }
  isConflicted (slot: number): boolean { return ((this.flags[slot] as number) & CONFLICTED) !== 0 }
  providerOf (slot: number): string { return this.providers.names[this.provider[slot] as number] as string }
  keyOf (slot: number): string { return `${this.providerOf(slot)}/${this.ids[slot] as string}` }
  digestOf (slot: number): Uint8Array { return this.digest.slice(slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES) }
  priceOf (slot: number): bigint { return BigInt(this.priceHi[slot] as number) * PRICE_SPLIT + BigInt(this.priceLo[slot] as number) }

  private grow (capacity: number): void {
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, n = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity * n)
      b.set(a)
      return b
    }
    this.flags = g(this.flags); this.type = g(this.type); this.country = g(this.country)
    this.jurisdiction = g(this.jurisdiction); this.currency = g(this.currency); this.dimension = g(this.dimension)
    this.priceHi = g(this.priceHi); this.priceLo = g(this.priceLo); this.expiresAt = g(this.expiresAt)
    this.issuedAt = g(this.issuedAt); this.seq = g(this.seq); this.capacityOf = g(this.capacityOf)
    this.availability = g(this.availability); this.certs = g(this.certs, 2); this.provider = g(this.provider)
    this.digest = g(this.digest, DIGEST_BYTES)
    this.specs = this.specs.map(s => g(s))
    this.capacity = capacity
  }
}

/** Orders slots by (normalised price, key): the catalog's total order (cursors rely on it). */
export function compareSlots (c: Columns, a: number, b: number): number {
  const ha = c.priceHi[a] as number; const hb = c.priceHi[b] as number
  if (ha !== hb) return ha < hb ? -1 : 1
  const la = c.priceLo[a] as number; const lb = c.priceLo[b] as number
  if (la !== lb) return la < lb ? -1 : 1
  return compareKeys(c.providerOf(a), c.ids[a] as string, c.providerOf(b), c.ids[b] as string)
}

/** Compares `pa/ia` with `pb/ib` as strings, without building them (unless one provider is a prefix of the other). */
export function compareKeys (pa: string, ia: string, pb: string, ib: string): number {
  if (pa === pb) return ia < ib ? -1 : ia > ib ? 1 : 0
  // Neither a prefix of the other: they differ before either's '/', which then decides nothing.
  if (!pa.startsWith(pb) && !pb.startsWith(pa)) return pa < pb ? -1 : 1
  const a = `${pa}/${ia}`; const b = `${pb}/${ib}`
  return a < b ? -1 : a > b ? 1 : 0
}
