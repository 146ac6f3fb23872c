/**
 * String interning for records held in memory. A decoded record has its own copy of every
 * string, yet most of them repeat across offers: the provider's peer id, terms URL and hash and
 * addresses across its offers, service types, countries, currencies, units, certifications, spec
 * values and common prices across all. Sharing one copy of each saves several hundred bytes per
 * offer in a catalog of millions. Only the offer id is left alone (unique per provider).
 */

/** Most distinct strings kept: a hostile mix of unique values cannot grow the table beyond it. */
export const MAX_INTERNED = 200_000
/** Longer strings are left alone (rarely shared, and the table should stay small). */
const MAX_LENGTH = 256

/** A bounded table of shared strings. */
export class Interner {
  private readonly table = new Map<string, string>()

  /** The shared copy of `s` (`s` itself the first time, or when the table is full). */
  string (s: string): string {
    if (s.length > MAX_LENGTH) return s
    const held = this.table.get(s)
    if (held !== undefined) return held
    if (this.table.size >= MAX_INTERNED) return s
    this.table.set(s, s)
    return s
  }

  /** Replaces, in place, every string inside `value` except the values of fields named in `skip`. */
  deep (value: unknown, skip: ReadonlySet<string>): void {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v = value[i] as unknown
        if (typeof v === 'string') value[i] = this.string(v)
        else if (typeof v === 'object' && v !== null) this.deep(v, skip)
      }
      return
    }
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return
    const o = value as Record<string, unknown>
    for (const k of Object.keys(o)) {
      if (skip.has(k)) continue
      const v = o[k]
      if (typeof v === 'string') o[k] = this.string(v)
      else if (typeof v === 'object' && v !== null) this.deep(v, skip)
    }
  }
}
