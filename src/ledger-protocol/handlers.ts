/**
 * The server side of ledger-v1 (protocols/ledger-v1.md §Requests): one small handler per op,
 * dispatched from a table. Errors are answered with a protocol code (LEDGER_PROTO_*, or the LEDGER_*
 * code of a verification failure of the requester's own data) and the session goes on; storage
 * codes (LOG_*) never leave the node (§Errors).
 */
import { FulcrumError } from '../errors/index.js'
import { LogError } from '../log/index.js'
import { signatureLine } from '../ledger/index.js'
import type { NoteSignature } from '../ledger/index.js'
import type { RequestHandler } from '../network/index.js'
import { decodeRequest, encodeError, encodeMessage } from './codec.js'
import type { LedgerRequest } from './codec.js'
import { LedgerProtocolError } from './errors.js'
import type { SharedEntry } from './witness.js'
import { MAX_ENTRIES_PER_PAGE, PAGE_BYTE_BUDGET } from './constants.js'

/** The log as the protocol reads it (a `MerkleLog` satisfies it). */
export interface LedgerLogView {
  readonly size: number
  leaves: (start: number, end: number) => Promise<Uint8Array[]>
  leaf: (index: number) => Promise<Uint8Array>
  indexOfLeafHash: (hash: Uint8Array) => Promise<number | undefined>
  indexOfDocument: (id: string) => Promise<number | undefined>
  inclusionProof: (index: number, size: number) => Promise<Uint8Array[]>
  consistencyProof: (size1: number, size2: number) => Promise<Uint8Array[]>
}

/** What the handlers need. */
export interface HandlerDeps {
  log: LedgerLogView
  /** The latest checkpoint note, with the cosignatures collected for it. */
  latestNote: () => string
  /** Cosigns a requester's checkpoint (see Witness.cosign). */
  cosign: (requester: string, note: string, oldSize: number, proof: Uint8Array[], shared?: SharedEntry) => Promise<NoteSignature>
}

type Op = LedgerRequest['op']
type Handler<O extends Op> = (req: Extract<LedgerRequest, { op: O }>, deps: HandlerDeps, peer: string) => Promise<Uint8Array>

const outOfRange = (why: string): FulcrumError => new FulcrumError(LedgerProtocolError.OUT_OF_RANGE, why)

const handlers: { [O in Op]: Handler<O> } = {
  async checkpoint (_req, deps) {
    return encodeMessage({ checkpoint: deps.latestNote() })
  },

  async entries (req, deps) {
    const end = Math.min(req.end, deps.log.size, req.start + MAX_ENTRIES_PER_PAGE)
    if (req.start >= end) throw outOfRange(`no entries in ${req.start}..${req.end} (size ${deps.log.size})`)
    const leaves = await deps.log.leaves(req.start, end)
    let bytes = 0
    const page = leaves.filter(l => (bytes += l.length) <= PAGE_BYTE_BUDGET)
    return encodeMessage({ leaves: page.length > 0 ? page : leaves.slice(0, 1) })
  },

  async inclusion (req, deps) {
    if (req.size === 0 || req.size > deps.log.size) throw outOfRange(`size must be 1..${deps.log.size}`)
    const index = req.index ?? (req.leafHash !== undefined ? await deps.log.indexOfLeafHash(req.leafHash) : await deps.log.indexOfDocument(req.id ?? ''))
    if (index === undefined || index >= req.size) throw new FulcrumError(LedgerProtocolError.NOT_FOUND, 'no such entry in the tree of that size')
    const [leaf, proof] = await Promise.all([deps.log.leaf(index), deps.log.inclusionProof(index, req.size)])
    return encodeMessage({ index, leaf, proof })
  },

  async consistency (req, deps) {
    if (req.size1 > req.size2 || req.size2 > deps.log.size) throw outOfRange(`need size1 <= size2 <= ${deps.log.size}`)
    return encodeMessage({ proof: await deps.log.consistencyProof(req.size1, req.size2) })
  },

  async cosign (req, deps, peer) {
    const shared = req.entry === undefined ? undefined : { entry: req.entry, index: req.entryIndex ?? 0, proof: req.entryProof ?? [] }
    const sig = await deps.cosign(peer, req.checkpoint, req.oldSize, req.proof, shared)
    return encodeMessage({ cosignature: signatureLine(sig).slice(0, -1) })
  }
}

/** The request handler for `serveProtocol`. */
export function ledgerHandler (deps: HandlerDeps): RequestHandler {
  return async (data, context) => {
    try {
      const req = decodeRequest(data)
      return await (handlers[req.op] as Handler<Op>)(req, deps, context.peer)
    } catch (err) {
      if (!(err instanceof FulcrumError)) throw err
      const size = err.code === LedgerProtocolError.CONFLICT ? (err.cause as { size: number }).size : undefined
      return encodeError({ ...wireError(err), ...(size === undefined ? {} : { size }) })
    }
  }
}

/** Storage codes the protocol names for what they mean to a peer. */
const WIRE_CODES: Readonly<Record<string, string>> = {
  [LogError.OUT_OF_RANGE]: LedgerProtocolError.OUT_OF_RANGE,
  [LogError.NOT_FOUND]: LedgerProtocolError.NOT_FOUND
}

/**
 * The code and message a peer sees for `err`: LEDGER_PROTO_* and LEDGER_* (the requester's data
 * failed a check) as they are, LOG_OUT_OF_RANGE and LOG_NOT_FOUND renamed, anything else (a store
 * failure, a closing node) `LEDGER_PROTO_UNAVAILABLE` without the local details.
 */
export function wireError (err: FulcrumError): { code: string, message: string } {
  if (err.code.startsWith('LEDGER_')) return { code: err.code, message: err.message }
  const code = WIRE_CODES[err.code]
  if (code !== undefined) return { code, message: err.message }
  return { code: LedgerProtocolError.UNAVAILABLE, message: 'the node cannot answer this request now' }
}
