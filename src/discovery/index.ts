/**
 * Discovery (protocols/discovery-v1.md): offer gossip with validation and peer scoring, the DHT
 * index of providers per (service type, country), range-based catalog sync, and the catalog query
 * protocol used by light clients. `Discovery` wires them on one libp2p node and one catalog view.
 */
export * from './errors.js'
export * from './constants.js'
export * from './components.js'
export * from './ingest.js'
export * from './gossip.js'
export * from './dht-index.js'
export * from './query.js'
export * from './service.js'
export { SyncIndex, SyncSnapshot, itemHash } from './sync/fingerprint.js'
export type { KeyRange, RangeSummary } from './sync/fingerprint.js'
export { syncWithPeer, syncOver, reconcile, FetchClaims, SYNC_LIMITS } from './sync/client.js'
export type { SyncReport, Requester } from './sync/client.js'
export { fetchKeys } from './sync/fetch.js'
export type { FetchReport, PageRequester } from './sync/fetch.js'
export { encodeSyncRequest, decodeSyncRequest, encodeSyncResponse, decodeSyncResponse } from './sync/messages.js'
export type { SyncRequest, SyncResponse, RangeAnswer } from './sync/messages.js'
export { syncHandler, answerRange, answerSpan } from './sync/server.js'
