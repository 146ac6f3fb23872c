/**
 * What a negotiation state machine asks its shell to do (protocols/order-v1.md §5). The machines
 * are pure reducers `(state, event, now) -> { state, effects }`; the shell carries the effects out
 * in order. A `write` must be durable before any later effect of the same step is carried out:
 * that ordering is what makes a decision survive a crash before anyone hears of it.
 */
import type { OrderMessage } from './messages.js'

/** One effect of a step; `R` is the machine's durable record type. */
export type Effect<R> =
  /** Durably store `record` (keyed by its order id) and, atomically with it, append `entry` to the ledger. */
  | { type: 'write', record: R, entry?: Uint8Array }
  /** Forget the record of `order` (it ended long enough ago that any replay is refused by its deadline). */
  | { type: 'delete', order: string }
  /** Answer the message being handled (the response of a request/response exchange). */
  | { type: 'reply', message: OrderMessage }
  /** Send a new request to `to`; its answer comes back as a `message` event. */
  | { type: 'send', to: string, message: OrderMessage }
  /** Call the machine with a `tick` event at `at` (its own clock) or soon after. */
  | { type: 'wake', at: number }

/** The result of one step. */
export interface Step<S, R> {
  state: S
  effects: Array<Effect<R>>
}
