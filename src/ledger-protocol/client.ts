/**
 * The client side of ledger-v1: one session (stream) to one node, whose answers are checked
 * against that node's own signed checkpoint wherever they can be.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import { leafHash, parseNote, signatureLine, verifyInclusion } from '../ledger/index.js'
import type { NoteSignature, SignedCheckpoint } from '../ledger/index.js'
import { openSession } from '../network/reqresp.js'
import type { ProtocolDialer, Session } from '../network/index.js'
import { decodeAnswer, encodeRequest, read } from './codec.js'
import type { LedgerRequest } from './codec.js'
import { LedgerProtocolError } from './errors.js'
import { LEDGER_PROTOCOL, MAX_MESSAGE_BYTES, MESSAGE_TIMEOUT_MS, SESSION_TIMEOUT_MS, MAX_REQUESTS_PER_SESSION, MAX_CONCURRENT_SESSIONS,
  MAX_SESSIONS_PER_PEER, FIRST_REQUEST_TIMEOUT_MS } from './constants.js'
import { Witness } from './witness.js'
import type { SharedEntry } from './witness.js'

/** Limits of ledger-v1 sessions for `openSession`/`serveProtocol`. */
export const LEDGER_LIMITS = {
  maxMessageBytes: MAX_MESSAGE_BYTES,
  messageTimeoutMs: MESSAGE_TIMEOUT_MS,
  sessionTimeoutMs: SESSION_TIMEOUT_MS,
  maxRequestsPerSession: MAX_REQUESTS_PER_SESSION,
  maxConcurrentSessions: MAX_CONCURRENT_SESSIONS,
  maxSessionsPerPeer: MAX_SESSIONS_PER_PEER,
  firstRequestTimeoutMs: FIRST_REQUEST_TIMEOUT_MS
}

/**
 * Options of each call. The signal given to {@link LedgerClient.connect} already bounds every call;
 * this one bounds one call more tightly. Each call also has the message deadline of ledger-v1
 * (10 s), and the session its lifetime (120 s).
 */
export interface CallOptions { signal?: AbortSignal }

/** A leaf with its inclusion proof. */
export interface InclusionAnswer { index: number, leaf: Uint8Array, proof: Uint8Array[] }

/** A session with the node `peerId`. */
export class LedgerClient {
  private constructor (private readonly session: Session, readonly peerId: string) {}

  /**
   * Opens a session with `peer` (whose peer id is `peerId`: answers are verified with its key).
   * `signal` bounds the dial and every later call (`NET_ABORTED` once it fires).
   */
  static async connect (dialer: ProtocolDialer, peer: PeerId | Multiaddr | Multiaddr[], peerId: string, signal?: AbortSignal): Promise<LedgerClient> {
    const session = await openSession(dialer, peer, LEDGER_PROTOCOL, { limits: LEDGER_LIMITS, ...(signal === undefined ? {} : { signal }) })
    return new LedgerClient(session, peerId)
  }

  private async ask (req: LedgerRequest, fields: string[], options: CallOptions = {}): Promise<Record<string, unknown>> {
    return decodeAnswer(await this.session.request(encodeRequest(req), options), fields)
  }

  /** The node's latest checkpoint, verified with its key (throws `LEDGER_PROTO_BAD_CHECKPOINT`). */
  async checkpoint (options: CallOptions = {}): Promise<SignedCheckpoint> {
    const m = await this.ask({ op: 'checkpoint' }, ['checkpoint'], options)
    return Witness.open(read.str(m.checkpoint, 'checkpoint', MAX_MESSAGE_BYTES), this.peerId)
  }

  /** Leaves `[start, end)`, fetched page by page. */
  async entries (start: number, end: number, options: CallOptions = {}): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    while (start + out.length < end) {
      const m = await this.ask({ op: 'entries', start: start + out.length, end }, ['leaves'], options)
      const page = read.leaves(m.leaves, 'leaves')
      if (page.length === 0) throw new FulcrumError(LedgerProtocolError.BAD_DATA, `no entries from ${start + out.length}`)
      out.push(...page.slice(0, end - start - out.length))
    }
    return out
  }

  /** Leaf and inclusion proof by index, leaf hash or document id, checked against `checkpoint`. */
  async inclusion (query: { index: number } | { leafHash: Uint8Array } | { id: string }, checkpoint: SignedCheckpoint, options: CallOptions = {}): Promise<InclusionAnswer> {
    const size = checkpoint.checkpoint.size
    const m = await this.ask({ op: 'inclusion', size, ...query }, ['index', 'leaf', 'proof'], options)
    const answer = { index: read.uint(m.index, 'index'), leaf: read.leaf(m.leaf, 'leaf'), proof: read.hashes(m.proof, 'proof') }
    if (!verifyInclusion(leafHash(answer.leaf), answer.index, size, answer.proof, checkpoint.checkpoint.root)) {
      throw new FulcrumError(LedgerProtocolError.BAD_DATA, `inclusion proof of entry ${answer.index} does not verify against the signed root`)
    }
    return answer
  }

  /** The consistency proof from `size1` to `size2` (checked by the caller against both roots). */
  async consistency (size1: number, size2: number, options: CallOptions = {}): Promise<Uint8Array[]> {
    const m = await this.ask({ op: 'consistency', size1, size2 }, ['proof'], options)
    return read.hashes(m.proof, 'proof')
  }

  /**
   * Asks the peer to cosign `note` (this node's checkpoint), extending the size `oldSize` it saw;
   * `shared` (an entry signed by both, with its inclusion proof in `note`) shows a witness that
   * does not follow this log yet that the two share an agreement.
   */
  async cosign (note: string, oldSize: number, proof: Uint8Array[], shared?: SharedEntry, options: CallOptions = {}): Promise<NoteSignature> {
    const extra = shared === undefined ? {} : { entry: shared.entry, entryIndex: shared.index, entryProof: shared.proof }
    const m = await this.ask({ op: 'cosign', checkpoint: note, oldSize, proof, ...extra }, ['cosignature'], options)
    const line = read.str(m.cosignature, 'cosignature', 1024)
    const text = parseNote(note).text
    try {
      const sig = parseNote(`${text}\n${line}\n`).signatures[0]
      if (sig === undefined || signatureLine(sig) !== `${line}\n`) throw new Error('not one signature line')
      return sig
    } catch (err) {
      throw new FulcrumError(LedgerProtocolError.BAD_MESSAGE, 'cosignature is not a signature line', { cause: err })
    }
  }

  /** Ends the session. */
  async close (): Promise<void> {
    await this.session.close()
  }
}
