/**
 * Offer queries: a filter, its validation, matching and the price order (protocols/offer-v1.md
 * §Queries). Pure, so that the catalog and the light client (which re-checks what nodes return)
 * apply exactly the same rules.
 */
import { FulcrumError } from '../errors/index.js'
import { OfferError } from './errors.js'
import { toNanos } from './decimal.js'
import type { Offer } from './model.js'
import { BILLING_UNITS, CERTIFICATIONS, COUNTRIES, CURRENCIES, EU_COUNTRIES, NAMESPACED, SERVICE_TYPES, isKnownServiceType } from './vocabulary.js'

/** What a customer asks for. Every present criterion must hold. */
export interface OfferFilter {
  type?: string
  /** ISO 3166-1 codes; `EU` stands for the 27 member states. */
  countries?: string[]
  /** Legal jurisdictions accepted; `EU` as above. */
  jurisdictions?: string[]
  provider?: string
  /** Only offers priced in this currency (no exchange rates are applied). */
  currency?: string
  /**
   * Highest price in `currency` (required with it), normalised per hour of the same dimension as
   * `unit` (see BILLING_UNITS): 73 per month equals 0.1 per hour; other dimensions never match.
   */
  maxPrice?: { amount: string, unit: string }
  /** Certifications that must all be held. */
  certifications?: string[]
  minCapacity?: number
  /** Lowest SLA availability, percent as a decimal string. */
  minAvailability?: string
  /** Spec minima, e.g. `{ vcpu: 8 }`: the spec must be a number at least this large. */
  minSpecs?: Record<string, number>
}

/** A validated filter, ready for fast matching. */
export interface CompiledFilter {
  readonly filter: OfferFilter
  matches: (offer: Offer) => boolean
  /** The highest {@link normalisedPrice} a match can have (set by `maxPrice`): lets an index stop early. */
  readonly priceCeiling?: bigint
}

/** Limits on a filter, so a query can never cost more than a scan. */
export const FILTER_LIMITS = { countries: 64, certifications: 24, minSpecs: 16 } as const

const bad = (path: string, message: string): never => {
  throw new FulcrumError(OfferError.BAD_FILTER, message, { path: `filter.${path}` })
}

/** A bad value as the message repeats it: quoted, and cut short if long. */
const shown = (v: unknown): string => {
  const text = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v)
  return `'${text.length > 64 ? `${text.slice(0, 64)}...` : text}'`
}

/** ` (did you mean 'IT'?)` when the upper-case form of a code is known. */
const upperHint = (v: unknown, known: ReadonlySet<string>): string =>
  typeof v === 'string' && v !== v.toUpperCase() && known.has(v.toUpperCase()) ? ` (did you mean '${v.toUpperCase()}'? codes are upper case)` : ''

/** Validates a filter (throws OFFER_BAD_FILTER with the path) and compiles it. */
export function compileFilter (filter: OfferFilter): CompiledFilter {
  const checks: Array<(o: Offer) => boolean> = []
  let ceiling: bigint | undefined
  const { type, provider, currency, maxPrice, minCapacity, minAvailability } = filter
  if (type !== undefined) {
    if (typeof type !== 'string' || !isKnownServiceType(type)) bad('type', `unknown service type ${shown(type)} (known: ${Object.keys(SERVICE_TYPES).join(', ')}, or x-<org>.<name>)`)
    checks.push(o => o.service.type === type)
  }
  const countries = countrySet(filter.countries, 'countries')
  if (countries !== undefined) checks.push(o => countries.has(o.location.country))
  const jurisdictions = countrySet(filter.jurisdictions, 'jurisdictions')
  if (jurisdictions !== undefined) checks.push(o => jurisdictions.has(o.jurisdiction))
  if (provider !== undefined) checks.push(o => o.provider === provider)
  if (currency !== undefined) {
    if (!CURRENCIES.has(currency)) bad('currency', `${shown(currency)} is not an ISO 4217 currency code in upper case, e.g. EUR, CHF, PLN${upperHint(currency, CURRENCIES)}`)
    checks.push(o => o.price.currency === currency)
  }
  if (maxPrice !== undefined) {
    if (currency === undefined) bad('currency', 'a maximum price needs a currency: prices are never converted between currencies')
    const unit = BILLING_UNITS[maxPrice.unit] ?? bad('maxPrice.unit', `unknown billing unit ${shown(maxPrice.unit)} (known: ${Object.keys(BILLING_UNITS).join(', ')})`)
    let limit: bigint
    try { limit = toNanos(maxPrice.amount) * 1000n / BigInt(unit.hours) } catch { return bad('maxPrice.amount', `${shown(maxPrice.amount)} is not a decimal such as 0.05`) }
    checks.push(o => BILLING_UNITS[o.price.unit]?.dimension === unit.dimension && normalisedPrice(o) <= limit)
    ceiling = limit
  }
  const certs = filter.certifications
  if (certs !== undefined) {
    if (!Array.isArray(certs) || certs.length > FILTER_LIMITS.certifications) bad('certifications', 'too many')
    certs.forEach((c, i) => {
      if (!CERTIFICATIONS.has(c) && !NAMESPACED.test(c)) bad(`certifications[${i}]`, `unknown certification ${shown(c)} (known: ${[...CERTIFICATIONS].join(', ')}, or x-<org>.<name>)`)
    })
    checks.push(o => certs.every(c => o.certifications.includes(c)))
  }
  if (minCapacity !== undefined) {
    if (!Number.isSafeInteger(minCapacity) || minCapacity < 0) bad('minCapacity', `${shown(minCapacity)} is not an unsigned integer`)
    checks.push(o => o.capacity >= minCapacity)
  }
  if (minAvailability !== undefined) {
    let min: bigint
    try { min = toNanos(minAvailability) } catch { return bad('minAvailability', `${shown(minAvailability)} is not a decimal percentage such as 99.9`) }
    checks.push(o => toNanos(o.sla.availability) >= min)
  }
  const minSpecs = Object.entries(filter.minSpecs ?? {})
  if (minSpecs.length > FILTER_LIMITS.minSpecs) bad('minSpecs', 'too many')
  for (const [key, min] of minSpecs) {
    if (!Number.isSafeInteger(min) || min < 0) bad(`minSpecs.${key}`, `${shown(min)} is not an unsigned integer`)
    checks.push(o => { const v = o.service.specs[key]; return typeof v === 'number' && v >= min })
  }
  const matches = (o: Offer): boolean => checks.every(c => c(o))
  return ceiling === undefined ? { filter, matches } : { filter, matches, priceCeiling: ceiling }
}

function countrySet (codes: string[] | undefined, path: string): Set<string> | undefined {
  if (codes === undefined) return undefined
  if (!Array.isArray(codes) || codes.length > FILTER_LIMITS.countries) bad(path, `at most ${FILTER_LIMITS.countries} codes`)
  const set = new Set<string>()
  codes.forEach((c, i) => {
    if (c === 'EU') EU_COUNTRIES.forEach(e => set.add(e))
    else if (COUNTRIES.has(c)) set.add(c)
    else bad(`${path}[${i}]`, `${shown(c)} is neither an ISO 3166-1 alpha-2 country code in upper case (IT, DE, FR, ...) nor EU${upperHint(c, COUNTRIES)}`)
  })
  return set
}

/**
 * The price per hour of the offer's billing dimension, in 10^-12 currency units (integer,
 * rounded down). Comparable between offers of the same currency and dimension.
 */
export function normalisedPrice (offer: Offer): bigint {
  const unit = BILLING_UNITS[offer.price.unit]
  return toNanos(offer.price.amount) * 1000n / BigInt(unit?.hours ?? 1)
}
