/**
 * The one mapping from error codes to what callers outside the process see: the HTTP status of
 * the control API and the exit code of the CLI. The API server and the CLI both use it, so a code
 * means the same thing everywhere.
 *
 * A code is classified by a *kind*, and the kind decides both numbers. Codes are listed one per
 * line; a code that is not listed falls back to its module's row (`OFFER_` ...), so a module that
 * adds a code gets a sensible answer at once, and a new module (orders) adds one prefix line.
 */

/** CLI exit codes shared by every command. */
export const ExitCode = {
  /** Success; for checks: everything valid. */
  OK: 0,
  /** The command ran and found something invalid (a bad signature, an invalid offer or config, a ledger violation). */
  INVALID: 1,
  /** Usage error, or an I/O or environment error that kept the command from running. */
  ERROR: 2
} as const
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode]

/** What an error means to an outside caller. */
export type ErrorKind =
  /** The request is not well formed (bad JSON shape, unknown field, bad filter or cursor). */
  | 'malformed'
  /** A document (offer, entry, config) that is well formed but invalid: bad signature, expired, unknown vocabulary. */
  | 'invalid'
  /** Bad usage of a command or route: a wrong flag, argument or parameter. */
  | 'usage'
  | 'unauthorized'
  | 'not-found'
  | 'method-not-allowed'
  /** The request contradicts what is stored (a duplicate id, an already initialised directory). */
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  /** Temporarily unable: a store held by another process, a limit reached, a timeout. */
  | 'busy'
  /** A peer failed or misbehaved (a dial, a malformed answer). */
  | 'peer'
  /** A damaged store or data directory: needs an operator (see `fulcrum ledger recover`). */
  | 'damaged'
  /** A bug or an unexpected environment failure. */
  | 'internal'

const KINDS: Readonly<Record<ErrorKind, { http: number, exit: ExitCodeValue }>> = {
  malformed: { http: 400, exit: ExitCode.INVALID },
  invalid: { http: 422, exit: ExitCode.INVALID },
  usage: { http: 400, exit: ExitCode.ERROR },
  unauthorized: { http: 401, exit: ExitCode.ERROR },
  'not-found': { http: 404, exit: ExitCode.ERROR },
  'method-not-allowed': { http: 405, exit: ExitCode.ERROR },
  conflict: { http: 409, exit: ExitCode.ERROR },
  'too-large': { http: 413, exit: ExitCode.ERROR },
  'unsupported-media-type': { http: 415, exit: ExitCode.ERROR },
  busy: { http: 503, exit: ExitCode.ERROR },
  peer: { http: 502, exit: ExitCode.ERROR },
  damaged: { http: 503, exit: ExitCode.ERROR },
  internal: { http: 500, exit: ExitCode.ERROR }
}

/** Codes whose kind differs from their module's default (below). */
const BY_CODE: Readonly<Record<string, ErrorKind>> = {
  API_UNAUTHORIZED: 'unauthorized',
  API_NOT_FOUND: 'not-found',
  API_AMBIGUOUS: 'conflict',
  API_METHOD_NOT_ALLOWED: 'method-not-allowed',
  API_BAD_REQUEST: 'usage',
  API_BODY_TOO_LARGE: 'too-large',
  API_UNSUPPORTED_MEDIA_TYPE: 'unsupported-media-type',
  API_TIMEOUT: 'busy',
  API_UNREACHABLE: 'busy',
  API_NOT_RUNNING: 'busy',
  API_STOP_TIMEOUT: 'busy',
  API_BAD_TOKEN: 'damaged',
  API_LISTEN_FAILED: 'busy',
  OFFER_BAD_FILTER: 'usage',
  OFFER_MALFORMED: 'malformed',
  OFFER_UNKNOWN_FIELD: 'malformed',
  OFFER_UNKNOWN_KIND: 'malformed',
  OFFER_UNKNOWN_VERSION: 'malformed',
  CATALOG_BAD_CURSOR: 'usage',
  CATALOG_BAD_EVIDENCE: 'invalid',
  CATALOG_LOCKED: 'busy',
  CATALOG_CORRUPT: 'damaged',
  LEDGER_BAD_ARGUMENT: 'usage',
  LEDGER_MALFORMED_ENTRY: 'malformed',
  LEDGER_PROTO_CONFLICT: 'conflict',
  LEDGER_PROTO_OUT_OF_RANGE: 'usage',
  LEDGER_PROTO_NOT_FOUND: 'not-found',
  LOG_DUPLICATE_ID: 'conflict',
  LOG_NOT_FOUND: 'not-found',
  LOG_OUT_OF_RANGE: 'usage',
  LOG_LOCKED: 'busy',
  LOG_CLOSED: 'busy',
  LOG_CORRUPT: 'damaged',
  DATADIR_NOT_INITIALISED: 'usage',
  DATADIR_ALREADY_INITIALISED: 'conflict',
  DATADIR_LOCKED: 'busy',
  CONFIG_INVALID: 'invalid',
  NET_BAD_ADDRESS: 'usage',
  NET_BAD_CONFIG: 'usage',
  NET_BUSY: 'busy',
  NET_TIMEOUT: 'busy',
  NET_ABORTED: 'busy',
  INPUT_TOO_LARGE: 'too-large',
  INPUT_BAD_JSON: 'usage',
  INPUT_UNREADABLE: 'usage',
  IDENTITY_BAD_PEER_ID: 'usage',
  ORDER_STORE_UNKNOWN_ORDER: 'not-found',
  ORDER_STORE_BAD_TRANSITION: 'conflict',
  ORDER_BAD_DEADLINE: 'conflict',
  METRICS_LISTEN_FAILED: 'busy',
  CLI_INTERNAL: 'internal',
  ORDER_UNKNOWN_ORDER: 'not-found',
  ORDER_ALREADY_TERMINATED: 'conflict',
  WEB_NOT_BUILT: 'internal',
  WEB_LISTEN_FAILED: 'busy',
  WEB_CONSOLE_UNAUTHORIZED: 'unauthorized',
  WEB_CONSOLE_CROSS_SITE: 'unauthorized',
  WEB_CONSOLE_NOT_PROXIED: 'not-found'
}

/** The default kind of each module's codes, by prefix. */
const BY_PREFIX: Readonly<Record<string, ErrorKind>> = {
  API: 'internal',
  OFFER: 'invalid',
  ORDER: 'invalid',
  CATALOG: 'internal',
  LEDGER_PROTO: 'peer',
  LEDGER: 'invalid',
  AUDIT: 'invalid',
  LOG: 'internal',
  DATADIR: 'damaged',
  CONFIG: 'invalid',
  ENCODING: 'malformed',
  IDENTITY: 'malformed',
  NET: 'peer',
  DISCOVERY: 'peer',
  CLIENT: 'peer',
  CLI: 'usage',
  INPUT: 'usage',
  METRICS: 'usage',
  WEB: 'usage'
}

/** The kind of an error code: its own row, else its module's (longest prefix), else `internal`. */
export function errorKind (code: string): ErrorKind {
  const own = BY_CODE[code]
  if (own !== undefined) return own
  const prefixes = Object.keys(BY_PREFIX).filter(p => code.startsWith(`${p}_`)).sort((a, b) => b.length - a.length)
  return prefixes[0] === undefined ? 'internal' : BY_PREFIX[prefixes[0]] as ErrorKind
}

/** The HTTP status the control API answers for `code`. */
export function httpStatus (code: string): number {
  return KINDS[errorKind(code)].http
}

/** The exit code of a CLI command that failed with `code`. */
export function exitCode (code: string): ExitCodeValue {
  return KINDS[errorKind(code)].exit
}
