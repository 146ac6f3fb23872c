/**
 * Order documents (protocols/order-v1.md §1): what a customer wants, as JSON: items (a service type
 * with criteria, or a pinned offer), constraints across items, and a term. Pure.
 *
 * Validation is two passes: a zod schema checks every field's shape and vocabulary (document-schema.ts),
 * then {@link semanticIssues} checks what depends on several fields (spec keys of the item's type,
 * unique names, contradictions). Every problem becomes a {@link DocIssue} with a stable
 * `ORDER_DOC_*` code and a path such as `items[1].countries[0]`.
 */
import { CUSTOM_SPEC_KEY, EU_COUNTRIES, FILTER_LIMITS, SERVICE_TYPES } from '../offers/index.js'
import { OrderDocError, OrderDocumentError } from './document-errors.js'
import type { DocIssue } from './document-errors.js'
import { orderDocumentSchema, zodIssues } from './document-schema.js'
export { MAX_DOCUMENT_ITEMS, MAX_DOCUMENT_TERM_MONTHS, BUDGET_UNITS, isCountryOrEu } from './document-schema.js'

/** The highest unit price an item accepts: compared as `fulcrum search --max-price` does. */
export interface PriceLimit {
  /** Decimal string (offer-v1 §Decimals). */
  amount: string
  /** ISO 4217. */
  currency: string
  /** An offer-v1 billing unit; prices are compared per hour within the unit's dimension. */
  unit: string
}

/** An item asking for any offer of a service type that meets its criteria. */
export interface TypedItem {
  name: string
  type: string
  /** Billing units of the chosen offer to order (VMs for `hour`/`month`, GiB for `gib-month`, ...). */
  quantity: number
  /** ISO 3166-1 codes or `EU`; the offer's location must be one of them. */
  countries?: string[]
  /** Lowest value of numeric specs of the type, e.g. `{ "vcpu": 4 }`. */
  minSpecs?: Record<string, number>
  /** Certifications the offer must all hold. */
  certifications?: string[]
  /** ISO 3166-1 code or `EU`: the law that must govern the provider. */
  jurisdiction?: string
  maxPrice?: PriceLimit
}

/** An item naming one offer: the planner takes it (at its live seq) or explains why not. */
export interface PinnedItem {
  name: string
  offer: { provider: string, id: string }
  quantity: number
}

/** One item of an order. */
export type OrderItem = TypedItem | PinnedItem

/** A total budget per unit of time, in one currency (prices are never converted). */
export interface Budget {
  amount: string
  currency: string
  unit: 'hour' | 'month'
}

/** Constraints over the whole order; every one applies to every item. */
export interface OrderConstraints {
  /** Every item's location must be in these (ISO 3166-1 or `EU`). */
  countries?: string[]
  /** Every item's offer must hold all of these. */
  certifications?: string[]
  /** Every item's jurisdiction must be this code (or, for `EU`, a member state). */
  jurisdiction?: string
  /** All items under one and the same jurisdiction. */
  sameJurisdiction?: boolean
  /** Each item from a different provider (default false: the cheapest, whoever sells it). */
  distinctProviders?: boolean
  /** The order's currency, when no budget names one. */
  currency?: string
  budget?: Budget
}

/** A validated order document. */
export interface OrderDocument {
  version?: 1
  items: OrderItem[]
  constraints?: OrderConstraints
  /** How long the agreement runs, in whole months. */
  /** `noticeDays`: the shortest notice a termination of the agreement may give (order-v1 §5.3). */
  term: { months: number, noticeDays?: number }
}

/** True if the item pins an offer rather than describing one. */
export function isPinned (item: OrderItem): item is PinnedItem {
  return 'offer' in item
}

/**
 * Validates an order document (parsed JSON). Returns it typed, or throws an
 * {@link OrderDocumentError} listing every problem (`ORDER_DOC_*` codes, field paths).
 */
export function validateOrderDocument (value: unknown): OrderDocument {
  const result = checkOrderDocument(value)
  if (!result.ok) throw new OrderDocumentError(result.issues)
  return result.document
}

/** Like {@link validateOrderDocument} but returns the issues instead of throwing. */
export function checkOrderDocument (value: unknown): { ok: true, document: OrderDocument } | { ok: false, issues: DocIssue[] } {
  const parsed = orderDocumentSchema.safeParse(value)
  if (!parsed.success) return { ok: false, issues: sortIssues(zodIssues(parsed.error.issues, value)) }
  const document = parsed.data as OrderDocument
  const issues = semanticIssues(document)
  return issues.length > 0 ? { ok: false, issues: sortIssues(issues) } : { ok: true, document }
}

/** Path segments: keys, and array indexes as numbers. */
function segments (path: string): Array<string | number> {
  return [...path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map(m => m[1] !== undefined ? Number(m[1]) : m[2] ?? '')
}

/**
 * Issues in a fixed order (order-v1 §1.5): by path, segment by segment, indexes as numbers, keys
 * by UTF-16 code units, a prefix first; equal paths keep their order.
 */
function sortIssues (issues: DocIssue[]): DocIssue[] {
  const keyed = issues.map(issue => ({ issue, segs: segments(issue.path) }))
  keyed.sort((a, b) => {
    for (let i = 0; i < Math.min(a.segs.length, b.segs.length); i++) {
      const x = a.segs[i] as string | number
      const y = b.segs[i] as string | number
      if (x === y) continue
      if (typeof x === 'number' && typeof y === 'number') return x - y
      return String(x) < String(y) ? -1 : 1
    }
    return a.segs.length - b.segs.length
  })
  return keyed.map(k => k.issue)
}

/** The countries a list of codes stands for (`EU` expanded), or undefined for "any". */
export function expandCountries (codes: readonly string[] | undefined): Set<string> | undefined {
  if (codes === undefined) return undefined
  return new Set(codes.flatMap(c => c === 'EU' ? EU_COUNTRIES : [c]))
}

/**
 * The currency every price of the order must be in: the budget's, else `constraints.currency`,
 * else the one the items' maximum prices name; undefined if the document fixes none.
 */
export function orderCurrency (doc: OrderDocument): string | undefined {
  const c = doc.constraints
  if (c?.budget !== undefined) return c.budget.currency
  if (c?.currency !== undefined) return c.currency
  for (const item of doc.items) if (!isPinned(item) && item.maxPrice !== undefined) return item.maxPrice.currency
  return undefined
}

/** Checks that span fields: spec keys of each type, unique names, contradictions. */
function semanticIssues (doc: OrderDocument): DocIssue[] {
  const issues: DocIssue[] = []
  const add = (code: DocIssue['code'], path: string, message: string): void => { issues.push({ code, path, message }) }
  const c = doc.constraints ?? {}
  const seen = new Map<string, number>()
  let currency = c.budget?.currency ?? c.currency
  if (c.budget !== undefined && c.currency !== undefined && c.currency !== c.budget.currency) {
    add(OrderDocError.CONFLICT, 'constraints.currency', `is ${JSON.stringify(c.currency)} but the budget is in ${c.budget.currency}; prices are never converted`)
  }
  const orderCountries = expandCountries(c.countries)
  const orderJurisdictions = expandCountries(c.jurisdiction === undefined ? undefined : [c.jurisdiction])
  doc.items.forEach((item, i) => {
    const at = `items[${i}]`
    const first = seen.get(item.name)
    if (first !== undefined) add(OrderDocError.DUPLICATE_NAME, `${at}.name`, `${JSON.stringify(item.name)} is already the name of items[${first}]`)
    else seen.set(item.name, i)
    if (isPinned(item)) return
    const certs = new Set([...(c.certifications ?? []), ...(item.certifications ?? [])])
    if (certs.size > FILTER_LIMITS.certifications) {
      add(OrderDocError.INVALID_FIELD, `${at}.certifications`, `with constraints.certifications, ${certs.size} certifications; at most ${FILTER_LIMITS.certifications} per item`)
    }
    for (const key of Object.keys(item.minSpecs ?? {})) {
      const allowed = numericSpecs(item.type)
      const ok = allowed === undefined ? CUSTOM_SPEC_KEY.test(key) : allowed.includes(key)
      if (!ok) {
        add(OrderDocError.UNKNOWN_SPEC, `${at}.minSpecs.${key}`, allowed === undefined
          ? `${JSON.stringify(key)} is not a camelCase spec key`
          : `${JSON.stringify(key)} is not a numeric spec of ${item.type}; allowed: ${allowed.join(', ')}`)
      }
    }
    if (!overlaps(expandCountries(item.countries), orderCountries)) {
      add(OrderDocError.CONFLICT, `${at}.countries`, `${JSON.stringify(item.countries)} has no country in constraints.countries ${JSON.stringify(c.countries)}`)
    }
    if (!overlaps(expandCountries(item.jurisdiction === undefined ? undefined : [item.jurisdiction]), orderJurisdictions)) {
      add(OrderDocError.CONFLICT, `${at}.jurisdiction`, `${JSON.stringify(item.jurisdiction)} contradicts constraints.jurisdiction ${JSON.stringify(c.jurisdiction)}`)
    }
    if (item.maxPrice !== undefined) {
      if (currency === undefined) currency = item.maxPrice.currency
      else if (item.maxPrice.currency !== currency) {
        add(OrderDocError.CONFLICT, `${at}.maxPrice.currency`, `is ${JSON.stringify(item.maxPrice.currency)} but the order is in ${currency}; prices are never converted`)
      }
    }
  })
  return issues
}

/** The numeric spec keys of a vocabulary type; undefined for custom (namespaced) types. */
export function numericSpecs (type: string): string[] | undefined {
  const schema = SERVICE_TYPES[type]
  return schema === undefined ? undefined : Object.keys(schema).filter(k => schema[k]?.kind === 'uint')
}

function overlaps (a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return true
  for (const x of a) if (b.has(x)) return true
  return false
}

