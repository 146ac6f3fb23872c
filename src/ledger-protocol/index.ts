/**
 * The ledger protocol `/fulcrum/ledger/1.0.0` (protocols/ledger-v1.md): latest checkpoint,
 * entries by range, inclusion proofs by index, leaf hash or document id, consistency proofs and
 * cosign requests; checkpoint gossip and witnessing; live audits of peers and agreements.
 *
 * Wiring (in `node/`): `ledgerService(init)({ libp2p, log, identity, state, logger, now })`,
 * started after the libp2p node and stopped before it.
 */
export * from './constants.js'
export * from './errors.js'
export * from './codec.js'
export * from './state.js'
export * from './witness.js'
export * from './handlers.js'
export * from './client.js'
export * from './gossip.js'
export * from './service.js'
export * from './auditor.js'
