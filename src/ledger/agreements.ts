/**
 * The agreements of one ledger as people read them (`fulcrum ledger list|show`): each agreement
 * with its parties, items, prices, term and state, folded from the entries of the log. Pure: the
 * caller reads the log and passes the time.
 *
 * Terms are shown generically: an order agreement's terms (order-v1) carry `items` (name,
 * provider, offer, quantity, price) and `term`; any other terms are shown as they are.
 */
import type { CanonicalValue } from '../encoding/index.js'
import type { Entry } from './entries.js'

/** Where an agreement stands in this log (protocols/ledger-v1.md §2). */
export type AgreementState = 'active' | 'terminating' | 'terminated'

/** One item of an agreement's terms, as far as the terms name it. */
export interface AgreementItemView {
  name?: string
  provider?: string
  offer?: { id?: string, seq?: number, provider?: string }
  quantity?: number
  price?: { amount?: string, currency?: string, unit?: string }
}

/** A termination or amendment of an agreement found in the log. */
export interface ChangeView {
  id: string
  index: number
  createdAt: number
  /** Terminations: when it takes effect. */
  effectiveAt?: number
  reason?: string
}

/** One agreement of the log, with the entries that change it. */
export interface AgreementView {
  id: string
  /** Position of the agreement entry in the log. */
  index: number
  parties: string[]
  createdAt: number
  items: AgreementItemView[]
  /** The term (e.g. `{ months: 1 }`) if the terms name one. */
  term?: CanonicalValue
  terms: { [key: string]: CanonicalValue }
  state: AgreementState
  /** When it ends (terminating) or ended (terminated). */
  endsAt?: number
  terminations: ChangeView[]
  amendments: ChangeView[]
}

/** A log entry with its position. */
export interface IndexedEntry { index: number, entry: Entry }

/**
 * Folds the entries of a log into its agreements, in log order. Terminations and amendments
 * naming an agreement that is not in this log are ignored (they cannot be shown against it).
 */
export function agreementViews (entries: IndexedEntry[], now: number): AgreementView[] {
  const byId = new Map<string, AgreementView>()
  for (const { index, entry } of entries) {
    const b = entry.body
    if (entry.type === 'agreement') {
      const terms = b.terms ?? {}
      byId.set(b.id, {
        id: b.id, index, parties: b.parties, createdAt: b.createdAt, items: itemsOf(terms), terms,
        ...(terms.term === undefined ? {} : { term: terms.term }),
        state: 'active', terminations: [], amendments: []
      })
      continue
    }
    const target = byId.get(b.agreement ?? '')
    if (target === undefined) continue
    const change: ChangeView = { id: b.id, index, createdAt: b.createdAt }
    if (entry.type === 'termination') {
      change.effectiveAt = b.effectiveAt ?? b.createdAt
      if (b.reason !== undefined) change.reason = b.reason
      target.terminations.push(change)
    } else {
      target.amendments.push(change)
    }
  }
  for (const view of byId.values()) settleState(view, now)
  return [...byId.values()]
}

/** The earliest logged termination decides when the agreement ends. */
function settleState (view: AgreementView, now: number): void {
  const ends = view.terminations.map(t => t.effectiveAt ?? t.createdAt)
  if (ends.length === 0) return
  const endsAt = Math.min(...ends)
  view.endsAt = endsAt
  view.state = endsAt <= now ? 'terminated' : 'terminating'
}

function itemsOf (terms: { [key: string]: CanonicalValue }): AgreementItemView[] {
  const items = terms.items
  if (!Array.isArray(items)) return []
  return items.filter(isMap).map(i => {
    const out: AgreementItemView = {}
    if (typeof i.name === 'string') out.name = i.name
    const offer = isMap(i.offer) ? i.offer : undefined
    const provider = typeof i.provider === 'string' ? i.provider : typeof offer?.provider === 'string' ? offer.provider : undefined
    if (provider !== undefined) out.provider = provider
    if (offer !== undefined) {
      out.offer = {}
      if (typeof offer.id === 'string') out.offer.id = offer.id
      if (typeof offer.seq === 'number') out.offer.seq = offer.seq
      if (typeof offer.provider === 'string') out.offer.provider = offer.provider
    }
    if (typeof i.quantity === 'number') out.quantity = i.quantity
    if (isMap(i.price)) {
      const p = i.price
      out.price = {}
      if (typeof p.amount === 'string') out.price.amount = p.amount
      if (typeof p.currency === 'string') out.price.currency = p.currency
      if (typeof p.unit === 'string') out.price.unit = p.unit
    }
    return out
  })
}

function isMap (v: unknown): v is { [key: string]: CanonicalValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}
