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
import type { Telemetry } from '../metrics/telemetry.js'
import { appendEntry, appendVerifiedEntry } from '../log/index.js'
import type { AppendResult, MerkleLog } from '../log/index.js'
import { cosignerVerifierKey, decodeEntry, formatNote, parseNote, verifyCosignature } from '../ledger/index.js'
import type { Entry, NoteSignature } from '../ledger/index.js'
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { NetworkError, raceSignal, serveProtocol } from '../network/index.js'
import { PeerPenalties } from '../gossip/index.js'
import type { ProtocolDialer, ProtocolRegistrar } from '../network/index.js'
import { LEDGER_PROTOCOL, ANNOUNCE_INTERVAL_MS, COSIGN_DEADLINE_MS, MAX_COSIGNATURES, MAX_CONCURRENT_COSIGN_REQUESTS } from './constants.js'
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
  /** Gossip penalties shared with the other topics (default: the service's own). */
  penalties?: PeerPenalties
  /** Told gossip verdicts and served requests (metrics, summary logs). */
  telemetry?: Telemetry
}

/** Options of {@link LedgerService}. */
export interface LedgerServiceInit {
  /** Gossip and witness checkpoints (default true). */
  gossip?: boolean
  announceIntervalMs?: number
  /** Logs (peer ids) to witness and cosign besides counterparties (config `witness.followLogs`). */
  followLogs?: string[]
  /** How long an append waits for cosignatures (default {@link COSIGN_DEADLINE_MS}). */
  cosignDeadlineMs?: number
}

/** What {@link LedgerService.append} did: the durable append, and who cosigned by the deadline. */
export type LedgerAppendResult = AppendResult & {
  entry: Entry
  /** Counterparties whose cosignature of the new checkpoint was obtained. */
  cosigners: string[]
  /** Counterparties that had not cosigned by the deadline, or when the service stopped. */
  pending: string[]
}

/** Entries read per page when collecting counterparties from this node's log at start. */
const COUNTERPARTY_SCAN_PAGE = 1024

/** See module doc. */
export class LedgerService implements Startable {
  readonly witness: Witness
  readonly gossip: CheckpointGossip
  private readonly log: Logger
  private unserve: (() => Promise<void>) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Aborted by stop(): every peer-facing operation in flight ends. */
  private controller = new AbortController()
  /** Cosignatures of the current checkpoint, by cosigner name. */
  private cosigned = { text: '', sigs: new Map<string, NoteSignature>() }
  /** The size each counterparty last cosigned (its witness state of our log). */
  private readonly cosignedSize = new Map<string, number>()
  /** Peers waiting for the next background cosigning round, with an entry of this log each signed. */
  private readonly cosignQueue = new Map<string, number>()
  private cosignRound: Promise<void> | undefined
  /** Parties of the entries in this node's log, and the configured logs: the logs it follows. */
  private readonly followed: Set<string>

  constructor (private readonly c: LedgerServiceComponents, private readonly init: LedgerServiceInit = {}) {
    this.log = c.logger.child({ component: 'ledger' })
    this.followed = new Set(init.followLogs ?? [])
    this.witness = new Witness(c.state, c.identity, c.now, { follows: peer => this.followed.has(peer) })
    this.gossip = new CheckpointGossip(c.libp2p.services.pubsub, c.identity.peerId, async (owner, note) => {
      // Witness only followed logs (counterparties, followLogs) of connected nodes: their proofs
      // can be fetched, and anyone can mint a key and gossip.
      if (await this.witness.follows(owner) && c.libp2p.getConnections(peerIdFromString(owner)).length > 0) await this.observe(owner, note)
    }, c.penalties ?? new PeerPenalties(c.now), this.log, c.telemetry)
  }

  /** Serves the protocol and joins the checkpoint gossip. */
  async start (): Promise<void> {
    this.controller = new AbortController()
    await this.loadCounterparties()
    this.unserve = await serveProtocol(this.c.libp2p, LEDGER_PROTOCOL, ledgerHandler({
      log: this.c.log,
      latestNote: () => this.latestNote(),
      cosign: async (requester, note, oldSize, proof, shared) => {
        const sig = await this.witness.cosign(requester, note, oldSize, proof, shared)
        this.log.info('cosigned a counterparty checkpoint', { peer: requester })
        return sig
      }
    }), LEDGER_LIMITS, this.log, this.c.telemetry)
    if (this.init.gossip !== false) {
      this.gossip.start()
      this.scheduleAnnounce()
    }
  }

  /**
   * Leaves the gossip, stops serving and aborts what is in flight (cosign requests, observations):
   * an append waiting for cosignatures returns at once with them pending. The log stays open: its
   * owner closes it.
   */
  async stop (): Promise<void> {
    this.controller.abort(new FulcrumError(NetworkError.ABORTED, 'the ledger service stopped'))
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.init.gossip !== false) this.gossip.stop()
    await this.unserve?.()
    this.unserve = undefined
    await this.cosignRound
  }

  /** The latest checkpoint note with the cosignatures collected for it. */
  latestNote (): string {
    const text = this.c.log.checkpoint() as string
    if (this.cosigned.text !== text || this.cosigned.sigs.size === 0) return text
    const note = parseNote(text)
    return formatNote({ text: note.text, signatures: [...note.signatures, ...this.cosigned.sigs.values()] })
  }

  /**
   * Appends a signed entry (this node must be a party; durable when this returns), asks the other
   * parties to cosign the new checkpoint, and announces it. Cosigning is best effort and bounded:
   * it ends at `cosignDeadlineMs`, when `options.signal` fires or when the service stops, and the
   * parties that had not cosigned are listed in `pending` (failures are logged, not thrown).
   * With `background`, it returns once the entry is durable and cosigns afterwards (all pending).
   * `verified`: the caller has just checked every party's signature (an order's commit
   * certificate); only the structure is checked again.
   */
  async append (entry: Entry | Uint8Array, options: { signal?: AbortSignal, background?: boolean, verified?: boolean } = {}): Promise<LedgerAppendResult> {
    const result = options.verified === true && entry instanceof Uint8Array
      ? await appendVerifiedEntry(this.c.log, this.c.identity.peerId, entry)
      : await appendEntry(this.c.log, this.c.identity.peerId, entry, this.c.pool)
    const others = result.entry.body.parties.filter(p => p !== this.c.identity.peerId)
    if (!result.existing) this.log.info('ledger entry appended', { index: result.index, size: this.c.log.size, type: result.entry.type, id: result.entry.body.id, parties: result.entry.body.parties.length })
    for (const p of others) this.followed.add(p)
    // Orders acknowledge a commit once it is durable; cosigning then goes on without holding the answer.
    if (options.background === true) {
      this.scheduleCosign(others, result.index)
      return { ...result, cosigners: [], pending: others }
    }
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.cosignDeadlineMs ?? COSIGN_DEADLINE_MS),
      ...(options.signal === undefined ? [] : [options.signal])])
    const cosigners = await this.collectCosignatures(others, { signal, entryIndex: result.index })
    await this.announce()
    return { ...result, cosigners, pending: others.filter(p => !cosigners.includes(p)) }
  }

  /** Queues `peers` for background cosigning; `entryIndex` is an entry of this log they signed. */
  private scheduleCosign (peers: string[], entryIndex: number): void {
    for (const p of peers) this.cosignQueue.set(p, entryIndex)
    this.cosignRound ??= this.cosignRounds()
      .catch(err => { this.log.debug('background cosigning failed', { err: (err as Error).message }) })
      .finally(() => { this.cosignRound = undefined })
  }

  /**
   * Background cosigning, one round at a time: appends made while a round runs join the next one,
   * which asks for a cosignature of the newest checkpoint (it covers theirs: a witness checks
   * consistency from what it cosigned before). Under many concurrent orders this is one round and
   * one announcement per batch of appends rather than per append.
   */
  private async cosignRounds (): Promise<void> {
    while (this.cosignQueue.size > 0 && !this.controller.signal.aborted) {
      const batch = new Map(this.cosignQueue)
      this.cosignQueue.clear()
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.cosignDeadlineMs ?? COSIGN_DEADLINE_MS)])
      await this.collectCosignatures([...batch.keys()], { signal, entryIndex: batch })
      await this.announce()
    }
  }

  /**
   * Announces after a wait drawn uniformly from 0.5 to 1.5 announce intervals (the interval on
   * average): nodes started together (a federation, a benchmark) would otherwise announce together
   * for ever, each round a burst of checkpoint validations on every node (seen: 50 nodes in one
   * process stalled 300-400 ms at each of their first announcements).
   */
  private scheduleAnnounce (): void {
    const interval = this.init.announceIntervalMs ?? ANNOUNCE_INTERVAL_MS
    this.timer = setTimeout(() => {
      void this.announce()
      if (this.timer !== undefined) this.scheduleAnnounce()
    }, interval * (0.5 + Math.random()))
    this.timer.unref?.()
  }

  /**
   * Publishes the current checkpoint, unless the log is empty: a size-0 checkpoint commits to
   * nothing, so there is nothing for a witness to check or cosign, and a federation of new nodes
   * would otherwise spend its idle time relaying them (each first announcement is news to every
   * node: validated by all, flooded to all, then advertised in gossipsub's IHAVE gossip; seen with 50
   * new nodes in 5 processes: most of the idle gossip traffic). The first append announces.
   */
  async announce (): Promise<void> {
    if (this.init.gossip === false || this.c.log.size === 0) return
    try {
      await this.gossip.publish(this.latestNote())
    } catch (err) {
      this.log.debug('announce failed', { err: (err as Error).message })
    }
  }

  /** Observes another log's checkpoint, fetching the consistency proof from its node (aborted by stop()). */
  async observe (owner: string, note: string): Promise<Observation> {
    const signal = this.controller.signal
    const result = await this.witness.observe(owner, note, async (m, n) => await this.withClient(owner, signal, async c => await c.consistency(m, n)))
    if (result.status === 'violation') this.log.warn('ledger misbehaviour observed', { peer: owner, code: result.finding.code, evidence: result.evidencePath })
    return result
  }

  /**
   * Asks `peers` to cosign the current checkpoint; returns those who did by the time
   * `options.signal` fires (default: the service's lifetime only; each request still has the
   * protocol's message deadlines). Returns promptly once the signal fires, whatever the peers do.
   * `options.entryIndex` names an entry of this log signed by each of them, shown to witnesses
   * that do not follow this log yet.
   */
  async collectCosignatures (peers: string[], options: { signal?: AbortSignal, entryIndex?: number | ReadonlyMap<string, number> } = {}): Promise<string[]> {
    const text = this.c.log.checkpoint() as string
    const done: string[] = []
    const signal = options.signal === undefined ? this.controller.signal : AbortSignal.any([this.controller.signal, options.signal])
    for (let i = 0; i < peers.length && !signal.aborted; i += MAX_CONCURRENT_COSIGN_REQUESTS) {
      await Promise.all(peers.slice(i, i + MAX_CONCURRENT_COSIGN_REQUESTS).map(async p => {
        try {
          const entryIndex = typeof options.entryIndex === 'number' ? options.entryIndex : options.entryIndex?.get(p)
          const sig = await raceSignal(this.requestCosignature(p, text, signal, entryIndex), signal)
          if (this.cosigned.text !== text) this.cosigned = { text, sigs: new Map() }
          if (this.cosigned.sigs.size < MAX_COSIGNATURES) this.cosigned.sigs.set(sig.name, sig)
          done.push(p)
          this.log.info('checkpoint cosigned', { peer: p, size: this.c.log.size })
        } catch (err) {
          this.log.info('cosignature not obtained', { peer: p, code: (err as { code?: string }).code, err: (err as Error).message })
        }
      }))
    }
    return done
  }

  private async requestCosignature (peer: string, text: string, signal: AbortSignal, entryIndex?: number): Promise<NoteSignature> {
    const size = Witness.open(text, this.c.identity.peerId).checkpoint.size
    const shared = entryIndex === undefined || entryIndex >= size
      ? undefined
      : { entry: await this.c.log.leaf(entryIndex), index: entryIndex, proof: await this.c.log.inclusionProof(entryIndex, size) }
    return await this.withClient(peer, signal, async client => {
      let oldSize = Math.min(this.cosignedSize.get(peer) ?? 0, size)
      let sig: NoteSignature | undefined
      for (let attempt = 0; sig === undefined; attempt++) {
        try {
          sig = await client.cosign(text, oldSize, oldSize === 0 ? [] : await this.c.log.consistencyProof(oldSize, size), shared)
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

  /** Adds the parties of every entry in this node's log to the followed logs. */
  private async loadCounterparties (): Promise<void> {
    for (let i = 0; i < this.c.log.size; i += COUNTERPARTY_SCAN_PAGE) {
      for (const leaf of await this.c.log.leaves(i, Math.min(this.c.log.size, i + COUNTERPARTY_SCAN_PAGE))) {
        try {
          for (const p of decodeEntry(leaf).body.parties) if (p !== this.c.identity.peerId) this.followed.add(p)
        } catch (err) {
          this.log.warn('unreadable entry in own log', { code: (err as { code?: string }).code })
        }
      }
    }
  }

  /** Runs `fn` on a session with `peer`; `signal` bounds the dial and every request. */
  private async withClient<T> (peer: string, signal: AbortSignal, fn: (c: LedgerClient) => Promise<T>): Promise<T> {
    const client = await LedgerClient.connect(this.c.libp2p, peerIdFromString(peer), peer, signal)
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
