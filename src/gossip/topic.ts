/**
 * One gossipsub topic with the validation every Fulcrum topic needs, in this order
 * (protocols/discovery-v1.md §Validation, ledger-v1.md §6.1):
 * 1. data larger than the topic's `maxBytes`: **reject** (penalty `invalidPenalty`);
 * 2. the propagating peer is over the topic's rate (token bucket): **ignore** (penalty `excessPenalty`);
 * 3. the topic's own validator: accept, ignore (no penalty) or reject (penalty `invalidPenalty`).
 * Accept relays; ignore drops quietly; reject drops and counts an invalid delivery in
 * gossipsub's score (P4, weighted by the topic's score parameters), on top of the shared
 * application-specific penalties. Offer gossip and checkpoint gossip are two instances.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { PeerId, Startable } from '@libp2p/interface'
import type { Logger } from '../logging/index.js'
import type { Telemetry } from '../metrics/telemetry.js'
import type { PeerPenalties } from './penalties.js'
import { TokenBuckets } from './rate-limit.js'
import type { RateLimit } from './rate-limit.js'


/**
 * Score parameters of a quiet, validated topic (offers, checkpoints; discovery-v1.md §Scoring,
 * ledger-v1.md §6.1). Messages are rare, so mesh delivery-rate penalties (P3, P3b) are off: a
 * quiet mesh is not a faulty one; first deliveries earn a small reward. Invalid messages (P4) weigh
 * -20 x count^2: one takes a peer below the gossip threshold (-10), two below the graylist
 * threshold (-80). Counts decay by 1% per second (half-life about 70 s).
 */
export const QUIET_TOPIC_SCORE_PARAMS: Readonly<Partial<TopicScoreParams>> = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: 0.99
}
/**
 * Validation that has run this long without the event loop getting a turn yields once (to
 * `setImmediate`). gossipsub validates queued messages in one chain of promise jobs; without this a
 * flood of messages that validate quickly starves timers, the API and every other connection
 * until the whole queue is judged (seen: over 3 s of a stalled API). A message that arrives alone
 * is validated at once: it must not wait for a turn of a busy loop at every hop.
 */
export const YIELD_AFTER_MS = 10

/** What a topic's validator decided about one message. */
export type Verdict =
  | { result: 'accept' }
  | { result: 'ignore', reason: string }
  | { result: 'reject', code: string }

/** The topic's own check of a message that passed the size and rate checks. */
export type MessageValidator = (data: Uint8Array, from: string) => Verdict | Promise<Verdict>

/** The rules of one topic (each value documented in its protocol spec). */
export interface TopicRules {
  topic: string
  /** Largest message data in bytes. */
  maxBytes: number
  /** Messages per propagating peer. */
  rate: RateLimit
  /** Penalty points per message over the rate. */
  excessPenalty: number
  /** Penalty points per rejected message. */
  invalidPenalty: number
  /** gossipsub v1.1 score parameters of the topic (to pass to the gossipsub factory). */
  scoreParams: Partial<TopicScoreParams>
}

/** The part of gossipsub a topic uses. */
export type TopicPubSub = Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators'>

/** Counters of what the validator decided, for tests, benchmarks and the health endpoint. */
export interface TopicStats {
  accepted: number
  ignored: number
  rejected: number
  throttled: number
}

/** See module doc. */
export class GossipTopic implements Startable {
  readonly stats: TopicStats = { accepted: 0, ignored: 0, rejected: 0, throttled: 0 }
  private readonly buckets: TokenBuckets
  /** When the current run of validations without a turn of the event loop began; -1: none runs. */
  private runStart = -1
  private readonly loopTurned = (): void => { this.runStart = -1 }

  constructor (
    private readonly pubsub: TopicPubSub,
    readonly rules: TopicRules,
    private readonly validator: MessageValidator,
    private readonly penalties: PeerPenalties,
    private readonly log: Logger,
    /** Told every verdict (metrics, summary logs). */
    private readonly telemetry?: Telemetry
  ) {
    this.buckets = new TokenBuckets(rules.rate, penalties.now)
  }

  /** Installs the validator and subscribes. */
  start (): void {
    this.pubsub.topicValidators.set(this.rules.topic, this.validate)
    this.pubsub.subscribe(this.rules.topic)
  }

  /** Unsubscribes and removes the validator. */
  stop (): void {
    this.pubsub.unsubscribe(this.rules.topic)
    this.pubsub.topicValidators.delete(this.rules.topic)
  }

  /** Publishes `data` on the topic (this node's own message, or one it re-gossips). */
  async publish (data: Uint8Array): Promise<void> {
    await this.pubsub.publish(this.rules.topic, data)
  }

  /** The topic validator: gossipsub relays only what this returns `Accept` for. */
  readonly validate = async (from: PeerId, msg: { data: Uint8Array }): Promise<TopicValidatorResult> => {
    if (this.runStart >= 0 && performance.now() - this.runStart > YIELD_AFTER_MS) {
      // `loopTurned` was queued first: it runs before this resumes.
      await new Promise(resolve => setImmediate(resolve))
    }
    if (this.runStart < 0) {
      this.runStart = performance.now()
      setImmediate(this.loopTurned)
    }
    const peer = from.toString()
    if (msg.data.length > this.rules.maxBytes) return this.reject(peer, 'TOPIC_OVERSIZED')
    if (!this.buckets.take(peer)) {
      this.stats.throttled++
      this.telemetry?.gossipVerdict(this.rules.topic, 'throttle')
      this.penalties.penalise(peer, this.rules.excessPenalty)
      return TopicValidatorResult.Ignore
    }
    const verdict = await this.validator(msg.data, peer)
    if (verdict.result === 'reject') return this.reject(peer, verdict.code)
    if (verdict.result === 'ignore') {
      this.stats.ignored++
      this.telemetry?.gossipVerdict(this.rules.topic, 'ignore', verdict.reason)
      return TopicValidatorResult.Ignore
    }
    this.stats.accepted++
    this.telemetry?.gossipVerdict(this.rules.topic, 'accept')
    return TopicValidatorResult.Accept
  }

  private reject (peer: string, code: string): TopicValidatorResult {
    this.stats.rejected++
    this.telemetry?.gossipVerdict(this.rules.topic, 'reject', code)
    this.penalties.penalise(peer, this.rules.invalidPenalty)
    this.log.debug('rejected a gossip message', { topic: this.rules.topic, peer, code })
    return TopicValidatorResult.Reject
  }
}
