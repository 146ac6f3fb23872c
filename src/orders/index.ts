/**
 * Composed orders (protocols/order-v1.md): order documents, the planner, the negotiation state
 * machines of customers and providers, and the agreement they produce. Pure: no network, no disk,
 * no clock that is not passed in.
 */
export * from './plan.js'
export * from './errors.js'
export * from './constants.js'
export * from './messages.js'
export * from './codec.js'
export * from './agreement.js'
