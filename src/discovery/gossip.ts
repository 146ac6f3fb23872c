/**
 * Offer gossip (protocols/discovery-v1.md §Gossip): one signed record per message on
 * {@link OFFER_TOPIC}. The topic validator runs before anything is relayed: rate limit, strict
 * decode, signature, time, and the catalog's insert decision map to accept / ignore / reject.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { PeerId, Startable } from '@libp2p/interface'
import type { Logger } from '../logging/index.js'
import { MAX_RECORD_BYTES } from '../offers/index.js'
import { OFFER_TOPIC } from './constants.js'
import type { Ingestor } from './ingest.js'
import { isPeerFault } from './ingest.js'
import type { PeerPenalties } from './penalties.js'

/**
 * Score parameters of the offer topic (§Scoring). Offers are rare, so mesh delivery-rate
 * penalties (P3, P3b) are off: a quiet mesh is not a faulty one. Invalid messages (P4) weigh
 * -20 x count^2: one forged offer takes a peer below the gossip threshold (-10), two below the
 * graylist threshold (-80). Counts decay by 1% per second (half-life about 70 s).
 */
export const OFFER_TOPIC_SCORE_PARAMS: Partial<TopicScoreParams> = {
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

/** Counters of what the validator decided, for tests, benchmarks and the health endpoint. */
export interface GossipStats {
  accepted: number
  ignored: number
  rejected: number
  throttled: number
}

/** Subscribes to the offer topic and validates every message (see module doc). */
export class OfferGossip implements Startable {
  readonly stats: GossipStats = { accepted: 0, ignored: 0, rejected: 0, throttled: 0 }

  constructor (
    private readonly pubsub: GossipSub,
    private readonly ingestor: Ingestor,
    private readonly penalties: PeerPenalties,
    private readonly log: Logger
  ) {}

  start (): void {
    this.pubsub.topicValidators.set(OFFER_TOPIC, this.validate)
    this.pubsub.subscribe(OFFER_TOPIC)
  }

  stop (): void {
    this.pubsub.unsubscribe(OFFER_TOPIC)
    this.pubsub.topicValidators.delete(OFFER_TOPIC)
  }

  /** Publishes a record this node has stored (its own, or one it re-gossips). */
  async publish (bytes: Uint8Array): Promise<void> {
    await this.pubsub.publish(OFFER_TOPIC, bytes)
  }

  /** The topic validator: gossipsub relays only what this returns `Accept` for. */
  readonly validate = async (from: PeerId, msg: { data: Uint8Array }): Promise<TopicValidatorResult> => {
    const peer = from.toString()
    if (msg.data.length > MAX_RECORD_BYTES) return this.reject(peer, 'oversized record')
    if (!this.penalties.take(peer)) {
      this.stats.throttled++
      return TopicValidatorResult.Ignore
    }
    const outcome = await this.ingestor.ingest(msg.data, { durable: false })
    if (outcome.status === 'invalid') {
      if (isPeerFault(outcome)) return this.reject(peer, outcome.error.code)
      this.stats.ignored++
      return TopicValidatorResult.Ignore
    }
    if (outcome.status === 'store') {
      this.stats.accepted++
      return TopicValidatorResult.Accept
    }
    this.stats.ignored++
    return TopicValidatorResult.Ignore
  }

  private reject (peer: string, code: string): TopicValidatorResult {
    this.stats.rejected++
    this.penalties.penalise(peer)
    this.log.warn('rejected gossip record', { peer, code })
    return TopicValidatorResult.Reject
  }
}
