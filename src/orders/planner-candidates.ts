/**
 * Candidates of the planner (protocols/order-v1.md §2.2): for each item of an order, the live
 * offers that meet the item's own criteria and the order's per-item constraints, with their cost
 * per month; and, when an item has none, the nearest offer and what it lacks. Pure.
 */
import { BILLING_UNITS, compileFilter, fromNanos, normalisedPrice, recordKey, toNanos } from '../offers/index.js'
import type { Offer, OfferFilter, VerifiedRecord } from '../offers/index.js'
import { expandCountries, isPinned, orderCurrency } from './document.js'
import type { OrderDocument, OrderItem } from './document.js'
import { OrderDocError } from './document-errors.js'
import type { PlanReason } from './planner-types.js'

/** Hours in the month that costs are normalised to (offer-v1's billing month, 8760 / 12). */
const MONTH_HOURS = BILLING_UNITS.month?.hours ?? 730

/**
 * How many of an offer's billing unit make a month, for units billed by time (hour, month,
 * gib-hour, gib-month); undefined for units billed by use (gib-transfer, million-requests),
 * whose monthly cost depends on use and which an order therefore cannot price.
 */
export function unitsPerMonth (unit: string): bigint | undefined {
  const u = BILLING_UNITS[unit]
  if (u === undefined || (u.dimension !== 'instance' && u.dimension !== 'gib') || MONTH_HOURS % u.hours !== 0) return undefined
  return BigInt(MONTH_HOURS / u.hours)
}

/** One offer that can serve one item. */
export interface Candidate {
  /** Index of the item in the document. */
  item: number
  record: VerifiedRecord & { record: { kind: 'offer', body: Offer } }
  offer: Offer
  /** `provider/id`. */
  key: string
  /** The item's quantity: units of the offer's capacity it takes. */
  quantity: number
  /** Quantity x price, per month, in 10^-9 units of `offer.price.currency`. */
  cost: bigint
}

function intersect (a: readonly string[] | undefined, b: readonly string[] | undefined): string[] | undefined {
  if (a === undefined) return b === undefined ? undefined : [...b]
  if (b === undefined) return [...a]
  const sb = expandCountries(b) ?? new Set()
  return [...(expandCountries(a) ?? [])].filter(c => sb.has(c)).sort()
}

/**
 * The offer filter of an item: its own criteria and the order's per-item constraints (countries,
 * jurisdiction, certifications, currency), with the item's quantity as the minimum capacity. The
 * light client sends it to nodes and the planner applies it again to what they return.
 */
export function itemFilter (doc: OrderDocument, item: OrderItem): OfferFilter {
  const c = doc.constraints ?? {}
  const f: OfferFilter = { minCapacity: item.quantity }
  const currency = orderCurrency(doc)
  if (currency !== undefined) f.currency = currency
  const certs = [...new Set([...(c.certifications ?? []), ...(isPinned(item) ? [] : item.certifications ?? [])])].sort()
  if (certs.length > 0) f.certifications = certs
  const own = isPinned(item) ? undefined : item
  const countries = intersect(own?.countries, c.countries)
  if (countries !== undefined) f.countries = countries
  const jurisdictions = intersect(own?.jurisdiction === undefined ? undefined : [own.jurisdiction], c.jurisdiction === undefined ? undefined : [c.jurisdiction])
  if (jurisdictions !== undefined) f.jurisdictions = jurisdictions
  if (isPinned(item)) {
    f.provider = item.offer.provider
    return f
  }
  f.type = item.type
  if (item.minSpecs !== undefined && Object.keys(item.minSpecs).length > 0) f.minSpecs = { ...item.minSpecs }
  if (item.maxPrice !== undefined) f.maxPrice = { amount: item.maxPrice.amount, unit: item.maxPrice.unit }
  return f
}

/** The cost per month of `quantity` units of an offer billed by time. */
export function monthlyCost (offer: Offer, quantity: number): bigint | undefined {
  const perMonth = unitsPerMonth(offer.price.unit)
  return perMonth === undefined ? undefined : toNanos(offer.price.amount) * BigInt(quantity) * perMonth
}

/** Live offers of the input: offer records only, not expired at `now`. */
export function liveOffers (records: readonly VerifiedRecord[], now: number): Array<Candidate['record']> {
  return records.filter((r): r is Candidate['record'] => r.record.kind === 'offer' && now < r.record.body.expiresAt)
}

/** The candidates of item `index`, in no particular order. */
export function candidatesOf (doc: OrderDocument, index: number, offers: ReadonlyArray<Candidate['record']>): Candidate[] {
  const item = doc.items[index]
  if (item === undefined) return []
  const filter = compileFilter(itemFilter(doc, item))
  const out: Candidate[] = []
  for (const record of offers) {
    const offer = record.record.body
    if (isPinned(item) && offer.id !== item.offer.id) continue
    if (!filter.matches(offer)) continue
    const cost = monthlyCost(offer, item.quantity)
    if (cost !== undefined) out.push({ item: index, record, offer, key: recordKey(record.record), quantity: item.quantity, cost })
  }
  return out
}

/** A human label of an offer: short provider, id. */
export function offerLabel (offer: Offer): string {
  return `${offer.provider.slice(0, 12)}…/${offer.id}`
}

/** An offer's price as `389 EUR/month`. */
export function priceLabel (offer: Offer): string {
  return `${offer.price.amount} ${offer.price.currency}/${offer.price.unit}`
}

/** What an item asks for, in words: `db.postgresql in FR with iso-27001, vcpu>=8, 1 unit(s), in EUR`. */
export function describeItem (doc: OrderDocument, item: OrderItem): string {
  const f = itemFilter(doc, item)
  const parts = [isPinned(item) ? `offer ${item.offer.id} of ${item.offer.provider.slice(0, 12)}…` : item.type]
  if (f.countries !== undefined) parts.push(`in ${f.countries.length > 8 ? `${f.countries.length} countries` : f.countries.join('/')}`)
  const withs = [...(f.certifications ?? []), ...Object.entries(f.minSpecs ?? {}).map(([k, v]) => `${k}>=${v}`)]
  if (withs.length > 0) parts.push(`with ${withs.join(', ')}`)
  if (f.jurisdictions !== undefined) parts.push(`under ${f.jurisdictions.length > 8 ? `${f.jurisdictions.length} jurisdictions` : f.jurisdictions.join('/')} law`)
  parts.push(`for ${item.quantity} unit(s)`)
  if (f.currency !== undefined) parts.push(`priced in ${f.currency}${f.maxPrice === undefined ? '' : ` at most ${f.maxPrice.amount}/${f.maxPrice.unit}`}`)
  return parts.join(' ')
}

/** Each criterion of an item's filter alone, with what an offer failing it is told. */
function criteria (f: OfferFilter, now: number): Array<{ test: (o: Offer) => boolean, lack: (o: Offer) => string }> {
  const one = (sub: OfferFilter): ((o: Offer) => boolean) => compileFilter(sub).matches
  const list: Array<{ test: (o: Offer) => boolean, lack: (o: Offer) => string }> = []
  if (f.countries !== undefined) list.push({ test: one({ countries: f.countries }), lack: o => `is in ${o.location.country}` })
  if (f.jurisdictions !== undefined) list.push({ test: one({ jurisdictions: f.jurisdictions }), lack: o => `is under ${o.jurisdiction} law` })
  for (const cert of f.certifications ?? []) list.push({ test: o => o.certifications.includes(cert), lack: () => `lacks ${cert}` })
  for (const [k, v] of Object.entries(f.minSpecs ?? {})) {
    list.push({ test: one({ minSpecs: { [k]: v } }), lack: o => o.service.specs[k] === undefined ? `has no ${k}` : `has ${k}=${String(o.service.specs[k])}` })
  }
  if (f.minCapacity !== undefined) list.push({ test: one({ minCapacity: f.minCapacity }), lack: o => `has ${o.capacity} unit(s) left` })
  if (f.currency !== undefined) list.push({ test: one({ currency: f.currency }), lack: o => `is priced in ${o.price.currency}` })
  if (f.maxPrice !== undefined && f.currency !== undefined) {
    list.push({ test: o => o.price.currency !== f.currency || one({ currency: f.currency, maxPrice: f.maxPrice })(o), lack: o => `costs ${priceLabel(o)}` })
  }
  list.push({ test: o => unitsPerMonth(o.price.unit) !== undefined, lack: o => `is billed per ${o.price.unit}, by use rather than by time` })
  list.push({ test: o => now < o.expiresAt, lack: o => `expired at ${new Date(o.expiresAt).toISOString()}` })
  return list
}

/**
 * Why item `index` has no candidate: ORDER_PLAN_PINNED_NOT_FOUND, or ORDER_PLAN_NO_CANDIDATE
 * naming the nearest offer of the item's type (fewest unmet criteria, then cheapest per hour, then
 * provider, then id) and what it lacks.
 */
export function explainNoCandidate (doc: OrderDocument, index: number, records: readonly VerifiedRecord[], now: number): PlanReason {
  const item = doc.items[index] as OrderItem
  const f = itemFilter(doc, item)
  const pool = records.flatMap(r => r.record.kind === 'offer' ? [r.record.body] : [])
    .filter(o => isPinned(item) ? o.provider === item.offer.provider && o.id === item.offer.id : o.service.type === item.type)
  const wanted = describeItem(doc, item)
  if (pool.length === 0) {
    return isPinned(item)
      ? { code: OrderDocError.PLAN_PINNED_NOT_FOUND, item: item.name, message: `${item.name}: the pinned offer ${item.offer.provider}/${item.offer.id} is not among the live offers (withdrawn, expired, or unknown to the nodes asked)` }
      : { code: OrderDocError.PLAN_NO_CANDIDATE, item: item.name, message: `${item.name}: no ${wanted}; no ${item.type} offer at all among the offers found` }
  }
  const checks = criteria(f, now)
  const ranked = pool.map(o => ({ o, lacks: checks.filter(c => !c.test(o)).map(c => c.lack(o)) })).sort((a, b) =>
    a.lacks.length - b.lacks.length || cmp(normalisedPrice(a.o), normalisedPrice(b.o)) || cmpStr(a.o.provider, b.o.provider) || cmpStr(a.o.id, b.o.id))
  const nearest = ranked[0] as { o: Offer, lacks: string[] }
  const o = nearest.o
  return {
    code: OrderDocError.PLAN_NO_CANDIDATE,
    item: item.name,
    message: `${item.name}: no ${wanted}; the nearest is ${offerLabel(o)} at ${priceLabel(o)}, which ${nearest.lacks.join(' and ') || 'matches (but is listed twice with different contents)'}`,
    nearest: { provider: o.provider, id: o.id, price: { ...o.price }, lacks: nearest.lacks }
  }
}

/** Compares bigints for sorting. */
export function cmp (a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Compares strings by UTF-16 code units (locale-independent, as the spec requires). */
export function cmpStr (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Formats a cost in 10^-9 units. */
export const formatCost = fromNanos
