/**
 * Checkpoint gossip (protocols/ledger-v1.md §Gossip): every node publishes its signed checkpoint
 * on a gossipsub topic; every node validates what it receives (a checkpoint signed by the log of
 * its origin) and hands it to its witness, which fetches a consistency proof from the log's node.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { Logger } from '../logging/index.js'
import { MAX_NOTE_BYTES } from '../ledger/index.js'
import { CHECKPOINT_TOPIC, MAX_CONCURRENT_OBSERVATIONS } from './constants.js'
import { Witness } from './witness.js'

/** The part of gossipsub the checkpoint gossip uses. */
export type CheckpointPubSub = Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators'>

/** Called with each valid checkpoint of another node's log (the witness observes it). */
export type CheckpointSink = (owner: string, note: string) => Promise<void>

/** See module doc. */
export class CheckpointGossip {
  private active = 0

  constructor (private readonly pubsub: CheckpointPubSub, private readonly self: string,
    private readonly sink: CheckpointSink, private readonly log: Logger) {}

  /** Validates and subscribes to the topic. */
  start (): void {
    this.pubsub.topicValidators.set(CHECKPOINT_TOPIC, this.validate)
    this.pubsub.subscribe(CHECKPOINT_TOPIC)
  }

  /** Unsubscribes. */
  stop (): void {
    this.pubsub.unsubscribe(CHECKPOINT_TOPIC)
    this.pubsub.topicValidators.delete(CHECKPOINT_TOPIC)
  }

  /** Publishes this node's checkpoint note. */
  async publish (note: string): Promise<void> {
    await this.pubsub.publish(CHECKPOINT_TOPIC, new TextEncoder().encode(note))
  }

  /** Accepts (and relays) only checkpoints signed by their origin's node; observes them in the background. */
  readonly validate = async (from: PeerId, msg: { data: Uint8Array }): Promise<TopicValidatorResult> => {
    if (msg.data.length > MAX_NOTE_BYTES) return TopicValidatorResult.Reject
    let owner: string
    let note: string
    try {
      note = new TextDecoder('utf-8', { fatal: true }).decode(msg.data)
      owner = Witness.logOwner(note)
      Witness.open(note, owner)
    } catch (err) {
      this.log.debug('rejected a checkpoint', { peer: from.toString(), code: (err as { code?: string }).code })
      return TopicValidatorResult.Reject
    }
    if (owner !== this.self && this.active < MAX_CONCURRENT_OBSERVATIONS) {
      this.active++
      void this.sink(owner, note)
        .catch((err: unknown) => { this.log.debug('observation failed', { peer: owner, code: (err as { code?: string }).code, err: (err as Error).message }) })
        .finally(() => { this.active-- })
    }
    return TopicValidatorResult.Accept
  }
}
