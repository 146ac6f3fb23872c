/**
 * What the node's shell reports as it works, for metrics and summary logs: gossip verdicts,
 * served requests and their latency, refusals by a bound (connection limiter, session caps) and
 * order state changes. Modules receive an optional {@link Telemetry} among their components and
 * call it where the event happens; without one (tests, light clients, library use) nothing is
 * recorded. This file imports nothing: the pure core never sees it, and no module but
 * `metrics/registry.ts` imports prom-client.
 */

/** What a gossip topic's validator decided about one message (`throttle`: over the peer's rate). */
export type GossipResult = 'accept' | 'ignore' | 'reject' | 'throttle'

/** A bound that refused work: each refusal is counted under its bound and reason. */
export type Bound = 'connections' | 'sessions'

/** The events of a node's shell (see module doc). Implementations must not throw. */
export interface Telemetry {
  /** A gossip message on `topic` was judged; `code` names why it was refused. */
  gossipVerdict: (topic: string, result: GossipResult, code?: string) => void
  /** An inbound request of `protocol` was answered (`ok`) or failed after `seconds`. */
  protocolRequest: (protocol: string, seconds: number, ok: boolean) => void
  /** A bound refused something: `connections` (per-ip-rate, per-peer, max-connections) or `sessions` (busy, evicted). */
  refused: (bound: Bound, reason: string) => void
  /** One of the provider's orders changed state (`held`, `committed`, `released`, ...). */
  orderState: (status: string) => void
}

/** Calls every telemetry of `sinks` for each event (metrics and summary logs side by side). */
export function fanOut (sinks: Array<Telemetry | undefined>): Telemetry {
  const all = sinks.filter((s): s is Telemetry => s !== undefined)
  return {
    gossipVerdict: (topic, result, code) => { for (const s of all) s.gossipVerdict(topic, result, code) },
    protocolRequest: (protocol, seconds, ok) => { for (const s of all) s.protocolRequest(protocol, seconds, ok) },
    refused: (bound, reason) => { for (const s of all) s.refused(bound, reason) },
    orderState: (status) => { for (const s of all) s.orderState(status) }
  }
}
