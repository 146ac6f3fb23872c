/**
 * The agreement ledger's pure core, published as the `fulcrum-node/ledger` subpath for auditors'
 * tools and light clients: RFC 6962/9162 Merkle hashing and proofs, C2SP signed notes,
 * checkpoints and cosignatures, ledger entries and evidence. No disk, no network, no clock.
 */
export * from './errors.js'
export { HASH_SIZE, EMPTY_ROOT, leafHash, nodeHash, merkleRoot, rootFromLeafHashes, bytesEqual, sha256 } from './hash.js'
export { verifyInclusion, verifyConsistency, rootFromInclusionProof, toU64 } from './verify.js'
export type { TreeSize } from './verify.js'
export * from './proofs.js'
export * from './note.js'
export * from './checkpoint.js'
export * from './cosignature.js'
export * from './entries.js'
export * from './evidence.js'
export * from './json.js'
export * from './agreements.js'
