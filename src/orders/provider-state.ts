/**
 * The provider's view of orders (protocols/order-v1.md §5.2): one record per order, in one of the
 * statuses below, with the data that status needs; the transitions between them; and capacity
 * accounting over the records. Pure data and functions.
 */
import { FulcrumError } from '../errors/index.js'
import type { EntryBody } from '../ledger/index.js'
import { OrderError } from './errors.js'
import type { OrderState } from './messages.js'
import type { Amount } from './plan.js'

/** Provider-side statuses. Pending, Held and Committed reserve capacity. */
export enum ProviderStatus {
  /** Awaiting the operator's approval (manual approval policy); capacity reserved, nothing signed. */
  Pending = 'pending',
  /** Signed and reserved until `expiresAt`. */
  Held = 'held',
  /** The certificate is in the ledger. Final. */
  Committed = 'committed',
  /** The customer aborted, or the operator refused. Final. */
  Released = 'released',
  /** The deadline passed without a certificate. Final. */
  Expired = 'expired'
}

/** Units of one of this provider's offers taken by an order. */
export interface Line { offer: string, seq: number, quantity: number }

interface Common {
  order: string
  customer: string
  commitBy: number
  /** SHA-256 of the agreement signing bytes: identifies the body without storing it twice. */
  bodyHash: Uint8Array
  /** This provider's items, summed per offer. */
  lines: Line[]
}
/** A provider's durable record of one order; the data differs per status. */
export type ProviderOrder =
  | Common & { status: ProviderStatus.Pending, body: EntryBody, expiresAt: number }
  | Common & { status: ProviderStatus.Held, body: EntryBody, entrySig: Uint8Array, expiresAt: number }
  | Common & { status: ProviderStatus.Committed, body: EntryBody, entry: Uint8Array }
  | Common & { status: ProviderStatus.Released | ProviderStatus.Expired, endedAt: number, code?: string }

/** A held order. */
export type HeldOrder = ProviderOrder & { status: ProviderStatus.Held }

/** A live offer of this provider, as the shell knows it (from its own offer store). */
export interface LiveOffer {
  id: string
  seq: number
  /** SHA-256 of the encoded record. */
  hash: Uint8Array
  price: Amount
  /** Units that can be ordered as of this seq (offer-v1 `capacity`). */
  capacity: number
  /** The offer was withdrawn at this seq. */
  withdrawn?: boolean
}

/** A firm quote given to a customer (volatile: a provider that restarts forgets its quotes and holds at list price only). */
export interface Quote { order: string, customer: string, validUntil: number, prices: Array<{ offer: string, price: Amount }> }

/** Everything a provider machine knows. `orders` is durable (one record each); `quotes` and `queried` are volatile. */
export interface ProviderState {
  readonly self: string
  readonly offers: ReadonlyMap<string, LiveOffer>
  readonly orders: ReadonlyMap<string, ProviderOrder>
  readonly quotes: ReadonlyMap<string, Quote>
  /** When a held order's other parties were last asked for the certificate. */
  readonly queried: ReadonlyMap<string, number>
}

/** A fresh provider state, or the one a restarted provider rebuilds from its stored records. */
export function providerState (self: string, offers: Iterable<LiveOffer> = [], records: Iterable<ProviderOrder> = []): ProviderState {
  return {
    self,
    offers: new Map([...offers].map(o => [o.id, o])),
    orders: new Map([...records].map(r => [r.order, r])),
    quotes: new Map(),
    queried: new Map()
  }
}

/** Throws `ORDER_WRONG_STATUS` unless `rec` is in one of `allowed`. */
export function expectStatus<S extends ProviderStatus> (rec: ProviderOrder | undefined, allowed: readonly S[], transition: string): asserts rec is ProviderOrder & { status: S } {
  if (rec === undefined || !(allowed as readonly ProviderStatus[]).includes(rec.status)) {
    throw new FulcrumError(OrderError.WRONG_STATUS, `${transition}: order is ${rec?.status ?? 'unknown'}, expected ${allowed.join(' or ')}`)
  }
}

type New<T> = Omit<T, 'status'>
/** (none) -> Pending */
export function toPending (prev: ProviderOrder | undefined, data: New<ProviderOrder & { status: ProviderStatus.Pending }>): ProviderOrder {
  if (prev !== undefined) throw new FulcrumError(OrderError.WRONG_STATUS, `toPending: order is ${prev.status}`)
  return { ...data, status: ProviderStatus.Pending }
}
/** (none) | Pending -> Held */
export function toHeld (prev: ProviderOrder | undefined, data: New<HeldOrder>): HeldOrder {
  if (prev !== undefined) expectStatus(prev, [ProviderStatus.Pending], 'toHeld')
  return { ...data, status: ProviderStatus.Held }
}
/** Held -> Committed */
export function toCommitted (prev: ProviderOrder | undefined, entry: Uint8Array): ProviderOrder {
  expectStatus(prev, [ProviderStatus.Held], 'toCommitted')
  const { entrySig: _s, expiresAt: _e, status: _t, ...rest } = prev
  return { ...rest, status: ProviderStatus.Committed, entry }
}
/** Held | Pending -> Released */
export function toReleased (prev: ProviderOrder | undefined, now: number, code?: string): ProviderOrder {
  expectStatus(prev, [ProviderStatus.Held, ProviderStatus.Pending], 'toReleased')
  return ended(prev, ProviderStatus.Released, now, code)
}
/** Held | Pending -> Expired */
export function toExpired (prev: ProviderOrder | undefined, now: number): ProviderOrder {
  expectStatus(prev, [ProviderStatus.Held, ProviderStatus.Pending], 'toExpired')
  return ended(prev, ProviderStatus.Expired, now)
}

function ended (prev: ProviderOrder, status: ProviderStatus.Released | ProviderStatus.Expired, now: number, code?: string): ProviderOrder {
  const rec: ProviderOrder = { status, order: prev.order, customer: prev.customer, commitBy: prev.commitBy, bodyHash: prev.bodyHash, lines: prev.lines, endedAt: now }
  if (code !== undefined) rec.code = code
  return rec
}

/** Units of `offer` taken: by pending and held orders, and by commits made against the live seq. */
export function usedUnits (state: ProviderState, offer: LiveOffer): number {
  let used = 0
  for (const rec of state.orders.values()) {
    const reserving = rec.status === ProviderStatus.Pending || rec.status === ProviderStatus.Held
    for (const l of rec.lines) {
      if (l.offer !== offer.id) continue
      if (reserving || (rec.status === ProviderStatus.Committed && l.seq === offer.seq)) used += l.quantity
    }
  }
  return used
}

/** Units of `offer` still available to a new hold. */
export function availableUnits (state: ProviderState, offer: LiveOffer): number {
  return offer.withdrawn === true ? 0 : Math.max(0, offer.capacity - usedUnits(state, offer))
}

/** How many orders of `customer` reserve capacity now (the policy caps it). */
export function activeHolds (state: ProviderState, customer: string): number {
  let n = 0
  for (const rec of state.orders.values()) {
    if (rec.customer === customer && (rec.status === ProviderStatus.Pending || rec.status === ProviderStatus.Held)) n++
  }
  return n
}

/** The state a status answer reports for a record (or `unknown`). */
export function reportedState (rec: ProviderOrder | undefined): OrderState {
  return rec === undefined ? 'unknown' : rec.status
}
