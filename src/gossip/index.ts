/**
 * The gossip-topic toolkit every Fulcrum gossipsub topic uses (offers, checkpoints, and later
 * orders): size cap, per-peer token buckets, a topic validator's verdict, penalties that feed
 * gossipsub's application-specific score, and the topic's score parameters.
 */
export * from './penalties.js'
export * from './rate-limit.js'
export * from './topic.js'
