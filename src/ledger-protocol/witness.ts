/**
 * Witnessing (protocols/ledger-v1.md §6.2): keeps the latest checkpoint seen per followed log,
 * accepts a new one only if the log proves it extends the old one, and turns two checkpoints
 * that cannot both be true (a split view, a failing consistency proof) into an evidence file. An
 * older checkpoint is `stale`: anyone can replay a log's old checkpoint, so it proves nothing.
 * Also answers cosign requests (C2SP tlog-witness semantics: the request names the size it
 * extends; a different size is a conflict), only for logs this node follows: a counterparty (the
 * request shows an entry signed by both) or a configured log, within the store's limits.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { checkUpdate, needsConsistencyProof } from '../audit/index.js'
import type { Finding } from '../audit/index.js'
import {
  cosign, cosignerNameOf, decodeEntry, leafHash, ledgerVerifierKey, openNodeCheckpoint, peerIdOfOrigin, parseCheckpoint, parseNote,
  verifyEntrySignatures, verifyInclusion
} from '../ledger/index.js'
import type { NoteSignature, SignedCheckpoint } from '../ledger/index.js'
import type { Identity } from '../identity/index.js'
import { LedgerProtocolError } from './errors.js'
import type { StateStore } from './state.js'

/** Fetches the consistency proof from `size1` to `size2` from the log's node. */
export type ProofFetcher = (size1: number, size2: number) => Promise<Uint8Array[]>

/** The outcome of observing a checkpoint. `evidencePath` is undefined when the evidence was a duplicate or over the caps. */
export type Observation =
  | { status: 'first' | 'same' | 'advanced' | 'stale', checkpoint: SignedCheckpoint }
  | { status: 'violation', finding: Finding, evidencePath: string | undefined }

/** An entry of the requester's log signed by both parties, with its inclusion proof in the checkpoint to cosign. */
export interface SharedEntry {
  entry: Uint8Array
  index: number
  proof: Uint8Array[]
}

/** Which logs a witness follows besides those it already holds state for (counterparties, `followLogs`). */
export interface WitnessPolicy {
  follows: (peerId: string) => boolean
}

/** See module doc. One witness per node (or auditor), over one state store. */
export class Witness {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor (private readonly store: StateStore, private readonly identity: Identity, private readonly now: () => number,
    private readonly policy: WitnessPolicy = { follows: () => true }) {}

  /** The origin's peer id, or a thrown `LEDGER_PROTO_BAD_CHECKPOINT`. */
  static logOwner (note: string): string {
    let origin: string
    try {
      origin = parseCheckpoint(parseNote(note).text).origin
    } catch (err) {
      throw new FulcrumError(LedgerProtocolError.BAD_CHECKPOINT, 'not a checkpoint note', { cause: err })
    }
    const peerId = peerIdOfOrigin(origin)
    if (peerId === undefined) throw new FulcrumError(LedgerProtocolError.BAD_CHECKPOINT, `${origin} is not a Fulcrum ledger origin`)
    return peerId
  }

  /** Verifies `note` as a checkpoint of `peerId`'s log; throws `LEDGER_PROTO_BAD_CHECKPOINT`. */
  static open (note: string, peerId: string): SignedCheckpoint {
    try {
      return openNodeCheckpoint(note, peerId)
    } catch (err) {
      throw new FulcrumError(LedgerProtocolError.BAD_CHECKPOINT, `checkpoint of ${peerId} does not verify: ${(err as Error).message}`, { cause: err })
    }
  }

  /** The last checkpoint accepted for `peerId`. */
  async latest (peerId: string): Promise<SignedCheckpoint | undefined> {
    const s = await this.store.get(peerId)
    return s === undefined ? undefined : Witness.open(s.checkpoint, peerId)
  }

  /** True if this witness follows `peerId`'s log: by policy, or because it already holds its state. */
  async follows (peerId: string): Promise<boolean> {
    return this.policy.follows(peerId) || await this.store.get(peerId) !== undefined
  }

  /**
   * Observes a checkpoint of `peerId`'s log (gossip, audits), fetching a proof when it is larger.
   * Throws `LEDGER_PROTO_NOT_FOLLOWED` for a log this witness does not follow and
   * `LEDGER_PROTO_WITNESS_FULL` for a new log beyond the store's limit.
   */
  async observe (peerId: string, note: string, fetchProof: ProofFetcher): Promise<Observation> {
    return await this.serialised(peerId, async () => {
      const next = Witness.open(note, peerId)
      const previous = await this.latest(peerId)
      if (previous === undefined && !this.policy.follows(peerId)) throw notFollowed(peerId)
      if (previous !== undefined && next.checkpoint.size < previous.checkpoint.size) return { status: 'stale', checkpoint: next }
      const proof = needsConsistencyProof(previous, next) && previous !== undefined
        ? await fetchProof(previous.checkpoint.size, next.checkpoint.size)
        : undefined
      return await this.decide(peerId, previous, next, proof)
    })
  }

  /**
   * Cosigns `note` for its log's owner `requester` if it extends the size `oldSize` this witness
   * last saw, proven by `proof`, and this witness follows the log or `shared` shows an entry of
   * it signed by both. Throws `LEDGER_PROTO_NOT_FOLLOWED`, `LEDGER_PROTO_WITNESS_FULL`,
   * `LEDGER_PROTO_CONFLICT` (cause.size = the known size; also for a checkpoint smaller than it),
   * `LEDGER_PROTO_BAD_CHECKPOINT` or `LEDGER_PROTO_EQUIVOCATION`.
   */
  async cosign (requester: string, note: string, oldSize: number, proof: Uint8Array[], shared?: SharedEntry): Promise<NoteSignature> {
    return await this.serialised(requester, async () => {
      const next = Witness.open(note, requester)
      const previous = await this.latest(requester)
      if (previous === undefined && !this.policy.follows(requester) && !this.sharesEntry(requester, next, shared)) throw notFollowed(requester)
      const known = previous?.checkpoint.size ?? 0
      if (oldSize !== known || next.checkpoint.size < known) {
        throw new FulcrumError(LedgerProtocolError.CONFLICT, `this witness last saw size ${known}`, { cause: { size: known } })
      }
      const seen = await this.decide(requester, previous, next, proof)
      if (seen.status === 'violation') throw new FulcrumError(LedgerProtocolError.EQUIVOCATION, seen.finding.message)
      return cosign(next.note.text, cosignerNameOf(this.identity.peerId), this.identity, Math.floor(this.now() / 1000))
    })
  }

  /** True if `shared` is an entry in `next`'s tree whose parties include this node and `requester`, signed by all. */
  private sharesEntry (requester: string, next: SignedCheckpoint, shared: SharedEntry | undefined): boolean {
    if (shared === undefined) return false
    try {
      const entry = decodeEntry(shared.entry)
      if (!entry.body.parties.includes(this.identity.peerId) || !entry.body.parties.includes(requester)) return false
      if (!verifyInclusion(leafHash(shared.entry), shared.index, next.checkpoint.size, shared.proof, next.checkpoint.root)) return false
      verifyEntrySignatures(entry)
      return true
    } catch (err) {
      if (isFulcrumError(err)) return false
      throw err
    }
  }

  private async decide (peerId: string, previous: SignedCheckpoint | undefined, next: SignedCheckpoint, proof: Uint8Array[] | undefined): Promise<Observation> {
    const result = checkUpdate(ledgerVerifierKey(peerId), previous, next, proof, { by: this.identity.peerId, at: this.now() })
    if (!result.ok) {
      const evidencePath = result.evidence === undefined ? undefined : await this.store.saveEvidence(peerId, result.evidence, this.now())
      return { status: 'violation', finding: { ...result.finding, peer: peerId }, evidencePath }
    }
    if (previous === undefined || next.checkpoint.size > previous.checkpoint.size) {
      await this.store.put(peerId, { checkpoint: next.text })
      return { status: previous === undefined ? 'first' : 'advanced', checkpoint: next }
    }
    return { status: 'same', checkpoint: next }
  }

  /** Runs `fn` after every earlier call for the same log, so that updates never interleave. */
  private async serialised<T> (peerId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(peerId) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => {})
    this.queues.set(peerId, tail)
    try {
      return await run
    } finally {
      if (this.queues.get(peerId) === tail) this.queues.delete(peerId)
    }
  }
}

function notFollowed (peerId: string): FulcrumError {
  return new FulcrumError(LedgerProtocolError.NOT_FOLLOWED, `this node follows no log of ${peerId} (no shared agreement, not in followLogs)`)
}
