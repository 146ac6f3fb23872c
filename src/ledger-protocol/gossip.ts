/**
 * Checkpoint gossip (protocols/ledger-v1.md §6.1), on the shared gossip-topic toolkit
 * (`gossip/`: size cap, per-peer rate, penalties, score parameters). Every node publishes its
 * signed checkpoint; a receiver relays a note only if it is signed by the node its origin names
 * (else reject and penalise) and is news: a larger tree than the largest this node relayed for
 * that log, or another root for the same size (a split view, worth spreading). Older or repeated
 * checkpoints are ignored: a replayed old note (even with an extra signature line to get a new
 * message id) goes no further. Accepted notes of other logs go to the witness in the background.
 */
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { PeerId } from '@libp2p/interface'
import type { TopicValidatorResult } from '@libp2p/gossipsub'
import { GossipTopic, QUIET_TOPIC_SCORE_PARAMS } from '../gossip/index.js'
import type { PeerPenalties, TopicPubSub, TopicRules, TopicStats, Verdict } from '../gossip/index.js'
import type { Logger } from '../logging/index.js'
import type { Telemetry } from '../metrics/telemetry.js'
import { CHECKPOINT_TOPIC, MAX_CONCURRENT_OBSERVATIONS } from './constants.js'
import { Witness } from './witness.js'

/**
 * §6.1: largest gossiped note. A checkpoint body is under 200 bytes and each cosignature line
 * about 150: 16 KiB holds the log's signature and the 64 cosignatures a node keeps
 * (MAX_COSIGNATURES), far below the 64 KiB a note may have elsewhere.
 */
export const MAX_GOSSIP_NOTE_BYTES = 16 * 1024
/**
 * §6.1: notes per second per propagating peer, burst 100. A node announces every 60 s and after
 * appends; a peer relays the notes of every log it hears, so 20/s covers a federation of
 * thousands of nodes, while a flood of 200 notes/s from one peer is cut to a tenth.
 */
export const CHECKPOINT_RATE = { perSecond: 20, burst: 100 }
/** §6.1: logs whose largest relayed checkpoint is remembered (least recently updated forgotten). */
export const MAX_TRACKED_LOGS = 10_000

/**
 * §6.1: score parameters of the checkpoint topic, as the offer topic's (discovery-v1.md
 * §Scoring): no mesh delivery-rate penalties (the topic is quiet), a small reward for first
 * deliveries, and -20 x count^2 per invalid note (one takes a peer below the gossip threshold).
 */
export const CHECKPOINT_TOPIC_SCORE_PARAMS: Partial<TopicScoreParams> = QUIET_TOPIC_SCORE_PARAMS

/** §6.1: the rules of the checkpoint topic: penalties as on the offer topic. */
export const CHECKPOINT_TOPIC_RULES: TopicRules = {
  topic: CHECKPOINT_TOPIC,
  maxBytes: MAX_GOSSIP_NOTE_BYTES,
  rate: CHECKPOINT_RATE,
  excessPenalty: 0.1,
  invalidPenalty: 2,
  scoreParams: CHECKPOINT_TOPIC_SCORE_PARAMS
}

/** The part of gossipsub the checkpoint gossip uses. */
export type CheckpointPubSub = TopicPubSub

/** Called with each valid checkpoint of another node's log (the witness observes it). */
export type CheckpointSink = (owner: string, note: string) => Promise<void>

/** The largest tree relayed for one log, and the roots relayed at that size (two at most). */
interface Relayed { size: number, roots: string[] }

/** See module doc. */
export class CheckpointGossip {
  private readonly topic: GossipTopic
  private readonly relayed = new Map<string, Relayed>()
  private active = 0

  constructor (pubsub: CheckpointPubSub, private readonly self: string, private readonly sink: CheckpointSink,
    penalties: PeerPenalties, private readonly log: Logger, telemetry?: Telemetry) {
    this.topic = new GossipTopic(pubsub, CHECKPOINT_TOPIC_RULES, this.check, penalties, log, telemetry)
  }

  /** What the validator decided so far. */
  get stats (): TopicStats { return this.topic.stats }

  /** Validates and subscribes to the topic. */
  start (): void { this.topic.start() }

  /** Unsubscribes. */
  stop (): void { this.topic.stop() }

  /** Publishes this node's checkpoint note. */
  async publish (note: string): Promise<void> {
    await this.topic.publish(new TextEncoder().encode(note))
  }

  /** The topic validator: gossipsub relays only what this returns `Accept` for. */
  readonly validate = async (from: PeerId, msg: { data: Uint8Array }): Promise<TopicValidatorResult> => await this.topic.validate(from, msg)

  private readonly check = (data: Uint8Array): Verdict => {
    let owner: string
    let note: string
    let size: number
    let root: string
    try {
      note = new TextDecoder('utf-8', { fatal: true }).decode(data)
      owner = Witness.logOwner(note)
      const cp = Witness.open(note, owner).checkpoint
      size = cp.size
      root = Buffer.from(cp.root).toString('base64')
    } catch (err) {
      return { result: 'reject', code: (err as { code?: string }).code ?? 'LEDGER_PROTO_BAD_CHECKPOINT' }
    }
    if (!this.isNews(owner, size, root)) return { result: 'ignore', reason: 'not newer than the checkpoint relayed' }
    if (owner !== this.self && this.active < MAX_CONCURRENT_OBSERVATIONS) {
      this.active++
      void this.sink(owner, note)
        .catch((err: unknown) => { this.log.debug('observation failed', { peer: owner, code: (err as { code?: string }).code, err: (err as Error).message }) })
        .finally(() => { this.active-- })
    }
    return { result: 'accept' }
  }

  /** True (and remembered) if (size, root) is a larger tree, or a new root at the largest size. */
  private isNews (owner: string, size: number, root: string): boolean {
    const r = this.relayed.get(owner)
    if (r !== undefined && (size < r.size || (size === r.size && (r.roots.includes(root) || r.roots.length >= 2)))) return false
    this.relayed.delete(owner)
    if (this.relayed.size >= MAX_TRACKED_LOGS) {
      const oldest = this.relayed.keys().next().value
      if (oldest !== undefined) this.relayed.delete(oldest)
    }
    this.relayed.set(owner, r !== undefined && size === r.size ? { size, roots: [...r.roots, root] } : { size, roots: [root] })
    return true
  }
}
