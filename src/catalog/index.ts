/**
 * The offer catalog: verified records on level, seq replacement, withdrawals, expiry,
 * equivocation evidence and price-ordered queries with cursors.
 */
export * from './errors.js'
export * from './decide.js'
export * from './limits.js'
export * from './catalog.js'
