/**
 * Verification work (signatures, offer records, ledger entries) behind one pool interface.
 * Pure and portable; the node-only thread pool is `verify/threads.ts`, imported by the shell.
 */
export * from './tasks.js'
export * from './pool.js'
export * from './checks.js'
