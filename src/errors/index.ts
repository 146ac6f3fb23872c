/**
 * Typed errors with stable codes.
 *
 * Every failure that bad input, a peer or the environment can cause is a {@link FulcrumError}
 * whose `code` is a stable, documented string (`OFFER_BAD_SIGNATURE`, `LEDGER_PROOF_INVALID`, ...).
 * Callers, the HTTP API, the CLI and the logs branch on and show the code, never the message text.
 * A plain `Error` is reserved for programmer bugs.
 *
 * Each module declares its own codes next to its code (e.g. `offers/errors.ts`), as a `const`
 * object, so a code's meaning is documented where it is raised.
 */
/** Marks every FulcrumError, whichever copy of this module made it (see {@link FulcrumError}). */
const BRAND = Symbol.for('fulcrum-node/FulcrumError')

/**
 * An error with a stable code (see module doc). `instanceof FulcrumError` is true for an error made
 * by any copy of this module: the CLI loads its commands with `import()`, and a runner that loaded
 * the CLI itself through `require` (mocha through tsx) holds two copies of every module.
 */
export class FulcrumError<C extends string = string> extends Error {
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  /** See {@link BRAND}. */
  readonly [BRAND] = true
  /** The stable machine-readable code. */
  readonly code: C
  /** Where in the input the problem is, as a dotted field path (`price.amount`), if known. */
  readonly path: string | undefined

  constructor (code: C, message: string, options: { path?: string, cause?: unknown } = {}) {
    super(options.path === undefined ? message : `${options.path}: ${message}`, { cause: options.cause })
    this.name = 'FulcrumError'
    this.code = code
    this.path = options.path
  }

  /** A JSON form for the API and `--json` output. */
  toJSON (): { code: C, message: string, path?: string } {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path }
  }
}

/** True if `err` is a {@link FulcrumError}, optionally with the given code. */
export function isFulcrumError (err: unknown, code?: string): err is FulcrumError {
  return err instanceof FulcrumError && (code === undefined || err.code === code)
}

/** A short description of any thrown value, for logs and user messages. */
export function describeError (err: unknown): string {
  if (err instanceof FulcrumError) return `${err.code}: ${err.message}`
  if (err instanceof Error) return err.message
  return String(err)
}
