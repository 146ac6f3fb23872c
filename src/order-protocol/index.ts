/**
 * The shell of composed orders (protocols/order-v1.md §Transport onward): the provider's order
 * store and policy, the `/fulcrum/order/1.0.0` service and the customer's light client.
 */
export * from './errors.js'
export * from './policy.js'
export * from './store.js'
export * from './customer-store.js'
export * from './constants.js'
export * from './client.js'
export * from './driver.js'
export * from './service.js'
export * from './customer.js'
export * from './aggregator.js'
export * from './termination-driver.js'
export * from './customer-termination.js'
