/**
 * Offer gossip (protocols/discovery-v1.md §Gossip): one signed record per message on
 * {@link OFFER_TOPIC}, on the shared gossip-topic toolkit (`gossip/`: size cap, per-peer rate,
 * penalties). The offer validator then applies, in order: strict decode (once per message), the
 * new-provider admission budget, signature, time, and the catalog's insert decision, mapped to
 * accept / ignore / reject.
 */
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { PeerId, Startable } from '@libp2p/interface'
import type { TopicValidatorResult } from '@libp2p/gossipsub'
import { GossipTopic, QUIET_TOPIC_SCORE_PARAMS, TokenBuckets } from '../gossip/index.js'
import type { PeerPenalties, RateLimit, TopicPubSub, TopicRules, TopicStats, Verdict } from '../gossip/index.js'
import { FulcrumError } from '../errors/index.js'
import type { Logger } from '../logging/index.js'
import type { Telemetry } from '../metrics/telemetry.js'
import { MAX_RECORD_BYTES } from '../offers/index.js'
import { OFFER_TOPIC } from './constants.js'
import type { Ingestor } from './ingest.js'
import { decodeOrInvalid, isPeerFault } from './ingest.js'
import type { IngestOutcome } from './ingest.js'

/** §Rate limits: sustained gossip messages per second per peer: far above honest offer churn, below a flood. */
export const RATE_PER_SECOND = 100
/** §Rate limits: burst allowance: a node republishing its offers after a restart sends a few hundred at once. */
export const BURST = 500
/** §Rate limits: penalty points per message over the rate. */
export const PENALTY_PER_EXCESS_MESSAGE = 0.1
/** §Rate limits: penalty points per record that fails verification (forged, malformed). */
export const PENALTY_PER_INVALID_RECORD = 2

/**
 * §Admission: records per second, across all peers, from providers the catalog holds nothing of.
 * A thousand fresh keys share this budget instead of each getting its own 100/s; known providers'
 * records (updates, new offers of providers already held) do not use it.
 */
export const DEFAULT_NEW_PROVIDER_RATE: RateLimit = { perSecond: 50, burst: 500 }

/**
 * Score parameters of the offer topic (§Scoring). Offers are rare, so mesh delivery-rate
 * penalties (P3, P3b) are off: a quiet mesh is not a faulty one. Invalid messages (P4) weigh
 * -20 x count^2: one forged offer takes a peer below the gossip threshold (-10), two below the
 * graylist threshold (-80). Counts decay by 1% per second (half-life about 70 s).
 */
export const OFFER_TOPIC_SCORE_PARAMS: Partial<TopicScoreParams> = QUIET_TOPIC_SCORE_PARAMS

/** The rules of the offer topic (§Gossip, §Rate limits, §Scoring). */
export const OFFER_TOPIC_RULES: TopicRules = {
  topic: OFFER_TOPIC,
  maxBytes: MAX_RECORD_BYTES,
  rate: { perSecond: RATE_PER_SECOND, burst: BURST },
  excessPenalty: PENALTY_PER_EXCESS_MESSAGE,
  invalidPenalty: PENALTY_PER_INVALID_RECORD,
  scoreParams: OFFER_TOPIC_SCORE_PARAMS
}

/** Counters of what the validator decided; `unadmitted` counts records over the new-provider budget. */
export interface GossipStats extends TopicStats { unadmitted: number }

/** The new-provider budget is one bucket shared by every peer. */
const NEW_PROVIDERS = 'new-providers'

/** Subscribes to the offer topic and validates every message (see module doc). */
export class OfferGossip implements Startable {
  private readonly topic: GossipTopic
  private readonly newProviders: TokenBuckets
  private unadmitted = 0

  constructor (pubsub: TopicPubSub, private readonly ingestor: Ingestor, penalties: PeerPenalties, log: Logger,
    newProviderRate: RateLimit = DEFAULT_NEW_PROVIDER_RATE, telemetry?: Telemetry) {
    this.topic = new GossipTopic(pubsub, OFFER_TOPIC_RULES, this.check, penalties, log, telemetry)
    this.newProviders = new TokenBuckets(newProviderRate, penalties.now)
  }

  /** What the validator decided so far. */
  get stats (): GossipStats { return { ...this.topic.stats, unadmitted: this.unadmitted } }

  start (): void { this.topic.start() }
  stop (): void { this.topic.stop() }

  /** Publishes a record this node has stored (its own, or one it re-gossips). */
  async publish (bytes: Uint8Array): Promise<void> {
    await this.topic.publish(bytes)
  }

  /** The topic validator: gossipsub relays only what this returns `Accept` for. */
  readonly validate = async (from: PeerId, msg: { data: Uint8Array }): Promise<TopicValidatorResult> => await this.topic.validate(from, msg)

  private readonly check = async (data: Uint8Array): Promise<Verdict> => {
    // Decoded once: the admission check reads the provider, the ingestor verifies the same decoding.
    const decoded = decodeOrInvalid(data)
    if (decoded instanceof FulcrumError) return verdictOf({ status: 'invalid', error: decoded })
    if (!this.admits(decoded.record.body.provider)) {
      this.unadmitted++
      return { result: 'ignore', reason: 'new-provider budget spent' }
    }
    return verdictOf(await this.ingestor.ingestDecoded(decoded, { durable: false }))
  }

  /**
   * True unless `provider` is one the catalog holds nothing of and the new-provider budget is
   * spent. Asked after the strict decode and before the signature check (the costly part of a flood).
   */
  private admits (provider: string): boolean {
    return this.ingestor.knowsProvider(provider) || this.newProviders.take(NEW_PROVIDERS)
  }
}

/** The validator's verdict on what the ingestor did with a record. */
function verdictOf (outcome: IngestOutcome): Verdict {
  if (outcome.status === 'invalid') {
    return isPeerFault(outcome) ? { result: 'reject', code: outcome.error.code } : { result: 'ignore', reason: outcome.error.code }
  }
  return outcome.status === 'store' ? { result: 'accept' } : { result: 'ignore', reason: outcome.status }
}
