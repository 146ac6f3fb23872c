/**
 * Stable error codes of order documents (`ORDER_DOC_*`) and of planning (`ORDER_PLAN_*`)
 * (protocols/order-v1.md §1.6 and §2.7). They live apart from the negotiation's codes in
 * `errors.ts` so that both can grow without touching each other.
 */
import { FulcrumError } from '../errors/index.js'

/** Codes of order documents and of the planner. */
export const OrderDocError = {
  /** A field has the wrong type, is missing, or is out of range; `path` names it. */
  INVALID_FIELD: 'ORDER_DOC_INVALID_FIELD',
  /** An object holds a field order-v1 does not define; `path` names it. */
  UNKNOWN_FIELD: 'ORDER_DOC_UNKNOWN_FIELD',
  /** `version` is not one this implementation knows. */
  UNKNOWN_VERSION: 'ORDER_DOC_UNKNOWN_VERSION',
  /** A service type is neither in the offer-v1 vocabulary nor a namespaced `x-<org>.<name>`. */
  UNKNOWN_SERVICE_TYPE: 'ORDER_DOC_UNKNOWN_SERVICE_TYPE',
  /** A country or jurisdiction is neither an ISO 3166-1 alpha-2 code nor `EU`. */
  UNKNOWN_COUNTRY: 'ORDER_DOC_UNKNOWN_COUNTRY',
  /** A certification is neither in the offer-v1 vocabulary nor namespaced. */
  UNKNOWN_CERTIFICATION: 'ORDER_DOC_UNKNOWN_CERTIFICATION',
  /** A currency is not an ISO 4217 code. */
  UNKNOWN_CURRENCY: 'ORDER_DOC_UNKNOWN_CURRENCY',
  /** A price or budget unit is not one the field allows. */
  BAD_UNIT: 'ORDER_DOC_BAD_UNIT',
  /** An amount is not an offer-v1 decimal string. */
  BAD_DECIMAL: 'ORDER_DOC_BAD_DECIMAL',
  /** A pinned offer's provider is not an Ed25519 peer id. */
  BAD_PROVIDER: 'ORDER_DOC_BAD_PROVIDER',
  /** A `minSpecs` key is not a numeric spec of the item's service type. */
  UNKNOWN_SPEC: 'ORDER_DOC_UNKNOWN_SPEC',
  /** Two items have the same name. */
  DUPLICATE_NAME: 'ORDER_DOC_DUPLICATE_NAME',
  /** Two parts of the document contradict each other (so no offer could ever satisfy both). */
  CONFLICT: 'ORDER_DOC_CONFLICT',

  /** An item has no offer meeting its own criteria and the order's per-item constraints. */
  PLAN_NO_CANDIDATE: 'ORDER_PLAN_NO_CANDIDATE',
  /** A pinned offer is not among the live, verified offers. */
  PLAN_PINNED_NOT_FOUND: 'ORDER_PLAN_PINNED_NOT_FOUND',
  /** No currency is offered for every item (or the fixed one is not). */
  PLAN_NO_COMMON_CURRENCY: 'ORDER_PLAN_NO_COMMON_CURRENCY',
  /** Several currencies would do and the document fixes none: prices are never converted. */
  PLAN_CURRENCY_AMBIGUOUS: 'ORDER_PLAN_CURRENCY_AMBIGUOUS',
  /** `sameJurisdiction`: no jurisdiction is offered for every item. */
  PLAN_NO_COMMON_JURISDICTION: 'ORDER_PLAN_NO_COMMON_JURISDICTION',
  /** `distinctProviders`: the items cannot each get their own provider. */
  PLAN_DISTINCT_PROVIDERS: 'ORDER_PLAN_DISTINCT_PROVIDERS',
  /** Items that share an offer need more units than it has. */
  PLAN_CAPACITY: 'ORDER_PLAN_CAPACITY',
  /** The cheapest combination meeting every other constraint costs more than the budget. */
  PLAN_OVER_BUDGET: 'ORDER_PLAN_OVER_BUDGET',
  /** The search hit its node limit before finding any combination. */
  PLAN_SEARCH_LIMIT: 'ORDER_PLAN_SEARCH_LIMIT'
} as const
export type OrderDocErrorCode = typeof OrderDocError[keyof typeof OrderDocError]

/** One problem in an order document. */
export interface DocIssue {
  code: OrderDocErrorCode
  /** Field path such as `items[1].countries[0]`, or `$` for the whole document. */
  path: string
  message: string
}

/**
 * An invalid order document: `code` and `path` are the first issue's, `issues` lists all of them
 * (sorted by path, order-v1 §1.5) so that a user fixes a file in one round.
 */
export class OrderDocumentError extends FulcrumError<OrderDocErrorCode> {
  readonly issues: DocIssue[]

  constructor (issues: DocIssue[]) {
    const first = issues[0]
    if (first === undefined) throw new Error('OrderDocumentError needs at least one issue')
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : ''
    super(first.code, `${first.message}${more}`, { path: first.path })
    this.name = 'OrderDocumentError'
    this.issues = issues
  }
}
