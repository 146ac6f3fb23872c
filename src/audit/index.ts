/**
 * Audits: pure checks over exported bundles, checkpoint updates and agreement copies, giving
 * findings with stable codes (and evidence files for misbehaviour). The CLI and the witness
 * service supply the data; nothing here does I/O.
 */
export * from './errors.js'
export * from './entries.js'
export * from './bundle.js'
export * from './updates.js'
export * from './agreement.js'
