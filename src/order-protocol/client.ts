/**
 * Sending one order message and reading the one answer (protocols/order-v1.md §Transport), over
 * `network/reqresp.ts`. The answer must come from the peer that was asked and be addressed to us,
 * for the same order; anything else is `ORDER_BAD_MESSAGE`, `ORDER_BAD_SIGNATURE` or
 * `ORDER_WRONG_RECIPIENT`. Its signature is verified once, by the machine it is stepped into
 * (both machines verify every message first), not twice.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import { request } from '../network/reqresp.js'
import type { ProtocolDialer } from '../network/index.js'
import { OrderError, decodeOrderMessage, encodeOrderMessage } from '../orders/index.js'
import type { OrderMessage } from '../orders/index.js'
import { ORDER_LIMITS, ORDER_PROTOCOL } from './constants.js'

/**
 * Sends `msg` to `msg.body.to` at `target` and returns its answer (signature unverified: see module doc). Network failures are
 * thrown as `NET_*` codes (the caller retries); a bad answer as `ORDER_*`.
 */
export async function sendOrderMessage (dialer: ProtocolDialer, target: PeerId | Multiaddr | Multiaddr[], msg: OrderMessage,
  options: { signal?: AbortSignal } = {}): Promise<OrderMessage> {
  const bytes = await request(dialer, target, ORDER_PROTOCOL, encodeOrderMessage(msg), { limits: ORDER_LIMITS, ...(options.signal === undefined ? {} : { signal: options.signal }) })
  const answer = decodeOrderMessage(bytes)
  if (answer.body.from !== msg.body.to) throw new FulcrumError(OrderError.BAD_SIGNATURE, `answer from ${answer.body.from}, expected ${msg.body.to}`, { path: 'body.from' })
  if (answer.body.to !== msg.body.from || answer.body.order !== msg.body.order) {
    throw new FulcrumError(OrderError.WRONG_RECIPIENT, 'the answer is for another party or order', { path: 'body.to' })
  }
  return answer
}
