/**
 * Offline audit of an exported ledger bundle
 * `{ "origin", "vkey", "checkpoint", "leaves": [base64 leaf bytes, in order] }`:
 * the checkpoint's signature and origin, the leaf count against the signed size, the root
 * recomputed from the leaves against the signed root, every entry's encoding and every party's
 * signature. Pure: entry checks can be handed to a parallel runner by the caller.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import {
  LedgerError, openCheckpoint, parseVerifierKey, peerIdOfOrigin, rootFromLeafHashes, leafHash, bytesEqual, strictBase64
} from '../ledger/index.js'
import type { SignedCheckpoint, VerifierKey } from '../ledger/index.js'
import { AuditError } from './errors.js'
import type { Finding } from './errors.js'
import { StreamedObjectReader } from '../encoding/index.js'
import { auditEntries, checkLeafTexts, duplicateIds, withOwnerChecked } from './entries.js'
import type { EntriesResult, LeafTextsResult } from './entries.js'

/** A bundle as written by `fulcrum ledger export`. */
export interface LedgerBundle {
  origin: string
  vkey: string
  checkpoint: string
  leaves: string[]
}

/** The outcome of a bundle audit. */
export interface BundleReport {
  origin: string
  /** Size signed in the checkpoint (undefined if it did not parse). */
  size?: number
  leaves: number
  findings: Finding[]
}

/** Checks entries `[offset, offset + leaves.length)` (the reference path of {@link auditBundle}). */
export type EntriesChecker = (leaves: Uint8Array[], offset: number, owner: string | undefined) => Promise<EntriesResult>

/**
 * Checks one run of a bundle's leaves as they are in the bundle (base64 text, not yet validated),
 * the leaves at `offset`...: decodes, checks and hashes each (`checkLeafTexts`); may run elsewhere
 * (worker threads), so that only text goes out and only a root, ids and findings come back.
 */
export type LeafRunChecker = (texts: string[], offset: number, owner: string | undefined) => Promise<LeafTextsResult>

/**
 * Leaves per run of a streamed audit: large enough that handing a run to a thread costs nothing
 * next to its signatures (a run is ~0.7 MB of text), small enough that the threads finish together
 * and that the runs in flight stay small. A power of two: a run's root is then a node of the tree.
 */
export const LEAVES_PER_RUN = 1024
/**
 * Runs being checked at once: reading waits for the oldest beyond this, so a bundle read faster
 * than it is checked holds at most this many runs (~11 MB of text) in memory.
 */
export const MAX_RUNS_IN_FLIGHT = 16

const inThisThread: LeafRunChecker = async (texts, offset, owner) => checkLeafTexts(texts, offset, owner)

const malformed = (why: string): FulcrumError => new FulcrumError(AuditError.MALFORMED_BUNDLE, `bundle: ${why}`)

/** Checks the bundle's fields, not yet its leaves; throws `AUDIT_MALFORMED_BUNDLE`. */
function parseBundleShape (input: unknown): LedgerBundle {
  const b = input as Partial<LedgerBundle>
  if (typeof b !== 'object' || b === null) throw malformed('not an object')
  for (const k of ['origin', 'vkey', 'checkpoint'] as const) if (typeof b[k] !== 'string') throw malformed(`${k} must be a string`)
  if (!Array.isArray(b.leaves)) throw malformed('leaves must be an array')
  return b as LedgerBundle
}

/** Parses the bundle's shape; throws `AUDIT_MALFORMED_BUNDLE`. */
export function parseBundle (input: unknown): { bundle: LedgerBundle, leaves: Uint8Array[] } {
  const bundle = parseBundleShape(input)
  const leaves = bundle.leaves.map((l, i) => {
    const bytes = typeof l === 'string' ? strictBase64(l) : undefined
    if (bytes === undefined) throw malformed(`leaves[${i}] is not base64`)
    return bytes
  })
  return { bundle, leaves }
}

/**
 * Audits a bundle already parsed (the reference path, in this thread unless `checkEntries` says
 * otherwise). Throws only for input that is not a bundle at all (`AUDIT_MALFORMED_BUNDLE`).
 */
export async function auditBundle (input: unknown, checkEntries: EntriesChecker = async (l, o, owner) => auditEntries(l, o, owner)): Promise<BundleReport> {
  const { bundle, leaves } = parseBundle(input)
  // Entry checks may run on other threads: start them first, and hash the tree meanwhile.
  const entriesChecked = checkEntries(leaves, 0, peerIdOfOrigin(bundle.origin))
  const report = checkTree(bundle, leaves.length, () => rootFromLeafHashes(leaves.map(leafHash)))
  const entries = await entriesChecked
  report.findings.push(...entries.findings, ...duplicateIds(entries.ids))
  return report
}

/** Options of {@link auditBundleStream}. */
export interface StreamOptions {
  /** Leaves per run, a power of two (default {@link LEAVES_PER_RUN}; tests use small ones). */
  leavesPerRun?: number
}

/**
 * Audits a bundle as its bytes arrive (`fulcrum audit bundle`): runs of leaves go to `checkRun`
 * (worker threads in `audit/parallel.ts`) while the rest is still read, at most
 * {@link MAX_RUNS_IN_FLIGHT} at a time, so memory holds those runs and not the text (what stays is
 * each entry's id, for the duplicate check, and the findings). The same report and errors as
 * {@link auditBundle} on the parsed text, except that bytes that are not one JSON object, or an
 * object that repeats a member name, throw `SyntaxError` (as `JSON.parse` does;
 * `encoding/json-stream.ts`), and a single member or leaf over its limit `ENCODING_TOO_LARGE`.
 */
export async function auditBundleStream (chunks: AsyncIterable<Uint8Array>, checkRun: LeafRunChecker = inThisThread, options: StreamOptions = {}): Promise<BundleReport> {
  const perRun = options.leavesPerRun ?? LEAVES_PER_RUN
  if (!Number.isSafeInteger(perRun) || perRun < 1 || (perRun & (perRun - 1)) !== 0) throw new RangeError('leavesPerRun must be a power of two')
  const reader = new StreamedObjectReader('leaves')
  const runs: Array<Promise<LeafTextsResult>> = []
  const owner = (): string | undefined => {
    const origin = reader.member('origin')
    return typeof origin === 'string' ? peerIdOfOrigin(origin) : undefined
  }
  let texts: string[] = []
  let offset = 0
  const submit = async (): Promise<void> => {
    // Before the origin has been read, a run is checked without the owner, which is checked at the end.
    const run = checkRun(texts, offset, owner())
    run.catch(() => {}) // if reading fails first, what is in flight is dropped, not left unhandled
    runs.push(run)
    offset += texts.length
    texts = []
    if (runs.length >= MAX_RUNS_IN_FLIGHT) await runs[runs.length - MAX_RUNS_IN_FLIGHT]
  }
  for await (const chunk of chunks) {
    for (const leaf of reader.push(chunk)) {
      // Only text goes to the threads: anything else is not base64, and '!' says so at its index.
      texts.push(typeof leaf === 'string' ? leaf : '!')
      if (texts.length === perRun) await submit()
    }
  }
  const { value, elements } = reader.end()
  // `leaves` was read as it came (unless it was no array): the shape is checked without it.
  const bundle = parseBundleShape(elements === undefined ? value : { ...(value as object), leaves: [] })
  if (texts.length > 0) await submit()
  const checked = joinRuns(await Promise.all(runs), perRun, owner())
  if (checked.notBase64 !== undefined) throw malformed(`leaves[${checked.notBase64}] is not base64`)
  const report = checkTree(bundle, offset, () => checked.root)
  report.findings.push(...checked.findings, ...duplicateIds(checked.ids))
  return report
}

/**
 * Joins runs' results in order (the first leaf that is not base64 ends it, as in one pass), with
 * the owner check of runs that were checked before the owner was known.
 */
function joinRuns (parts: LeafTextsResult[], perRun: number, owner: string | undefined): LeafTextsResult {
  const findings: Finding[] = []
  const ids: string[] = []
  for (const [i, part] of parts.entries()) {
    if (part.notBase64 !== undefined) return { findings: [], ids: [], root: new Uint8Array(0), notBase64: part.notBase64 }
    for (const f of withOwnerChecked(part, i * perRun, owner)) findings.push(f)
    for (const id of part.ids) ids.push(id)
  }
  return { findings, ids, root: rootFromLeafHashes(parts.map(p => p.root)) }
}

/** The report's start: checkpoint signature and origin, signed size against the leaves, root. */
function checkTree (bundle: LedgerBundle, leaves: number, root: () => Uint8Array): BundleReport {
  const report: BundleReport = { origin: bundle.origin, leaves, findings: [] }
  const signed = openBundleCheckpoint(bundle, report.findings)
  if (signed !== undefined) {
    const cp = signed.checkpoint
    report.size = cp.size
    if (cp.size !== leaves) {
      report.findings.push({ code: AuditError.SIZE_MISMATCH, message: `the checkpoint signs ${cp.size} leaves, the bundle has ${leaves}` })
    } else if (!bytesEqual(root(), cp.root)) {
      report.findings.push({ code: AuditError.ROOT_MISMATCH, message: 'the root of the leaves is not the signed root' })
    }
  }
  return report
}

function openBundleCheckpoint (bundle: LedgerBundle, findings: Finding[]): SignedCheckpoint | undefined {
  let key: VerifierKey
  try {
    key = parseVerifierKey(bundle.vkey)
  } catch (err) {
    findings.push({ code: AuditError.BAD_VKEY, message: (err as Error).message })
    return undefined
  }
  if (key.name !== bundle.origin) {
    findings.push({ code: AuditError.WRONG_ORIGIN, message: `the key is named ${key.name}, the bundle's origin is ${bundle.origin}` })
  }
  try {
    return openCheckpoint(bundle.checkpoint, key)
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    findings.push(checkpointFinding(err))
    return undefined
  }
}

/** Maps a checkpoint verification error to a finding. */
export function checkpointFinding (err: FulcrumError): Finding {
  const code = err.code === LedgerError.BAD_SIGNATURE
    ? AuditError.BAD_CHECKPOINT_SIGNATURE
    : err.code === LedgerError.WRONG_ORIGIN ? AuditError.WRONG_ORIGIN : AuditError.MALFORMED_CHECKPOINT
  return { code, message: err.message }
}
