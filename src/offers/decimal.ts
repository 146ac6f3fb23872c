/**
 * Decimal strings: prices and percentages are never floats. A decimal is up to 12 integer
 * digits and up to 9 fraction digits, no sign, no exponent, no leading zeros
 * (protocols/offer-v1.md §Decimals).
 */
import { FulcrumError } from '../errors/index.js'
import { OfferError } from './errors.js'

const DECIMAL = /^(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,9}))?$/
/** Fraction digits kept by {@link toNanos}: 10^-9 is finer than any currency's minor unit. */
const SCALE = 9

/** The decimal as an integer count of 10^-9 units. Throws `OFFER_BAD_DECIMAL`. */
export function toNanos (decimal: string, path = 'amount'): bigint {
  const m = typeof decimal === 'string' ? DECIMAL.exec(decimal) : null
  if (m === null) throw new FulcrumError(OfferError.BAD_DECIMAL, `not a decimal string like "12.50": ${JSON.stringify(decimal)}`, { path })
  const frac = (m[2] ?? '').padEnd(SCALE, '0')
  return BigInt(m[1] as string) * 10n ** BigInt(SCALE) + BigInt(frac)
}

/** True if `value` is a decimal string of the allowed form. */
export function isDecimal (value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value)
}

/** Formats a count of 10^-9 units as a decimal string without trailing zeros. */
export function fromNanos (nanos: bigint): string {
  const whole = nanos / 10n ** BigInt(SCALE)
  const frac = (nanos % 10n ** BigInt(SCALE)).toString().padStart(SCALE, '0').replace(/0+$/, '')
  return frac === '' ? whole.toString() : `${whole}.${frac}`
}
