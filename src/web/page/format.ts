/**
 * How the page shows offers: prices per hour and per month from the offer's billing unit (the
 * CLI's units: `hour`, `month` = 730 hours, per-GiB variants; per-transfer and per-request prices
 * have no time basis), locations, short peer ids. Exact decimal arithmetic (offers/decimal.ts).
 */
import { BILLING_UNITS, fromNanos, toNanos } from '../../offers/index.js'
import type { Offer } from '../../offers/index.js'

/** Hours in a billing month (the offers' `month` unit). */
const HOURS_PER_MONTH = 730
/** Fraction digits shown for a derived price (10^-6 of a currency unit is finer than any minor unit). */
const SHOWN_DIGITS = 6

/** The decimal rounded to {@link SHOWN_DIGITS} fraction digits, half up. */
function rounded (nanos: bigint): string {
  const step = 10n ** BigInt(9 - SHOWN_DIGITS)
  return fromNanos(((nanos + step / 2n) / step) * step)
}

/** Price per hour and per month of an offer, with the billing dimension (`/GiB` for per-GiB units); undefined for units with no time basis. */
export function timePrices (offer: Offer): { perHour: string, perMonth: string } | undefined {
  const unit = BILLING_UNITS[offer.price.unit]
  if (unit === undefined || (unit.dimension !== 'instance' && unit.dimension !== 'gib')) return undefined
  const perHourNanos = toNanos(offer.price.amount) / BigInt(unit.hours)
  const exactHour = toNanos(offer.price.amount) % BigInt(unit.hours) === 0n
  const perMonthNanos = toNanos(offer.price.amount) * BigInt(HOURS_PER_MONTH) / BigInt(unit.hours)
  const per = unit.dimension === 'gib' ? ' /GiB' : ''
  return {
    perHour: `${exactHour ? fromNanos(perHourNanos) : rounded(perHourNanos)} ${offer.price.currency}${per}`,
    perMonth: `${rounded(perMonthNanos)} ${offer.price.currency}${per}`
  }
}

/** `IT IT-MI milan-1`: country, subdivision, site. */
export function locationText (offer: Offer): string {
  return [offer.location.country, offer.location.subdivision, offer.location.site].filter(x => x !== undefined).join(' ')
}

/** A peer id shortened for a table cell (the full id goes in a title). */
export function shortPeer (peerId: string): string {
  return peerId.length <= 16 ? peerId : `${peerId.slice(0, 8)}…${peerId.slice(-6)}`
}

/** The peer id at the end of a multiaddr (`/p2p/ID`), or the whole address. */
export function peerOfAddr (addr: string): string {
  const i = addr.lastIndexOf('/p2p/')
  return i < 0 ? addr : addr.slice(i + 5)
}
