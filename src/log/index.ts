/**
 * The durable Merkle log on LevelDB: atomic synced batches with group commit, stored subtree
 * hashes for O(log n) proofs, a signed checkpoint per batch; plus read-only snapshots for
 * commands that run while the daemon holds the store.
 */
export * from './errors.js'
export { Bucket, FORMAT_VERSION, readU64 } from './keys.js'
export { MerkleLog, MAX_LEAVES_PER_READ } from './store.js'
export type { LogOptions, AppendResult } from './store.js'
export { MAX_BATCH_APPENDS } from './commit.js'
export * from './snapshot.js'
export * from './ledger.js'
export * from './recover.js'
export * from './ack.js'
