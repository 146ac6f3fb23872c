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
export * from './document-errors.js'
export * from './document.js'
export * from './planner-types.js'
export * from './planner.js'
export { itemFilter, describeItem, monthlyCost, unitsPerMonth } from './planner-candidates.js'
export { MAX_SEARCH_STEPS } from './planner-search.js'
export * from './effects.js'
export * from './provider-state.js'
export * from './provider-checks.js'
export * from './provider.js'
export * from './customer-state.js'
export * from './customer.js'
export * from './aggregator.js'
export * from './termination-rules.js'
export * from './termination.js'
export * from './counter.js'
