/**
 * Transport limits of `/fulcrum/order/1.0.0` (protocols/order-v1.md §Transport). The negotiation's
 * own deadlines (commit window, grace, retries) are in `src/orders/constants.ts`.
 */
import { MAX_ORDER_MESSAGE_BYTES } from '../orders/index.js'
import type { ProtocolLimits } from '../network/index.js'

/** §Transport: one signed order message per request and per response. */
export const ORDER_PROTOCOL = '/fulcrum/order/1.0.0'

/**
 * §Transport: a message is at most MAX_ORDER_MESSAGE_BYTES (a commit carries a 64 KiB entry); 5 s
 * per message is many round trips on any network while a stalled peer is dropped well within a
 * hold window; a session carries one exchange (plus a few retries) and lives 30 s at most;
 * 128 concurrent sessions serve fifty racing customers with room; one peer holds at most 4 at once
 * (a customer has one exchange in flight per provider, a provider forwards and queries one at a
 * time), must send its request within 2 s, and 8 streams per connection bound one connection.
 */
export const ORDER_LIMITS: ProtocolLimits = {
  maxMessageBytes: MAX_ORDER_MESSAGE_BYTES,
  messageTimeoutMs: 5_000,
  sessionTimeoutMs: 30_000,
  maxRequestsPerSession: 16,
  maxConcurrentSessions: 128,
  maxSessionsPerPeer: 4,
  firstRequestTimeoutMs: 2_000,
  maxInboundStreamsPerConnection: 8
}

/** §Provider: a provider forwards a certificate to at most this many other providers at once. */
export const MAX_CONCURRENT_FORWARDS = 8
/** §Provider: how often the provider checks for holds to query or expire when no timer is due sooner. */
export const SWEEP_INTERVAL_MS = 5_000
/** §Provider: how long one status query to another party may take before the provider gives up on it. */
export const STATUS_QUERY_TIMEOUT_MS = 3_000
