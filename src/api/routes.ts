/**
 * The route table of the control API: the one source for what is served. Each route declares its
 * method, path (OpenAPI template), whether it needs the bearer token, the zod schemas of its path
 * parameters, query and body, its success status and answer schema, and the error codes it may
 * answer besides the common ones. The router (router.ts) checks requests with these schemas, the
 * handlers (handlers.ts) are typed by them, and the OpenAPI document (openapi.ts,
 * protocols/api-v1.openapi.json) is generated from them.
 */
import { z } from 'zod'
import { OfferError } from '../offers/errors.js'
import { LedgerError } from '../ledger/errors.js'
import { LogError } from '../log/errors.js'
import { ApiError } from './errors.js'
import * as S from './schemas.js'

/** One route (see module doc). */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE'
  /** OpenAPI path template: `/v1/offers/{id}`. */
  path: string
  /** Needs `Authorization: Bearer <api-token>`. */
  auth: boolean
  summary: string
  description?: string
  params?: z.ZodObject
  query?: z.ZodObject
  body?: z.ZodType
  /** Code of a body that fails `body` (default API_BAD_REQUEST), by first path segment ('' = any other). */
  bodyErrors?: Readonly<Record<string, string>>
  status: number
  response: z.ZodType
  /** Codes this route may answer besides the common ones (router.ts `commonErrors`). */
  errors: readonly string[]
}

const ID = z.strictObject({ id: S.idString })
const PAGE = { limit: S.queryLimit.optional(), cursor: S.idString.optional() }
const ORDER_ERRORS = ['ORDER_STORE_UNKNOWN_ORDER', 'ORDER_STORE_BAD_TRANSITION'] as const

/** Every route, by operation id (see module doc). Literal paths come before templates that would match them. */
export const ROUTES = {
  getHealth: {
    method: 'GET', path: '/health', auth: false, status: 200, response: S.HEALTH, errors: [],
    summary: 'Liveness: answers while the daemon runs. Needs no token and tells nothing else.'
  },
  getOpenApi: {
    method: 'GET', path: '/v1/openapi.json', auth: false, status: 200, response: z.record(z.string(), z.unknown()), errors: [],
    summary: 'This document (the same for every node: it holds nothing secret).'
  },
  getStatus: {
    method: 'GET', path: '/v1/status', auth: true, status: 200, response: S.STATUS, errors: [],
    summary: 'The node: peer id, addresses, peers, offers known and own, orders by status, ledger size and checkpoint, uptime.'
  },
  stopNode: {
    method: 'POST', path: '/v1/stop', auth: true, status: 202, response: S.STOPPING, errors: [],
    summary: 'Stops the daemon cleanly after answering (as SIGTERM does); `fulcrum stop` then waits for the process to exit.'
  },
  listPeers: {
    method: 'GET', path: '/v1/peers', auth: true, status: 200, response: z.strictObject({ peers: z.array(S.PEER) }), errors: [],
    summary: 'Connected peers.'
  },
  listOwnOffers: {
    method: 'GET', path: '/v1/offers', auth: true, status: 200, response: z.strictObject({ offers: z.array(S.RECORD) }), errors: [],
    summary: 'The node\'s own live offers.'
  },
  publishOffer: {
    method: 'POST', path: '/v1/offers', auth: true, status: 201, body: S.OFFER_INPUT, bodyErrors: { '': OfferError.MALFORMED },
    response: S.PUBLISH_RESULT, errors: ['OFFER_*'],
    summary: 'Publishes an offer: a draft (signed with the node\'s key) or a signed record of this node; gossips it.'
  },
  getOffer: {
    method: 'GET', path: '/v1/offers/{id}', auth: true, status: 200, params: ID,
    query: z.strictObject({ provider: S.idString.optional() }),
    response: z.strictObject({ record: S.RECORD, own: z.boolean() }), errors: [ApiError.NOT_FOUND, ApiError.AMBIGUOUS],
    summary: 'One offer (or withdrawal) of the local catalog: the node\'s own first; `provider` picks one when several providers use the id.'
  },
  withdrawOffer: {
    method: 'DELETE', path: '/v1/offers/{id}', auth: true, status: 200, params: ID, response: S.PUBLISH_RESULT, errors: [ApiError.NOT_FOUND, 'OFFER_*'],
    summary: 'Withdraws one of the node\'s offers (signs and gossips a withdrawal).'
  },
  search: {
    method: 'POST', path: '/v1/search', auth: true, status: 200, body: S.SEARCH_BODY, bodyErrors: { filter: OfferError.BAD_FILTER },
    response: S.SEARCH_PAGE, errors: [OfferError.BAD_FILTER, 'CATALOG_BAD_CURSOR'],
    summary: 'A page of the live offers of the local catalog matching a filter; `nextCursor` asks for the next page.'
  },
  listOrders: {
    method: 'GET', path: '/v1/orders', auth: true, status: 200, response: S.ORDER_PAGE, errors: [],
    query: z.strictObject({ status: z.enum(S.ORDER_STATUSES).optional(), ...PAGE }),
    summary: 'Orders this provider was asked to hold, ascending by id, a page at a time (`cursor` = the last id of the previous page).'
  },
  listApprovals: {
    method: 'GET', path: '/v1/orders/approvals', auth: true, status: 200, response: S.ORDER_PAGE, errors: [],
    query: z.strictObject(PAGE),
    summary: 'Holds waiting for the operator (manual approval policy).'
  },
  getOrder: {
    method: 'GET', path: '/v1/orders/{id}', auth: true, status: 200, params: ID, response: S.ORDER, errors: [ApiError.NOT_FOUND],
    summary: 'One order with its agreement body.'
  },
  approveOrder: {
    method: 'POST', path: '/v1/orders/{id}/approve', auth: true, status: 200, params: ID, response: S.ORDER, errors: ORDER_ERRORS,
    summary: 'Approves a pending hold.'
  },
  refuseOrder: {
    method: 'POST', path: '/v1/orders/{id}/refuse', auth: true, status: 200, params: ID, response: S.ORDER, errors: ORDER_ERRORS,
    summary: 'Refuses a pending hold.'
  },
  terminateOrder: {
    method: 'POST', path: '/v1/orders/{id}/terminate', auth: true, status: 200, params: ID, body: S.TERMINATE_BODY, response: S.TERMINATION,
    errors: ['ORDER_UNKNOWN_ORDER', 'ORDER_ALREADY_TERMINATED'],
    summary: 'Terminates a committed agreement as this provider with at least `notice` days (the terms\' minimum applies if longer): ' +
      'signed, sent to every other party; answers once they answered (protocols/order-v1.md §5.3). A light-client customer stays in `waitingFor` until it pulls.'
  },
  getCheckpoint: {
    method: 'GET', path: '/v1/ledger/checkpoint', auth: true, status: 200, response: S.CHECKPOINT, errors: [],
    summary: 'The ledger\'s latest signed checkpoint, with the cosignatures collected for it.'
  },
  listEntries: {
    method: 'GET', path: '/v1/ledger/entries', auth: true, status: 200, response: S.ENTRY_PAGE, errors: [LogError.OUT_OF_RANGE],
    query: z.strictObject({ start: S.queryInt.optional(), limit: S.queryLimit.optional() }),
    summary: 'A page of ledger entries from `start` (default 0); `next` is the start of the next page.'
  },
  appendEntry: {
    method: 'POST', path: '/v1/ledger/entries', auth: true, status: 201, body: S.ENTRY_INPUT, bodyErrors: { '': LedgerError.MALFORMED_ENTRY },
    response: S.APPEND_RESULT, errors: ['LEDGER_*', LogError.DUPLICATE_ID],
    summary: 'Appends a signed agreement entry and asks the other parties to cosign the new checkpoint.'
  },
  inclusionProof: {
    method: 'GET', path: '/v1/ledger/proofs/inclusion', auth: true, status: 200, response: S.INCLUSION_PROOF, errors: [LogError.OUT_OF_RANGE, LogError.NOT_FOUND],
    query: z.strictObject({ index: S.queryInt.optional(), id: S.idString.optional(), size: S.queryInt.optional() }),
    summary: 'Inclusion proof of the entry at `index` (or of the document `id`) in the tree of `size` (default: the current size).'
  },
  consistencyProof: {
    method: 'GET', path: '/v1/ledger/proofs/consistency', auth: true, status: 200, response: S.CONSISTENCY_PROOF, errors: [LogError.OUT_OF_RANGE],
    query: z.strictObject({ size1: S.queryInt, size2: S.queryInt.optional() }),
    summary: 'Consistency proof from the tree of `size1` to that of `size2` (default: the current size); 0 < size1 <= size2.'
  },
  listAgreements: {
    method: 'GET', path: '/v1/ledger/agreements', auth: true, status: 200, response: S.AGREEMENT_PAGE, errors: [],
    query: z.strictObject({ start: S.queryInt.optional(), limit: S.queryLimit.optional() }),
    summary: 'The agreements of the ledger in log order with their state, from position `start` of that list.'
  },
  getAgreement: {
    method: 'GET', path: '/v1/ledger/agreements/{id}', auth: true, status: 200, params: ID, response: S.AGREEMENT, errors: [ApiError.NOT_FOUND],
    summary: 'One agreement with its terminations and amendments.'
  }
} as const satisfies Record<string, RouteSpec>

/** The operation id of a route. */
export type RouteId = keyof typeof ROUTES

type Out<R, K extends string> = R extends { [P in K]: infer T } ? (T extends z.ZodType ? z.output<T> : undefined) : undefined

/** What a handler receives: parameters, query and body as the route's schemas output them. */
export interface RouteInput<R> {
  params: Out<R, 'params'>
  query: Out<R, 'query'>
  body: Out<R, 'body'>
}

/** One handler per route, typed by the route's schemas. */
export type RouteHandlers = {
  [K in RouteId]: (input: RouteInput<typeof ROUTES[K]>) => Promise<z.input<typeof ROUTES[K]['response']>>
}
