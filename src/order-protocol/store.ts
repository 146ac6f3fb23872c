/**
 * The provider's order store on level: every order it was asked to hold, its status, the capacity
 * it reserves per offer, and hold expiries that survive a restart (protocols/order-v1.md §Provider
 * store).
 *
 * Capacity: an offer's `held` and `committed` units are counters written in the same synced batch
 * as the order's status, so after a crash they match the orders exactly. The store decides nothing:
 * the provider state machine (src/orders/provider.ts), driven one step at a time by
 * src/order-protocol/driver.ts, checks capacity and chooses every transition; the store keeps them.
 *
 * Buckets (one prefix byte; a number is never reused):
 * - 0x00 'v'                      format version (u8)
 * - 0x01 order id (UTF-8)         the order (canonical CBOR, see {@link ProviderOrder})
 * - 0x02 expiresAt (u64) ‖ id     open holds by expiry (pending and held orders only)
 * - 0x03 offer id (UTF-8)         capacity counters `{ held, committed }` (canonical CBOR)
 * - 0x04 agreement ‖ 0x00 ‖ id    terminations of committed agreements (termination-records.ts)
 */
import type { Store } from '../storage/index.js'
import { FulcrumError } from '../errors/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { openStore } from '../storage/index.js'
import type { TerminationRecord } from '../orders/index.js'
import { OrderShellError } from './errors.js'
import { listTerminations, putTermination } from './termination-records.js'

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
  /** The negotiation state machine's record of the order (canonical CBOR), opaque to the store. */
  state?: Uint8Array
  /** The final ledger entry (leaf bytes) once committed. */
  entry?: Uint8Array
  /** Why it was refused, released or expired: a stable code. */
  code?: string
}

/** Units of an offer held (open orders) and committed (agreements). */
export interface Usage { held: number, committed: number }

const FORMAT_VERSION = 1
const B = { META: 0x00, ORDER: 0x01, EXPIRY: 0x02, USAGE: 0x03, TERMINATION: 0x04 } as const
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

/** How a failure to open this store is reported (storage/: locked, damaged, unreadable). */
const STORE_CODES = { locked: OrderShellError.STORE_LOCKED, corrupt: OrderShellError.STORE_CORRUPT, io: OrderShellError.STORE_IO }
export class ProviderStore {
  private readonly usageMap = new Map<string, Usage>()
  private queue: Promise<unknown> = Promise.resolve()

  private constructor (private readonly db: Store) {}

  /** Opens (creating) the store and loads counters and open holds. Throws `ORDER_STORE_LOCKED`, `ORDER_STORE_IO`, `ORDER_STORE_CORRUPT`. */
  static async open (path: string): Promise<ProviderStore> {
    const db = await openStore(path, { codes: STORE_CODES, name: 'the order store' })
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
  }

  /** The order with this id, if the provider was ever asked to hold it. */
  async get (id: string): Promise<ProviderOrder | undefined> {
    const bytes = await this.db.get(orderKey(id))
    return bytes === undefined ? undefined : decodeOrder(bytes)
  }

  /** Orders ascending by id, at most `limit`, after the id `after` if given (a page's last id: the API pages with it). */
  async list (options: { limit?: number, status?: ProviderOrderStatus, after?: string } = {}): Promise<ProviderOrder[]> {
    const out: ProviderOrder[] = []
    const from = options.after === undefined ? { gte: Uint8Array.of(B.ORDER) } : { gt: orderKey(options.after) }
    for await (const value of this.db.values({ ...from, lt: Uint8Array.of(B.ORDER + 1) })) {
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

  /**
   * Writes an order (new or changed) in one synced batch with its capacity counters and expiry
   * index. The negotiation machine decides every transition (src/orders/provider.ts); the store
   * only keeps what it decided, so the counters always match the stored orders.
   */
  async put (order: ProviderOrder): Promise<void> {
    await this.exclusive(async () => {
      const old = await this.get(order.id)
      const ops: Op[] = [{ type: 'put', key: orderKey(order.id), value: encodeOrder(order) }]
      if (old !== undefined && OPEN_STATUSES.includes(old.status)) ops.push({ type: 'del', key: expiryKey(old.expiresAt, old.id) })
      if (OPEN_STATUSES.includes(order.status)) ops.push({ type: 'put', key: expiryKey(order.expiresAt, order.id), value: new Uint8Array(0) })
      const next = this.counters(old, order)
      for (const [offer, u] of next) ops.push({ type: 'put', key: usageKey(offer), value: encodeUsage(u) })
      await this.db.batch(ops, { sync: true })
      for (const [offer, u] of next) this.usageMap.set(offer, u)
    })
  }

  /** Forgets an ended order (its units were freed when it ended). */
  async remove (id: string): Promise<void> {
    await this.exclusive(async () => {
      const old = await this.get(id)
      if (old === undefined) return
      const ops: Op[] = [{ type: 'del', key: orderKey(id) }]
      if (OPEN_STATUSES.includes(old.status)) ops.push({ type: 'del', key: expiryKey(old.expiresAt, id) })
      const next = this.counters(old, undefined)
      for (const [offer, u] of next) ops.push({ type: 'put', key: usageKey(offer), value: encodeUsage(u) })
      await this.db.batch(ops, { sync: true })
      for (const [offer, u] of next) this.usageMap.set(offer, u)
    })
  }

  /** Every stored order (a restarted provider rebuilds its machine from them). */
  async all (): Promise<ProviderOrder[]> {
    const out: ProviderOrder[] = []
    for await (const value of this.db.values({ gte: Uint8Array.of(B.ORDER), lt: Uint8Array.of(B.ORDER + 1) })) out.push(decodeOrder(value))
    return out
  }

  /** Writes a termination record (synced). */
  async putTermination (rec: TerminationRecord): Promise<void> {
    await putTermination(this.db, B.TERMINATION, rec)
  }

  /** The termination records of one agreement, or of all. */
  async terminations (agreement?: string): Promise<TerminationRecord[]> {
    return await listTerminations(this.db, B.TERMINATION, agreement)
  }

  /** The counters after `from` becomes `to`: open orders count as held, committed ones as committed. */
  private counters (from: ProviderOrder | undefined, to: ProviderOrder | undefined): Map<string, Usage> {
    const next = new Map<string, Usage>()
    const add = (o: ProviderOrder | undefined, sign: number): void => {
      if (o === undefined) return
      const open = OPEN_STATUSES.includes(o.status)
      if (!open && o.status !== 'committed') return
      for (const r of o.reservations) {
        const u = next.get(r.offer) ?? this.usage(r.offer)
        next.set(r.offer, open ? { held: u.held + sign * r.quantity, committed: u.committed } : { held: u.held, committed: u.committed + sign * r.quantity })
      }
    }
    add(from, -1)
    add(to, 1)
    return next
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
