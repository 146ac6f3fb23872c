/**
 * The node: `createNode()` wires the catalog, the libp2p network, discovery and the control API
 * of one data directory (the ledger modules join here too). The CLI's `fulcrum start` runs it.
 */
export * from './node.js'
export { catalogView } from './catalog-view.js'
export { nodeBackend } from './backend.js'
