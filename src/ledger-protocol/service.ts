/**
 * The ledger service of a node: serves ledger-v1, gossips its checkpoints, witnesses other
 * nodes' logs, and after each append asks the entry's counterparties to cosign its new
 * checkpoint (so that a provider cannot later drop an agreement its counterparties have seen).
 */
import type { VerifyPool } from '../verify/index.js'
import type { Connection, PeerId, Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { appendEntry } from '../log/index.js'
import type { AppendResult, MerkleLog } from '../log/index.js'
import { cosignerVerifierKey, formatNote, parseNote, verifyCosignature } from '../ledger/index.js'
import type { Entry, NoteSignature } from '../ledger/index.js'
import { isFulcrumError } from '../errors/index.js'
import { serveProtocol } from '../network/index.js'
import type { ProtocolDialer, ProtocolRegistrar } from '../network/index.js'
import { LEDGER_PROTOCOL, ANNOUNCE_INTERVAL_MS, MAX_COSIGNATURES, MAX_CONCURRENT_COSIGN_REQUESTS } from './constants.js'
import { LedgerProtocolError } from './errors.js'
import { ledgerHandler } from './handlers.js'
import { LedgerClient, LEDGER_LIMITS } from './client.js'
import { CheckpointGossip } from './gossip.js'
import type { CheckpointPubSub } from './gossip.js'
import { Witness } from './witness.js'
import type { Observation } from './witness.js'
import type { StateStore } from './state.js'

/** The libp2p node as the ledger service uses it. */
export interface LedgerLibp2p extends ProtocolDialer, ProtocolRegistrar {
  services: { pubsub: CheckpointPubSub }
  getConnections: (peer?: PeerId) => Connection[]
}

/** Components of {@link LedgerService}: only what it uses. */
export interface LedgerServiceComponents {
  libp2p: LedgerLibp2p
  /** This node's log, opened with its key. */
  log: MerkleLog
  identity: Identity
  /** Where witnessed checkpoints and evidence files are kept. */
  state: StateStore
  logger: Logger
  now: () => number
  /** Where entry signatures are verified (the node's thread pool); inline if absent. */
  pool?: VerifyPool
}

/** Options of {@link LedgerService}. */
export interface LedgerServiceInit {
  /** Gossip and witness checkpoints (default true). */
  gossip?: boolean
  announceIntervalMs?: number
}

/** See module doc. */
export class LedgerService implements Startable {
  readonly witness: Witness
  private readonly gossip: CheckpointGossip
  private readonly log: Logger
  private unserve: (() => Promise<void>) | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  /** Cosignatures of the current checkpoint, by cosigner name. */
  private cosigned = { text: '', sigs: new Map<string, NoteSignature>() }
  /** The size each counterparty last cosigned (its witness state of our log). */
  private readonly cosignedSize = new Map<string, number>()

  constructor (private readonly c: LedgerServiceComponents, private readonly init: LedgerServiceInit = {}) {
    this.log = c.logger.child({ component: 'ledger' })
    this.witness = new Witness(c.state, c.identity, c.now)
    this.gossip = new CheckpointGossip(c.libp2p.services.pubsub, c.identity.peerId, async (owner, note) => {
      // Witness the logs of connected nodes only: their proofs can be fetched, and the number of
      // logs witnessed stays bounded by the connection limit (anyone can mint a key and gossip).
      if (c.libp2p.getConnections(peerIdFromString(owner)).length > 0) await this.observe(owner, note)
    }, this.log)
  }

  /** Serves the protocol and joins the checkpoint gossip. */
  async start (): Promise<void> {
    this.unserve = await serveProtocol(this.c.libp2p, LEDGER_PROTOCOL, ledgerHandler({
      log: this.c.log,
      latestNote: () => this.latestNote(),
      cosign: async (requester, note, oldSize, proof) => await this.witness.cosign(requester, note, oldSize, proof)
    }), LEDGER_LIMITS, this.log)
    if (this.init.gossip !== false) {
      this.gossip.start()
      this.timer = setInterval(() => { void this.announce() }, this.init.announceIntervalMs ?? ANNOUNCE_INTERVAL_MS)
      this.timer.unref?.()
    }
  }

  /** Leaves the gossip and stops serving (the log stays open: its owner closes it). */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    if (this.init.gossip !== false) this.gossip.stop()
    await this.unserve?.()
    this.unserve = undefined
  }

  /** The latest checkpoint note with the cosignatures collected for it. */
  latestNote (): string {
    const text = this.c.log.checkpoint() as string
    if (this.cosigned.text !== text || this.cosigned.sigs.size === 0) return text
    const note = parseNote(text)
    return formatNote({ text: note.text, signatures: [...note.signatures, ...this.cosigned.sigs.values()] })
  }

  /**
   * Appends a signed entry (this node must be a party), announces the new checkpoint and asks
   * the other parties to cosign it. Cosigning is best effort: failures are logged, not thrown.
   */
  async append (entry: Entry | Uint8Array): Promise<AppendResult & { entry: Entry, cosigners: string[] }> {
    const result = await appendEntry(this.c.log, this.c.identity.peerId, entry, this.c.pool)
    const others = result.entry.body.parties.filter(p => p !== this.c.identity.peerId)
    const cosigners = await this.collectCosignatures(others)
    await this.announce()
    return { ...result, cosigners }
  }

  /** Publishes the current checkpoint on the gossip topic. */
  async announce (): Promise<void> {
    if (this.init.gossip === false) return
    try {
      await this.gossip.publish(this.latestNote())
    } catch (err) {
      this.log.debug('announce failed', { err: (err as Error).message })
    }
  }

  /** Observes another log's checkpoint, fetching the consistency proof from its node. */
  async observe (owner: string, note: string): Promise<Observation> {
    const result = await this.witness.observe(owner, note, async (m, n) => await this.withClient(owner, async c => await c.consistency(m, n)))
    if (result.status === 'violation') this.log.warn('ledger misbehaviour observed', { peer: owner, code: result.finding.code, evidence: result.evidencePath })
    return result
  }

  /** Asks `peers` to cosign the current checkpoint; returns those who did. */
  async collectCosignatures (peers: string[]): Promise<string[]> {
    const text = this.c.log.checkpoint() as string
    const done: string[] = []
    for (let i = 0; i < peers.length; i += MAX_CONCURRENT_COSIGN_REQUESTS) {
      await Promise.all(peers.slice(i, i + MAX_CONCURRENT_COSIGN_REQUESTS).map(async p => {
        try {
          const sig = await this.requestCosignature(p, text)
          if (this.cosigned.text !== text) this.cosigned = { text, sigs: new Map() }
          if (this.cosigned.sigs.size < MAX_COSIGNATURES) this.cosigned.sigs.set(sig.name, sig)
          done.push(p)
        } catch (err) {
          this.log.info('cosignature not obtained', { peer: p, code: (err as { code?: string }).code, err: (err as Error).message })
        }
      }))
    }
    return done
  }

  private async requestCosignature (peer: string, text: string): Promise<NoteSignature> {
    const size = Witness.open(text, this.c.identity.peerId).checkpoint.size
    return await this.withClient(peer, async client => {
      let oldSize = Math.min(this.cosignedSize.get(peer) ?? 0, size)
      let sig: NoteSignature | undefined
      for (let attempt = 0; sig === undefined; attempt++) {
        try {
          sig = await client.cosign(text, oldSize, oldSize === 0 ? [] : await this.c.log.consistencyProof(oldSize, size))
        } catch (err) {
          // tlog-witness: a conflict tells the size the witness knows; retry once from there.
          if (attempt > 0 || !isFulcrumError(err, LedgerProtocolError.CONFLICT)) throw err
          oldSize = (err.cause as { size: number }).size
          if (oldSize > size) throw err
        }
      }
      verifyCosignature({ text: parseNote(text).text, signatures: [sig] }, cosignerVerifierKey(peer))
      this.cosignedSize.set(peer, size)
      return sig
    })
  }

  private async withClient<T> (peer: string, fn: (c: LedgerClient) => Promise<T>): Promise<T> {
    const client = await LedgerClient.connect(this.c.libp2p, peerIdFromString(peer), peer)
    try {
      return await fn(client)
    } finally {
      await client.close()
    }
  }
}

/** The factory in js-libp2p style: `ledgerService(init)(components)`. */
export function ledgerService (init: LedgerServiceInit = {}): (components: LedgerServiceComponents) => LedgerService {
  return (components) => new LedgerService(components, init)
}
