/** Error codes of the local control API (protocols: see src/api/index.ts for the routes). */
export const ApiError = {
  /** Missing or wrong bearer token. HTTP 401. */
  UNAUTHORIZED: 'API_UNAUTHORIZED',
  /** No such route or resource. HTTP 404. */
  NOT_FOUND: 'API_NOT_FOUND',
  /** The route exists but not with this method. HTTP 405. */
  METHOD_NOT_ALLOWED: 'API_METHOD_NOT_ALLOWED',
  /** The body is not JSON, or not of the expected shape. HTTP 400. */
  BAD_REQUEST: 'API_BAD_REQUEST',
  /** The body exceeds the size limit. HTTP 413. */
  BODY_TOO_LARGE: 'API_BODY_TOO_LARGE',
  /** The request took longer than the limit. HTTP 503. */
  TIMEOUT: 'API_TIMEOUT',
  /** An unexpected failure in the daemon. HTTP 500. */
  INTERNAL: 'API_INTERNAL',
  /** (server) The API cannot listen on its port (in use, no permission). */
  LISTEN_FAILED: 'API_LISTEN_FAILED',
  /** (client) No daemon answers at the address in the data dir's api.json. */
  UNREACHABLE: 'API_UNREACHABLE',
  /** (client) No api.json in the data dir: the daemon is not running. */
  NOT_RUNNING: 'API_NOT_RUNNING'
} as const
export type ApiErrorCode = typeof ApiError[keyof typeof ApiError]

/** HTTP status of each code; codes of other modules (OFFER_*, ...) are 422. */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  [ApiError.UNAUTHORIZED]: 401,
  [ApiError.NOT_FOUND]: 404,
  [ApiError.METHOD_NOT_ALLOWED]: 405,
  [ApiError.BAD_REQUEST]: 400,
  [ApiError.BODY_TOO_LARGE]: 413,
  [ApiError.TIMEOUT]: 503,
  [ApiError.INTERNAL]: 500,
  ORDER_STORE_UNKNOWN_ORDER: 404,
  ORDER_STORE_BAD_TRANSITION: 409,
  ORDER_BAD_DEADLINE: 409
}
