/**
 * A query filter compiled into a matcher over the catalog's columns (columns.ts): the same
 * answer as `compileFilter(filter).matches(offer)` on the decoded offer (test/unit/catalog/
 * match.test.ts checks both on random offers and filters), read from typed arrays instead of an
 * object graph. The filter is validated by `compileFilter` first (same errors).
 */
import { BILLING_UNITS, EU_COUNTRIES, toNanos } from '../offers/index.js'
import type { CompiledFilter } from '../offers/index.js'
import { CERT_BITS, NO_SPEC, PRICE_SPLIT } from './columns.js'
import type { Columns } from './columns.js'

/** Tells whether the offer in a slot matches (liveness and flags are the caller's). */
export type SlotMatcher = (slot: number) => boolean

const NEVER: SlotMatcher = () => false

/** Compiles a validated filter over `c`. A value no held offer has makes a matcher that never matches. */
export function compileMatcher (c: Columns, compiled: CompiledFilter): SlotMatcher {
  const f = compiled.filter
  const checks: SlotMatcher[] = []
  if (f.type !== undefined) {
    const code = c.types.get(f.type)
    if (code === undefined) return NEVER
    checks.push(s => c.type[s] === code)
  }
  if (f.provider !== undefined) {
    const code = c.providers.get(f.provider)
    if (code === undefined) return NEVER
    checks.push(s => c.provider[s] === code)
  }
  for (const [codes, column] of [[f.countries, c.country], [f.jurisdictions, c.jurisdiction]] as const) {
    if (codes === undefined) continue
    const allowed = countryCodes(c, codes)
    if (allowed === undefined) return NEVER
    checks.push(s => allowed[column[s] as number] === 1)
  }
  if (f.currency !== undefined) {
    const code = c.currencies.get(f.currency)
    if (code === undefined) return NEVER
    checks.push(s => c.currency[s] === code)
  }
  if (f.maxPrice !== undefined && compiled.priceCeiling !== undefined) {
    const dim = c.dimensions.get((BILLING_UNITS[f.maxPrice.unit] as { dimension: string }).dimension) as number
    const hi = Number(compiled.priceCeiling / PRICE_SPLIT)
    const lo = Number(compiled.priceCeiling % PRICE_SPLIT)
    checks.push(s => c.dimension[s] === dim && ((c.priceHi[s] as number) < hi || (c.priceHi[s] === hi && (c.priceLo[s] as number) <= lo)))
  }
  if (f.certifications !== undefined) {
    const cert = certMatcher(c, f.certifications)
    if (cert === NEVER) return NEVER
    checks.push(cert)
  }
  if (f.minCapacity !== undefined) {
    const min = f.minCapacity
    checks.push(s => (c.capacityOf[s] as number) >= min)
  }
  if (f.minAvailability !== undefined) {
    // Offers hold at most 100 × 10^9 nanos: exact as a number, and a larger minimum matches none.
    const min = Number(toNanos(f.minAvailability))
    checks.push(s => (c.availability[s] as number) >= min)
  }
  for (const [key, min] of Object.entries(f.minSpecs ?? {})) checks.push(specMatcher(c, key, min))
  if (checks.length === 0) return () => true
  if (checks.length === 1) return checks[0] as SlotMatcher
  return s => {
    for (const check of checks) if (!check(s)) return false
    return true
  }
}

/** A lookup array by country code (1: allowed); undefined if no held code is allowed. */
function countryCodes (c: Columns, codes: string[]): Uint8Array | undefined {
  const allowed = new Uint8Array(c.countries.names.length + 1)
  let any = false
  for (const name of codes.flatMap(x => (x === 'EU' ? EU_COUNTRIES : [x]))) {
    const code = c.countries.get(name)
    if (code !== undefined) { allowed[code] = 1; any = true }
  }
  return any ? allowed : undefined
}

function certMatcher (c: Columns, certs: string[]): SlotMatcher {
  let lo = 0; let hi = 0
  const extra: number[] = []
  for (const name of certs) {
    const code = c.certCodes.get(name)
    if (code === undefined) return NEVER
    if (code >= CERT_BITS) extra.push(code)
    else if (code < 32) lo = (lo | (1 << code)) >>> 0
    else hi = (hi | (1 << (code - 32))) >>> 0
  }
  return s => {
    if ((((c.certs[2 * s] as number) & lo) >>> 0) !== lo || (((c.certs[2 * s + 1] as number) & hi) >>> 0) !== hi) return false
    if (extra.length === 0) return true
    const held = c.extraCerts.get(s)
    return held !== undefined && extra.every(x => held.has(x))
  }
}

function specMatcher (c: Columns, key: string, min: number): SlotMatcher {
  const i = c.specIndex.get(key)
  const extra = (s: number): boolean => {
    const v = c.extraSpecs.get(s)?.get(key)
    return v !== undefined && v >= min
  }
  if (i === undefined) return extra
  const col = c.specs[i] as Uint32Array
  return s => {
    const v = col[s] as number
    return v !== NO_SPEC ? v >= min : extra(s)
  }
}
