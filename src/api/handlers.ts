/**
 * The handlers of the route table: each turns a checked request (routes.ts) into a call of the
 * backend and its answer. Missing resources become API_NOT_FOUND here; everything else the
 * backend throws keeps its own code.
 */
import { FulcrumError } from '../errors/index.js'
import { ApiError } from './errors.js'
import type { ApiBackend } from './backend.js'
import type { RouteHandlers } from './routes.js'
import { DEFAULT_PAGE_LIMIT } from './schemas.js'

/** Throws API_NOT_FOUND for a missing `value`. */
function found<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new FulcrumError(ApiError.NOT_FOUND, `no ${what} at this node`)
  return value
}

/** The handlers over `backend`; `openApi` is the document served at /v1/openapi.json. */
export function routeHandlers (backend: ApiBackend, openApi: () => Record<string, unknown>): RouteHandlers {
  const page = (q: { limit?: number | undefined, cursor?: string | undefined }): { limit: number, cursor?: string } =>
    ({ limit: q.limit ?? DEFAULT_PAGE_LIMIT, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) })
  return {
    getHealth: async () => ({ status: 'ok' }),
    getOpenApi: async () => openApi(),
    getStatus: async () => await backend.status(),
    stopNode: async () => ({ status: 'stopping', ...backend.requestStop() }),
    listPeers: async () => ({ peers: await backend.peers() }),
    listOwnOffers: async () => ({ offers: await backend.ownOffers() }),
    publishOffer: async ({ body }) => await backend.publish(body),
    getOffer: async ({ params, query }) => found(await backend.offer(params.id, query.provider), `offer ${JSON.stringify(params.id)}`),
    withdrawOffer: async ({ params }) => found(await backend.withdraw(params.id), `offer ${JSON.stringify(params.id)} of this node`),
    search: async ({ body }) => await backend.search(body.filter ?? {}, body.limit, body.cursor),
    listOrders: async ({ query }) => await backend.orders({ ...page(query), ...(query.status === undefined ? {} : { status: query.status }) }),
    listApprovals: async ({ query }) => await backend.orders({ ...page(query), status: 'pending' }),
    getOrder: async ({ params }) => found(await backend.order(params.id), `order ${JSON.stringify(params.id)}`),
    approveOrder: async ({ params }) => await backend.decideOrder(params.id, true),
    refuseOrder: async ({ params }) => await backend.decideOrder(params.id, false),
    terminateOrder: async ({ params, body }) => await backend.terminateOrder(params.id, body),
    getCheckpoint: async () => await backend.checkpoint(),
    listEntries: async ({ query }) => await backend.entries(query.start ?? 0, query.limit ?? DEFAULT_PAGE_LIMIT),
    appendEntry: async ({ body }) => await backend.appendEntry(body),
    inclusionProof: async ({ query }) => {
      if ((query.index === undefined) === (query.id === undefined)) throw new FulcrumError(ApiError.BAD_REQUEST, 'give exactly one of index and id')
      return await backend.inclusionProof(query.index === undefined ? { id: query.id as string } : { index: query.index }, query.size)
    },
    consistencyProof: async ({ query }) => await backend.consistencyProof(query.size1, query.size2),
    listAgreements: async ({ query }) => await backend.agreements(query.start ?? 0, query.limit ?? DEFAULT_PAGE_LIMIT),
    getAgreement: async ({ params }) => found(await backend.agreement(params.id), `agreement ${JSON.stringify(params.id)}`)
  }
}
