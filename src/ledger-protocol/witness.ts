/**
 * Witnessing (protocols/ledger-v1.md §Witnessing): keeps the latest checkpoint seen per log,
 * accepts a new one only if the log proves it extends the old one, and turns a split view, a
 * rollback or a fork into an evidence file. Also answers cosign requests (C2SP tlog-witness
 * semantics: the request names the size it extends; a different size is a conflict).
 */
import { FulcrumError } from '../errors/index.js'
import { checkUpdate, needsConsistencyProof } from '../audit/index.js'
import type { Finding } from '../audit/index.js'
import { cosign, cosignerNameOf, ledgerVerifierKey, openNodeCheckpoint, peerIdOfOrigin, parseCheckpoint, parseNote } from '../ledger/index.js'
import type { NoteSignature, SignedCheckpoint } from '../ledger/index.js'
import type { Identity } from '../identity/index.js'
import { LedgerProtocolError } from './errors.js'
import type { StateStore } from './state.js'

/** Fetches the consistency proof from `size1` to `size2` from the log's node. */
export type ProofFetcher = (size1: number, size2: number) => Promise<Uint8Array[]>

/** The outcome of observing a checkpoint. */
export type Observation =
  | { status: 'first' | 'same' | 'advanced', checkpoint: SignedCheckpoint }
  | { status: 'violation', finding: Finding, evidencePath: string }

/** See module doc. One witness per node (or auditor), over one state store. */
export class Witness {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor (private readonly store: StateStore, private readonly identity: Identity, private readonly now: () => number) {}

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

  /** Observes a checkpoint of `peerId`'s log (gossip, audits), fetching a proof when needed. */
  async observe (peerId: string, note: string, fetchProof: ProofFetcher): Promise<Observation> {
    return await this.serialised(peerId, async () => {
      const next = Witness.open(note, peerId)
      const previous = await this.latest(peerId)
      const proof = needsConsistencyProof(previous, next) && previous !== undefined
        ? await fetchProof(previous.checkpoint.size, next.checkpoint.size)
        : undefined
      return await this.decide(peerId, previous, next, proof)
    })
  }

  /**
   * Cosigns `note` for its log's owner `requester` if it extends the size `oldSize` this witness
   * last saw, proven by `proof`. Throws `LEDGER_PROTO_CONFLICT` (cause.size = the known size),
   * `LEDGER_PROTO_BAD_CHECKPOINT` or `LEDGER_PROTO_EQUIVOCATION`.
   */
  async cosign (requester: string, note: string, oldSize: number, proof: Uint8Array[]): Promise<NoteSignature> {
    return await this.serialised(requester, async () => {
      const next = Witness.open(note, requester)
      const previous = await this.latest(requester)
      const known = previous?.checkpoint.size ?? 0
      if (oldSize !== known) {
        throw new FulcrumError(LedgerProtocolError.CONFLICT, `this witness last saw size ${known}`, { cause: { size: known } })
      }
      const seen = await this.decide(requester, previous, next, proof)
      if (seen.status === 'violation') throw new FulcrumError(LedgerProtocolError.EQUIVOCATION, seen.finding.message)
      return cosign(next.note.text, cosignerNameOf(this.identity.peerId), this.identity, Math.floor(this.now() / 1000))
    })
  }

  private async decide (peerId: string, previous: SignedCheckpoint | undefined, next: SignedCheckpoint, proof: Uint8Array[] | undefined): Promise<Observation> {
    const result = checkUpdate(ledgerVerifierKey(peerId), previous, next, proof, { by: this.identity.peerId, at: this.now() })
    if (!result.ok) {
      const evidencePath = await this.store.saveEvidence(peerId, result.evidence, this.now())
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
