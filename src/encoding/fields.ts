/**
 * Field readers for decoded protocol messages: the one set of shape checks every Fulcrum protocol
 * (discovery-v1, ledger-v1, order-v1) uses. Each protocol binds them to its own bad-message code
 * with {@link fieldReader}, so a malformed field fails with that protocol's stable code and the
 * field's path (`items[2].offer.id`), and no protocol keeps a copy of these checks.
 */
import { expectMap, throwBadMessage } from './message.js'

/** Shape checks bound to one protocol's bad-message code. Each returns the value or throws. */
export interface FieldReader {
  /** The protocol's bad-message code. */
  readonly code: string
  /** Throws the protocol's bad-message error at `path`. */
  bad: (path: string, why: string) => never
  /** A map (plain object, not an array or bytes). */
  map: (v: unknown, path: string) => Record<string, unknown>
  /** A map with no keys besides `allowed`. */
  strictMap: (v: unknown, path: string, allowed: readonly string[]) => Record<string, unknown>
  /** An array of at most `max` elements, each read by `item` (with path `path[i]`). */
  list: <T>(v: unknown, path: string, max: number, item: (x: unknown, p: string) => T) => T[]
  /** An array of at most `max` elements, unread. */
  array: (v: unknown, path: string, max: number) => unknown[]
  /** A string of at most `max` UTF-16 code units. */
  str: (v: unknown, path: string, max: number) => string
  /** An unsigned safe integer. */
  uint: (v: unknown, path: string) => number
  /** A boolean. */
  bool: (v: unknown, path: string) => boolean
  /** A byte string: exactly `length` bytes if given, at most `max` bytes. */
  bytes: (v: unknown, path: string, length?: number, max?: number) => Uint8Array
  /** One of the `allowed` strings. */
  oneOf: <T extends string>(v: unknown, path: string, allowed: readonly T[]) => T
  /** `undefined` if absent, else `read(v, path)`. */
  optional: <T>(v: unknown, path: string, read: (x: unknown, p: string) => T) => T | undefined
}

/** The field readers of a protocol whose malformed messages fail with `code`. */
export function fieldReader (code: string): FieldReader {
  const bad = (path: string, why: string): never => throwBadMessage(code, path, why)
  const array = (v: unknown, path: string, max: number): unknown[] => {
    if (!Array.isArray(v)) return bad(path, 'expected an array')
    if (v.length > max) return bad(path, `more than ${max} elements`)
    return v
  }
  const map = (v: unknown, path: string): Record<string, unknown> => expectMap(code, v, path)
  return {
    code,
    bad,
    map,
    strictMap (v, path, allowed) {
      const m = map(v, path)
      for (const k of Object.keys(m)) if (!allowed.includes(k)) bad(path === '$' ? k : `${path}.${k}`, 'unknown field')
      return m
    },
    list: (v, path, max, item) => array(v, path, max).map((x, i) => item(x, `${path}[${i}]`)),
    array,
    str (v, path, max) {
      if (typeof v !== 'string') return bad(path, 'expected a string')
      if (v.length > max) return bad(path, `longer than ${max}`)
      return v
    },
    uint (v, path) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return bad(path, 'expected an unsigned integer')
      return v
    },
    bool (v, path) {
      if (typeof v !== 'boolean') return bad(path, 'expected a boolean')
      return v
    },
    bytes (v, path, length, max = Infinity) {
      if (!(v instanceof Uint8Array)) return bad(path, 'expected bytes')
      if (length !== undefined && v.length !== length) return bad(path, `expected ${length} bytes`)
      if (v.length > max) return bad(path, `more than ${max} bytes`)
      return v
    },
    oneOf (v, path, allowed) {
      if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) return bad(path, `expected one of ${allowed.join(', ')}`)
      return v as never
    },
    optional: (v, path, read) => v === undefined ? undefined : read(v, path)
  }
}
