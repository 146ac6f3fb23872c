/**
 * The zod schema of order documents (protocols/order-v1.md §1.2) and the translation of zod's
 * issues into {@link DocIssue}s: stable `ORDER_DOC_*` codes, `items[1].countries[0]` paths, the
 * bad value repeated and the allowed values listed where there is a vocabulary.
 */
import { z } from 'zod'
import {
  BILLING_UNITS, CERTIFICATIONS, COUNTRIES, CURRENCIES, FILTER_LIMITS, LIMITS, NAMESPACED, SERVICE_TYPES, isDecimal, isKnownServiceType
} from '../offers/index.js'
import { isPeerId } from '../identity/index.js'
import { MAX_NOTICE_DAYS } from './constants.js'
import { OrderDocError } from './document-errors.js'
import type { DocIssue, OrderDocErrorCode } from './document-errors.js'

/** Budgets are per unit of time: these units (offer-v1 billing units of the `instance` dimension). */
export const BUDGET_UNITS = ['hour', 'month'] as const
/**
 * Most items in one order document: each is negotiated in parallel and the planner searches
 * their combinations (16 keeps its worst case near a second). At most the negotiation's own
 * limit on agreement items (MAX_ORDER_ITEMS of the protocol), so every plan can be negotiated.
 */
export const MAX_DOCUMENT_ITEMS = 16
/** Longest term of a document: ten years (the protocol's MAX_TERM_MONTHS); offers are re-priced far more often. */
export const MAX_DOCUMENT_TERM_MONTHS = 120
/** Item names, like offer ids: they name agreement items. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
/** How much of a bad value an error message repeats. */
const MAX_QUOTED = 80

/** True if `code` is an ISO 3166-1 alpha-2 code or `EU`. */
export function isCountryOrEu (code: unknown): code is string {
  return typeof code === 'string' && (code === 'EU' || COUNTRIES.has(code))
}

/** A field whose value `test` accepts; otherwise a custom issue with `code`. */
function checked<T> (test: (v: unknown) => boolean, code: OrderDocErrorCode, message: string): z.ZodType<T> {
  return z.unknown().superRefine((v, ctx) => {
    if (!test(v)) ctx.addIssue({ code: 'custom', message, params: { code } })
  }).transform(v => v as T) as unknown as z.ZodType<T>
}

const country = checked<string>(isCountryOrEu, OrderDocError.UNKNOWN_COUNTRY, 'must be an ISO 3166-1 alpha-2 code (FR, DE, ...) or EU')
const countries = z.array(country).min(1).max(FILTER_LIMITS.countries)
const certification = checked<string>(
  v => typeof v === 'string' && (CERTIFICATIONS.has(v) || (v.length <= LIMITS.idLength && NAMESPACED.test(v))),
  OrderDocError.UNKNOWN_CERTIFICATION, `must be one of ${[...CERTIFICATIONS].join(', ')}, or x-<org>.<name>`)
const certifications = z.array(certification).max(FILTER_LIMITS.certifications)
const currency = checked<string>(v => typeof v === 'string' && CURRENCIES.has(v), OrderDocError.UNKNOWN_CURRENCY, 'must be an ISO 4217 code such as EUR')
const decimal = checked<string>(isDecimal, OrderDocError.BAD_DECIMAL, 'must be a decimal string such as "900" or "0.05" (up to 12 integer and 9 fraction digits)')
const name = z.string().min(1).max(LIMITS.idLength).regex(NAME, `must match ${NAME.source}`)
const quantity = z.int().min(1)

const maxPrice = z.strictObject({
  amount: decimal,
  currency,
  unit: checked<string>(v => typeof v === 'string' && Object.hasOwn(BILLING_UNITS, v), OrderDocError.BAD_UNIT,
    `must be one of ${Object.keys(BILLING_UNITS).join(', ')}`)
})

const typedItem = z.strictObject({
  name,
  type: checked<string>(v => typeof v === 'string' && v.length <= LIMITS.idLength && isKnownServiceType(v), OrderDocError.UNKNOWN_SERVICE_TYPE,
    `must be one of ${Object.keys(SERVICE_TYPES).join(', ')}, or x-<org>.<name>`),
  quantity,
  countries: countries.optional(),
  minSpecs: z.record(z.string(), z.int().min(0)).refine(r => Object.keys(r).length <= FILTER_LIMITS.minSpecs,
    `at most ${FILTER_LIMITS.minSpecs} specs`).optional(),
  certifications: certifications.optional(),
  jurisdiction: country.optional(),
  maxPrice: maxPrice.optional()
})

const pinnedItem = z.strictObject({
  name,
  offer: z.strictObject({
    provider: checked<string>(isPeerId, OrderDocError.BAD_PROVIDER, 'must be an Ed25519 peer id (12D3KooW...)'),
    id: z.string().min(1).max(LIMITS.idLength)
  }),
  quantity
})

/** The schema of an order document; cross-field rules are checked after it (document.ts). */
export const orderDocumentSchema = z.strictObject({
  version: z.literal(1).optional(),
  items: z.array(z.union([pinnedItem, typedItem])).min(1).max(MAX_DOCUMENT_ITEMS),
  constraints: z.strictObject({
    countries: countries.optional(),
    certifications: certifications.optional(),
    jurisdiction: country.optional(),
    sameJurisdiction: z.boolean().optional(),
    distinctProviders: z.boolean().optional(),
    currency: currency.optional(),
    budget: z.strictObject({
      amount: decimal,
      currency,
      unit: checked<string>(v => BUDGET_UNITS.includes(v as 'hour'), OrderDocError.BAD_UNIT, `must be one of ${BUDGET_UNITS.join(', ')} (a budget is per unit of time)`)
    }).optional()
  }).optional(),
  term: z.strictObject({ months: z.int().min(1).max(MAX_DOCUMENT_TERM_MONTHS), noticeDays: z.int().min(0).max(MAX_NOTICE_DAYS).optional() })
})

type Path = ReadonlyArray<PropertyKey>

/** `['items', 1, 'countries', 0]` -> `items[1].countries[0]`; the empty path is `$`. */
export function formatPath (path: Path): string {
  let out = ''
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`
  return out === '' ? '$' : out
}

function valueAt (root: unknown, path: Path): unknown {
  let v = root
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[key]
  }
  return v
}

function quote (value: unknown): string {
  const s = JSON.stringify(value) ?? String(value)
  return s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s
}

/** Translates zod issues (paths relative to `base` within `root`) into DocIssues. */
export function zodIssues (issues: readonly z.core.$ZodIssue[], root: unknown, base: Path = []): DocIssue[] {
  return issues.flatMap((issue): DocIssue[] => {
    const path = [...base, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(key => ({ code: OrderDocError.UNKNOWN_FIELD, path: formatPath([...path, key]), message: `unknown field ${JSON.stringify(key)}` }))
    }
    if (issue.code === 'invalid_union') {
      // An item is pinned if it has `offer`: report the problems of that form only.
      const pinned = typeof valueAt(root, path) === 'object' && valueAt(root, [...path, 'offer']) !== undefined
      return zodIssues(issue.errors[pinned ? 0 : 1] ?? [], root, path)
    }
    const value = valueAt(root, path)
    const at = formatPath(path)
    if (value === undefined && path.length > 0) return [{ code: OrderDocError.INVALID_FIELD, path: at, message: 'is required' }]
    if (at === 'version') return [{ code: OrderDocError.UNKNOWN_VERSION, path: at, message: `version ${quote(value)} is not supported (only 1)` }]
    const custom = issue.code === 'custom' ? (issue.params as { code?: OrderDocErrorCode } | undefined)?.code : undefined
    return [{ code: custom ?? OrderDocError.INVALID_FIELD, path: at, message: `${issue.message}; got ${quote(value)}` }]
  })
}
