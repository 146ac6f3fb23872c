/**
 * Discovery (protocols/discovery-v1.md): offer gossip with validation and peer scoring, the DHT
 * index of providers per (service type, country), range-based catalog sync, and the catalog query
 * protocol used by light clients. `Discovery` wires them on one libp2p node and one catalog view.
 */
export * from './errors.js'
export * from './constants.js'
export * from './components.js'
export * from './ingest.js'
export * from './penalties.js'
export * from './gossip.js'
export * from './dht-index.js'
export * from './query.js'
export * from './service.js'
export { SyncIndex, SyncSnapshot, itemHash } from './sync/fingerprint.js'
export type { KeyRange, RangeSummary } from './sync/fingerprint.js'
export { syncWithPeer, SYNC_LIMITS } from './sync/client.js'
export type { SyncReport } from './sync/client.js'
export { syncHandler } from './sync/server.js'
