/** Error codes of the local control API (routes: src/api/server.ts; HTTP status of each: errors/status.ts). */
export const ApiError = {
  /** Missing or wrong bearer token. HTTP 401. */
  UNAUTHORIZED: 'API_UNAUTHORIZED',
  /** No such route or resource. HTTP 404. */
  NOT_FOUND: 'API_NOT_FOUND',
  /** An id names several resources (an offer id used by several providers): say which. HTTP 409. */
  AMBIGUOUS: 'API_AMBIGUOUS',
  /** The route exists but not with this method. HTTP 405. */
  METHOD_NOT_ALLOWED: 'API_METHOD_NOT_ALLOWED',
  /** The body is not JSON, or not of the expected shape. HTTP 400. */
  BAD_REQUEST: 'API_BAD_REQUEST',
  /** A request with a body that is not `Content-Type: application/json`. HTTP 415. */
  UNSUPPORTED_MEDIA_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
  /** The body exceeds the size limit. HTTP 413. */
  BODY_TOO_LARGE: 'API_BODY_TOO_LARGE',
  /** The request took longer than the limit. HTTP 503. */
  TIMEOUT: 'API_TIMEOUT',
  /** An unexpected failure in the daemon. HTTP 500. */
  INTERNAL: 'API_INTERNAL',
  /** (server) The API token is empty or too short: it would let any local process in. */
  BAD_TOKEN: 'API_BAD_TOKEN',
  /** (server) The API cannot listen on its port (in use, no permission). */
  LISTEN_FAILED: 'API_LISTEN_FAILED',
  /** (client) No daemon answers at the address in the data dir's api.json. */
  UNREACHABLE: 'API_UNREACHABLE',
  /** (client) `fulcrum stop`: the daemon did not exit in time after it was asked to stop. */
  STOP_TIMEOUT: 'API_STOP_TIMEOUT',
  /** (client) No api.json in the data dir (or its process is gone): the daemon is not running. */
  NOT_RUNNING: 'API_NOT_RUNNING'
} as const
export type ApiErrorCode = typeof ApiError[keyof typeof ApiError]
