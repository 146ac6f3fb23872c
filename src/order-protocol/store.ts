/**
 * The provider's order store on level: every order it was asked to hold, its status, the capacity
 * it reserves per offer, and hold expiries that survive a restart (protocols/order-v1.md §Provider
 * store).
 *
 * Capacity: an offer's `held` and `committed` units are counters written in the same synced batch
 * as the order's status, so after a crash they match the orders exactly. Reservations run one at a
 * time (an in-process queue): the check `held + committed + asked <= capacity` and the write are one
 * step, so racing customers can never overbook an offer.
 *
 * Buckets (one prefix byte; a number is never reused):
 * - 0x00 'v'                      format version (u8)
 * - 0x01 order id (UTF-8)         the order (canonical CBOR, see {@link ProviderOrder})
 * - 0x02 expiresAt (u64) ‖ id     open holds by expiry (pending and held orders only)
 * - 0x03 offer id (UTF-8)         capacity counters `{ held, committed }` (canonical CBOR)
 */
import { Level } from 'level'
import { FulcrumError } from '../errors/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { OrderShellError } from './errors.js'

/** Where an order stands at this provider. Open: `pending` (awaiting the operator) and `held`. */
export type ProviderOrderStatus = 'pending' | 'held' | 'committed' | 'released' | 'expired' | 'refused'
/** Statuses that reserve capacity until their expiry. */
export const OPEN_STATUSES: readonly ProviderOrderStatus[] = ['pending', 'held']

/** Units of one offer that an order reserves. */
export interface Reservation { offer: string, quantity: number }

/** An order as the provider keeps it. */
export interface ProviderOrder {
  id: string
  customer: string
  status: ProviderOrderStatus
  reservations: Reservation[]
  /** When an open hold lapses (commitBy + grace); a commit arriving later is refused. */
  expiresAt: number
  createdAt: number
  updatedAt: number
  /** The negotiation state machine's own state, opaque to the store. */
  state?: Uint8Array
  /** The final ledger entry (leaf bytes) once committed. */
  entry?: Uint8Array
  /** Why it was refused, released or expired: a stable code. */
  code?: string
}

/** Units of an offer held (open orders) and committed (agreements). */
export interface Usage { held: number, committed: number }

const FORMAT_VERSION = 1
const B = { META: 0x00, ORDER: 0x01, EXPIRY: 0x02, USAGE: 0x03 } as const
/** Largest stored order: an agreement entry is at most 64 KiB, plus the machine state. */
const MAX_RECORD_BYTES = 256 * 1024
const enc = new TextEncoder()
const dec = new TextDecoder()

const key = (bucket: number, rest: Uint8Array): Uint8Array => { const k = new Uint8Array(1 + rest.length); k[0] = bucket; k.set(rest, 1); return k }
const orderKey = (id: string): Uint8Array => key(B.ORDER, enc.encode(id))
const usageKey = (offer: string): Uint8Array => key(B.USAGE, enc.encode(offer))
function expiryKey (at: number, id: string): Uint8Array {
  const idBytes = enc.encode(id)
  const k = new Uint8Array(9 + idBytes.length)
  k[0] = B.EXPIRY
  new DataView(k.buffer).setBigUint64(1, BigInt(Math.max(0, at)))
  k.set(idBytes, 9)
  return k
}

type Op = { type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }

/** See module doc. Open with {@link ProviderStore.open}. */
export class ProviderStore {
  private readonly usageMap = new Map<string, Usage>()
  /** Open orders in memory (bounded by the policy's maxActiveHolds): per-customer counts and expiry sweeps. */
  private readonly open = new Map<string, ProviderOrder>()
  private queue: Promise<unknown> = Promise.resolve()

  private constructor (private readonly db: Level<Uint8Array, Uint8Array>) {}

  /** Opens (creating) the store and loads counters and open holds. Throws `ORDER_STORE_LOCKED`, `ORDER_STORE_IO`, `ORDER_STORE_CORRUPT`. */
  static async open (path: string): Promise<ProviderStore> {
    const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      const locked = (err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
      throw new FulcrumError(locked ? OrderShellError.STORE_LOCKED : OrderShellError.STORE_IO, `cannot open the order store at ${path}`, { cause: err })
    }
    const store = new ProviderStore(db)
    try {
      await store.load()
    } catch (err) {
      await db.close()
      throw err
    }
    return store
  }

  private async load (): Promise<void> {
    const v = await this.db.get(Uint8Array.of(B.META, 0x76))
    if (v !== undefined && v[0] !== FORMAT_VERSION) throw new FulcrumError(OrderShellError.STORE_CORRUPT, `unknown order store format ${String(v[0])}`)
    if (v === undefined) await this.db.put(Uint8Array.of(B.META, 0x76), Uint8Array.of(FORMAT_VERSION), { sync: true })
    for await (const [k, value] of this.db.iterator({ gte: Uint8Array.of(B.USAGE), lt: Uint8Array.of(B.USAGE + 1) })) {
      this.usageMap.set(dec.decode(k.subarray(1)), decodeUsage(value))
    }
    for await (const k of this.db.keys({ gte: Uint8Array.of(B.EXPIRY), lt: Uint8Array.of(B.EXPIRY + 1) })) {
      const order = await this.get(dec.decode(k.subarray(9)))
      if (order !== undefined && OPEN_STATUSES.includes(order.status)) this.open.set(order.id, order)
    }
  }

  /** The order with this id, if the provider was ever asked to hold it. */
  async get (id: string): Promise<ProviderOrder | undefined> {
    const bytes = await this.db.get(orderKey(id))
    return bytes === undefined ? undefined : decodeOrder(bytes)
  }

  /** Orders, newest key order first is not kept: ascending by id, at most `limit`. */
  async list (options: { limit?: number, status?: ProviderOrderStatus } = {}): Promise<ProviderOrder[]> {
    const out: ProviderOrder[] = []
    for await (const value of this.db.values({ gte: Uint8Array.of(B.ORDER), lt: Uint8Array.of(B.ORDER + 1) })) {
      const o = decodeOrder(value)
      if (options.status === undefined || o.status === options.status) out.push(o)
      if (out.length >= (options.limit ?? 1000)) break
    }
    return out
  }

  /** Units held and committed on an offer. */
  usage (offer: string): Usage {
    return { ...(this.usageMap.get(offer) ?? { held: 0, committed: 0 }) }
  }

  /** Open holds in total and of one customer. */
  holdCounts (customer: string): { customer: number, total: number } {
    let mine = 0
    for (const o of this.open.values()) if (o.customer === customer) mine++
    return { customer: mine, total: this.open.size }
  }

  /** Open orders whose hold lapsed at `now`, earliest first. */
  expired (now: number): ProviderOrder[] {
    return [...this.open.values()].filter(o => o.expiresAt <= now).sort((a, b) => a.expiresAt - b.expiresAt)
  }

  /** The earliest expiry among open holds. */
  nextExpiry (): number | undefined {
    let next: number | undefined
    for (const o of this.open.values()) if (next === undefined || o.expiresAt < next) next = o.expiresAt
    return next
  }

  /**
   * Records a new open order (`pending` or `held`) and reserves its units, in one synced batch,
   * after checking every offer's free capacity (`capacity(offer)` units in total). Runs after the
   * reservations queued before it. Throws `ORDER_NO_CAPACITY` (path `reservations[i]`), or
   * `ORDER_STORE_BAD_TRANSITION` if the id is already known.
   */
  async reserve (order: ProviderOrder, capacity: (offer: string) => number): Promise<void> {
    await this.exclusive(async () => {
      if (!OPEN_STATUSES.includes(order.status)) throw new Error('reserve() takes a pending or held order')
      if (await this.db.get(orderKey(order.id)) !== undefined) {
        throw new FulcrumError(OrderShellError.STORE_BAD_TRANSITION, `order ${order.id} is already known`)
      }
      const next = new Map<string, Usage>()
      order.reservations.forEach((r, i) => {
        const u = next.get(r.offer) ?? this.usage(r.offer)
        if (!Number.isSafeInteger(r.quantity) || r.quantity < 1 || u.held + u.committed + r.quantity > capacity(r.offer)) {
          throw new FulcrumError(OrderShellError.NO_CAPACITY,
            `offer ${r.offer}: ${capacity(r.offer) - u.held - u.committed} units free, ${r.quantity} asked`, { path: `reservations[${i}]` })
        }
        next.set(r.offer, { held: u.held + r.quantity, committed: u.committed })
      })
      const ops: Op[] = [{ type: 'put', key: orderKey(order.id), value: encodeOrder(order) }, { type: 'put', key: expiryKey(order.expiresAt, order.id), value: new Uint8Array(0) }]
      for (const [offer, u] of next) ops.push({ type: 'put', key: usageKey(offer), value: encodeUsage(u) })
      await this.db.batch(ops, { sync: true })
      for (const [offer, u] of next) this.usageMap.set(offer, u)
      this.open.set(order.id, order)
    })
  }

  /**
   * Moves an order to `status` in one synced batch, updating the capacity counters: open -> held
   * keeps the reservation, open -> committed moves it from held to committed, open -> released,
   * expired or refused frees it, committed -> released frees committed units (an agreement that
   * ended). Any other move throws `ORDER_STORE_BAD_TRANSITION`; an unknown id `ORDER_STORE_UNKNOWN_ORDER`.
   * Returns the stored order.
   */
  async transition (id: string, status: ProviderOrderStatus, changes: { state?: Uint8Array, entry?: Uint8Array, code?: string, now: number }): Promise<ProviderOrder> {
    return await this.exclusive(async () => {
      const order = await this.get(id)
      if (order === undefined) throw new FulcrumError(OrderShellError.STORE_UNKNOWN_ORDER, `no order ${id}`)
      const from = order.status
      const wasOpen = OPEN_STATUSES.includes(from)
      const allowed = wasOpen ? (from === 'pending' || status !== 'pending') : (from === 'committed' && status === 'released')
      if (!allowed) throw new FulcrumError(OrderShellError.STORE_BAD_TRANSITION, `order ${id} is ${from}, cannot become ${status}`)
      const updated: ProviderOrder = { ...order, status, updatedAt: changes.now }
      if (changes.state !== undefined) updated.state = changes.state
      if (changes.entry !== undefined) updated.entry = changes.entry
      if (changes.code !== undefined) updated.code = changes.code
      const ops: Op[] = [{ type: 'put', key: orderKey(id), value: encodeOrder(updated) }]
      const stillOpen = OPEN_STATUSES.includes(status)
      if (wasOpen && !stillOpen) ops.push({ type: 'del', key: expiryKey(order.expiresAt, id) })
      const next = new Map<string, Usage>()
      for (const r of order.reservations) {
        const u = next.get(r.offer) ?? this.usage(r.offer)
        if (wasOpen && status === 'committed') next.set(r.offer, { held: u.held - r.quantity, committed: u.committed + r.quantity })
        else if (wasOpen && !stillOpen) next.set(r.offer, { held: u.held - r.quantity, committed: u.committed })
        else if (from === 'committed') next.set(r.offer, { held: u.held, committed: u.committed - r.quantity })
      }
      for (const [offer, u] of next) ops.push({ type: 'put', key: usageKey(offer), value: encodeUsage(u) })
      await this.db.batch(ops, { sync: true })
      for (const [offer, u] of next) this.usageMap.set(offer, u)
      if (stillOpen) this.open.set(id, updated)
      else this.open.delete(id)
      return updated
    })
  }

  /** Waits for queued writes, then closes the store. */
  async close (): Promise<void> {
    await this.queue.catch(() => {})
    await this.db.close()
  }

  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => {})
    return await run
  }
}

function encodeOrder (o: ProviderOrder): Uint8Array {
  const m: Record<string, CanonicalValue> = {
    id: o.id, customer: o.customer, status: o.status, reservations: o.reservations.map(r => ({ offer: r.offer, quantity: r.quantity })),
    expiresAt: o.expiresAt, createdAt: o.createdAt, updatedAt: o.updatedAt
  }
  if (o.state !== undefined) m.state = o.state
  if (o.entry !== undefined) m.entry = o.entry
  if (o.code !== undefined) m.code = o.code
  return encodeCanonical(m)
}

function decodeOrder (bytes: Uint8Array): ProviderOrder {
  try {
    const m = decodeCanonical(bytes, MAX_RECORD_BYTES) as ProviderOrder
    if (typeof m.id !== 'string' || typeof m.status !== 'string' || !Array.isArray(m.reservations)) throw new Error('missing fields')
    return m
  } catch (err) {
    throw new FulcrumError(OrderShellError.STORE_CORRUPT, 'a stored order does not decode', { cause: err })
  }
}

function encodeUsage (u: Usage): Uint8Array {
  return encodeCanonical({ held: u.held, committed: u.committed })
}

function decodeUsage (bytes: Uint8Array): Usage {
  try {
    const m = decodeCanonical(bytes, 64) as Usage
    if (!Number.isSafeInteger(m.held) || !Number.isSafeInteger(m.committed)) throw new Error('bad counters')
    return { held: m.held, committed: m.committed }
  } catch (err) {
    throw new FulcrumError(OrderShellError.STORE_CORRUPT, 'stored capacity counters do not decode', { cause: err })
  }
}
