/**
 * Terminations on the customer's light client (protocols/order-v1.md §5.3): the termination
 * machine run over the customer's order store (its agreements and termination records), its own
 * ledger, and the provider addresses kept with each order. Nobody can reach a light client, so it
 * pulls: `order status` and `order terminate` ask every provider of the agreement for the
 * terminations they know (`termination-query`), sign what the rules allow and push it back; every
 * `fulcrum order` command re-sends the customer's own terminations that some party still lacks.
 */
import { appendEntry } from '../log/index.js'
import type { TerminationRecord, TerminationRequest } from '../orders/index.js'
import { sendOrderMessage } from './client.js'
import { orderBody, outcomeOf, targetOf } from './customer.js'
import type { CustomerComponents } from './customer.js'
import { TerminationDriver } from './termination-driver.js'

/** The customer's termination driver (no background timer: retries happen on the next command). */
export function customerTerminations (c: CustomerComponents): TerminationDriver {
  return new TerminationDriver({
    identity: c.identity,
    now: c.now,
    host: {
      agreement: async (id) => {
        const row = await c.store.get(id)
        return row !== undefined && outcomeOf(row).entry !== undefined ? orderBody(row) : undefined
      },
      records: async (id) => await c.store.terminations(id),
      put: async (rec) => { await c.store.putTermination(rec) },
      append: async (entry) => { await appendEntry(c.log, c.identity.peerId, entry) },
      send: async (to, message, signal) => {
        const row = await c.store.get(message.body.order)
        return await sendOrderMessage(c.dialer, row === undefined ? [] : targetOf(row, to), message, { signal })
      }
    }
  })
}

/** Pulls the providers' terminations of agreement `id`, signs what the rules allow, and returns every known one. */
export async function syncTerminations (c: CustomerComponents, id: string, driver = customerTerminations(c)): Promise<TerminationRecord[]> {
  const row = await c.store.get(id)
  if (row === undefined || outcomeOf(row).entry === undefined) return []
  await driver.query(id, orderBody(row).parties)
  await driver.tick(id)
  await driver.settle()
  return await driver.records(id)
}

/**
 * Terminates agreement `id` as the customer: first learns what the providers know (so that a
 * termination they already signed is seen), then signs and sends. Throws the machine's codes
 * (`ORDER_UNKNOWN_ORDER`, `ORDER_ALREADY_TERMINATED`, ...).
 */
export async function terminateAsCustomer (c: CustomerComponents, id: string, request: TerminationRequest): Promise<TerminationRecord> {
  const driver = customerTerminations(c)
  await syncTerminations(c, id, driver)
  return await driver.terminate(id, request)
}

/** Re-sends the customer's own terminations that some party still lacks (every command does this first). */
export async function resumeTerminations (c: CustomerComponents): Promise<void> {
  const driver = customerTerminations(c)
  const pending = (await c.store.terminations()).filter(r => r.initiator === c.identity.peerId && !r.complete)
  for (const id of new Set(pending.map(r => r.agreement))) await driver.tick(id)
  await driver.settle()
}
