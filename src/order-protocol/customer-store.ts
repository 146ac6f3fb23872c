/**
 * The customer's order store on level, in the customer's data dir (`orders/`): one record per order
 * with the negotiation machine's state, written with `sync: true` before any message that depends
 * on it is sent. Writing a decided commit here is the commit point of the order
 * (protocols/order-v1.md §Customer); a customer that crashed resumes from these records.
 *
 * Buckets (one prefix byte; a number is never reused):
 * - 0x00 'v'               format version (u8)
 * - 0x01 order id (UTF-8)  the order (canonical CBOR, see {@link CustomerOrder})
 * - 0x02 agreement ‖ 0x00 ‖ id  terminations of its agreements (termination-records.ts)
 */
import type { Store } from '../storage/index.js'
import { FulcrumError } from '../errors/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { openStore } from '../storage/index.js'
import type { TerminationRecord } from '../orders/index.js'
import { OrderShellError } from './errors.js'
import { listTerminations, putTermination } from './termination-records.js'

/** An order as the customer keeps it. `state` is the customer machine's own encoding. */
export interface CustomerOrder {
  id: string
  /** The customer machine's summary status (e.g. holding, committing, committed, aborting, aborted). */
  status: string
  /** Peer id -> multiaddrs the providers were reached at (to resume without re-planning). */
  addresses: Record<string, string[]>
  createdAt: number
  updatedAt: number
  /** The customer machine's state (opaque here). */
  state: Uint8Array
}

const FORMAT_VERSION = 1
const B = { META: 0x00, ORDER: 0x01, TERMINATION: 0x02 } as const
/** Largest stored order: the body and certificate (64 KiB each) and the machine state. */
const MAX_RECORD_BYTES = 512 * 1024
const enc = new TextEncoder()
const orderKey = (id: string): Uint8Array => { const b = enc.encode(id); const k = new Uint8Array(1 + b.length); k[0] = B.ORDER; k.set(b, 1); return k }

/** See module doc. */

/** How a failure to open this store is reported (storage/: locked, damaged, unreadable). */
const STORE_CODES = { locked: OrderShellError.STORE_LOCKED, corrupt: OrderShellError.STORE_CORRUPT, io: OrderShellError.STORE_IO }
export class CustomerStore {
  private constructor (private readonly db: Store) {}

  /** Opens (creating) the store. Throws `ORDER_STORE_LOCKED` (another command uses the dir), `ORDER_STORE_IO`, `ORDER_STORE_CORRUPT`. */
  static async open (path: string): Promise<CustomerStore> {
    return await CustomerStore.on(await openStore(path, { codes: STORE_CODES, name: "the customer's order store" }))
  }

  /**
   * Opens the store in an already open database (a browser's IndexedDB or a memory store), which
   * it then owns (closes). Throws `ORDER_STORE_CORRUPT` for an unknown format.
   */
  static async on (db: Store): Promise<CustomerStore> {
    const v = await db.get(Uint8Array.of(B.META, 0x76))
    if (v !== undefined && v[0] !== FORMAT_VERSION) {
      await db.close()
      throw new FulcrumError(OrderShellError.STORE_CORRUPT, `unknown order store format ${String(v[0])}`)
    }
    if (v === undefined) await db.put(Uint8Array.of(B.META, 0x76), Uint8Array.of(FORMAT_VERSION), { sync: true })
    return new CustomerStore(db)
  }

  /**
   * Writes an order, durably (synced) unless `sync: false`: a write that anything sent later
   * depends on must be synced; one that a crash may lose without harm need not (see customer.ts).
   */
  async put (order: CustomerOrder, options: { sync?: boolean } = {}): Promise<void> {
    const m: Record<string, CanonicalValue> = {
      id: order.id, status: order.status, addresses: order.addresses, createdAt: order.createdAt, updatedAt: order.updatedAt, state: order.state
    }
    await this.db.put(orderKey(order.id), encodeCanonical(m), { sync: options.sync ?? true })
  }

  /** The order with this id, if any. */
  async get (id: string): Promise<CustomerOrder | undefined> {
    const bytes = await this.db.get(orderKey(id))
    return bytes === undefined ? undefined : decode(bytes)
  }

  /** Every order, by id. */
  async list (): Promise<CustomerOrder[]> {
    const out: CustomerOrder[] = []
    for await (const v of this.db.values({ gte: Uint8Array.of(B.ORDER), lt: Uint8Array.of(B.ORDER + 1) })) out.push(decode(v))
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

  async close (): Promise<void> {
    await this.db.close()
  }
}

function decode (bytes: Uint8Array): CustomerOrder {
  try {
    const m = decodeCanonical(bytes, MAX_RECORD_BYTES) as CustomerOrder
    if (typeof m.id !== 'string' || typeof m.status !== 'string' || !(m.state instanceof Uint8Array)) throw new Error('missing fields')
    return m
  } catch (err) {
    throw new FulcrumError(OrderShellError.STORE_CORRUPT, 'a stored order does not decode', { cause: err })
  }
}
