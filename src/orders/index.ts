/**
 * Composed orders (protocols/order-v1.md): order documents, the planner, the negotiation state
 * machines of customers and providers, and the agreement they produce. Pure: no network, no disk,
 * no clock that is not passed in.
 */
export * from './plan.js'
export * from './document-errors.js'
export * from './document.js'
export * from './planner-types.js'
export * from './planner.js'
export { itemFilter, describeItem, monthlyCost, unitsPerMonth } from './planner-candidates.js'
export { MAX_SEARCH_STEPS } from './planner-search.js'
