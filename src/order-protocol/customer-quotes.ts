/**
 * The optional quote round of `order place` (protocols/order-v1.md §5.2.1) on the light client:
 * one `quote-request` per provider (its items at their planned quantities), in parallel, each with
 * a deadline; the signed answers are then decided by the pure {@link decideCounters}. A quote
 * reserves nothing, so a round that ends in a declined counter-offer leaves nothing to release.
 */
import { OrderError, decideCounters } from '../orders/index.js'
import type { CounterChange, CounterDecision, MessageBodies, OrderMessage, Plan } from '../orders/index.js'
import { encodeRecord, sha256 } from '../offers/index.js'
import { isFulcrumError } from '../errors/index.js'
import { signMessage } from '../orders/index.js'
import { sendOrderMessage } from './client.js'
import { STATUS_QUERY_TIMEOUT_MS } from './constants.js'
import type { CustomerComponents, OrderOutcome, ProviderOutcome } from './customer.js'
import { multiaddr } from '@multiformats/multiaddr'

/** What the quote round found: the decision, and each provider that could not quote (refusal or network code). */
export interface QuoteRound { decision: CounterDecision, failures: Record<string, ProviderOutcome> }

/** Asks every provider of `plan` for a firm quote under `orderId`, then decides the counters within `withinPct` percent. */
export async function quoteRound (c: CustomerComponents, plan: Plan, orderId: string, addresses: Record<string, string[]>, withinPct?: number): Promise<QuoteRound> {
  const byProvider = new Map<string, MessageBodies['quote-request']['items']>()
  for (const item of plan.items) {
    const r = item.record
    const list = byProvider.get(r.body.provider) ?? []
    list.push({ offer: { provider: r.body.provider, id: r.body.id, seq: r.body.seq, hash: sha256(encodeRecord(r)) }, quantity: item.quantity })
    byProvider.set(r.body.provider, list)
  }
  const quotes = new Map<string, MessageBodies['quote']>()
  const failures: Record<string, ProviderOutcome> = {}
  await Promise.all([...byProvider].map(async ([provider, items]) => {
    const request = signMessage('quote-request', { order: orderId, from: c.identity.peerId, to: provider, items }, c.identity)
    c.progress?.({ order: orderId, provider, step: 'quote' })
    try {
      const target = (addresses[provider] ?? []).map(a => multiaddr(a.includes('/p2p/') ? a : `${a}/p2p/${provider}`))
      const answer: OrderMessage = await sendOrderMessage(c.dialer, target, request, { signal: AbortSignal.timeout(STATUS_QUERY_TIMEOUT_MS) })
      if (answer.kind === 'quote') {
        quotes.set(provider, answer.body)
        c.progress?.({ order: orderId, provider, step: answer.body.counter === undefined ? 'quoted' : 'counter' })
      } else if (answer.kind === 'refused') {
        failures[provider] = { state: 'refused', code: answer.body.code, reason: answer.body.reason }
        c.progress?.({ order: orderId, provider, step: 'refused', code: answer.body.code, reason: answer.body.reason })
      } else {
        failures[provider] = { state: 'refused', code: OrderError.BAD_MESSAGE, reason: `answered a quote request with ${answer.kind}` }
      }
    } catch (err) {
      if (!isFulcrumError(err)) throw err
      failures[provider] = { state: 'no-answer', code: err.code, reason: 'no quote' }
      c.progress?.({ order: orderId, provider, step: 'unreachable', code: err.code })
    }
  }))
  return { decision: decideCounters(plan, quotes, withinPct), failures }
}

/** An order that ends in the quote round: nothing was held; each provider's counter or refusal is reported. */
export function declinedOutcome (orderId: string, plan: Plan, declined: CounterChange[], failures: Record<string, ProviderOutcome>, counters: OrderOutcome['counters']): OrderOutcome {
  const providers: Record<string, ProviderOutcome> = {}
  for (const item of plan.items) providers[item.record.body.provider] = { state: 'quoted' }
  for (const d of declined) {
    const what = d.offered === undefined ? 'no offer for it' : `${d.offered.quantity} x ${d.offered.price.amount} ${d.offered.price.currency}/${d.offered.price.unit}`
    providers[d.provider] = { state: 'countered', code: OrderError.COUNTER_DECLINED, reason: `${d.item}: asked ${d.asked.quantity} x ${d.asked.price.amount} ${d.asked.price.currency}/${d.asked.price.unit}, offered ${what}` }
  }
  Object.assign(providers, failures)
  return { orderId, status: 'aborted', providers, ...(counters === undefined ? {} : { counters }) }
}
