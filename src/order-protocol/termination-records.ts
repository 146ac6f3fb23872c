/**
 * How both order stores (the provider's and the customer's) keep termination records
 * (protocols/order-v1.md §5.3): one bucket, key `agreement id ‖ 0x00 ‖ termination id`, value the
 * machine's record in canonical CBOR. Ids never contain 0x00 (ledger-v1 ids are `[A-Za-z0-9._:-]`),
 * so an agreement's records are one key range.
 */
import { FulcrumError } from '../errors/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import type { TerminationRecord } from '../orders/index.js'
import type { Store } from '../storage/index.js'
import { OrderShellError } from './errors.js'

/** Largest stored termination record: a body (about 1 KiB), 16 signatures, what each party knows. */
const MAX_TERMINATION_RECORD_BYTES = 64 * 1024
const enc = new TextEncoder()

function key (bucket: number, agreement: string, id?: string): Uint8Array {
  const a = enc.encode(agreement)
  const i = id === undefined ? new Uint8Array(0) : enc.encode(id)
  const k = new Uint8Array(2 + a.length + i.length)
  k[0] = bucket
  k.set(a, 1)
  k[1 + a.length] = 0
  k.set(i, 2 + a.length)
  return k
}

/** Writes a record durably (synced): the machine's write effect. */
export async function putTermination (db: Store, bucket: number, rec: TerminationRecord): Promise<void> {
  await db.put(key(bucket, rec.agreement, rec.id), encodeCanonical(rec as unknown as CanonicalValue), { sync: true })
}

/** The records of one agreement, or of every agreement. */
export async function listTerminations (db: Store, bucket: number, agreement?: string): Promise<TerminationRecord[]> {
  const gte = agreement === undefined ? Uint8Array.of(bucket) : key(bucket, agreement)
  const lt = agreement === undefined ? Uint8Array.of(bucket + 1) : (() => { const k = key(bucket, agreement); k[k.length - 1] = 1; return k })()
  const out: TerminationRecord[] = []
  for await (const value of db.values({ gte, lt })) out.push(decode(value))
  return out
}

function decode (bytes: Uint8Array): TerminationRecord {
  try {
    const r = decodeCanonical(bytes, MAX_TERMINATION_RECORD_BYTES) as unknown as TerminationRecord
    if (typeof r.id !== 'string' || typeof r.agreement !== 'string' || typeof r.sigs !== 'object' || typeof r.complete !== 'boolean') throw new Error('missing fields')
    return r
  } catch (err) {
    throw new FulcrumError(OrderShellError.STORE_CORRUPT, 'a stored termination does not decode', { cause: err })
  }
}
