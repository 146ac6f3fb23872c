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
import { checkLeafTexts, duplicateIds } from './entries.js'
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
 * Checks a bundle's leaves as they are in the bundle (base64 text, not yet validated): decodes,
 * checks and hashes each (`checkLeafTexts`); may run elsewhere (worker threads), so that only text
 * goes out and only hashes, ids and findings come back.
 */
export type LeafTextsChecker = (texts: readonly unknown[], owner: string | undefined) => Promise<LeafTextsResult>

const sequentialTexts: LeafTextsChecker = async (texts, owner) => checkLeafTexts(texts, 0, owner)

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
 * Audits a bundle. Throws only for input that is not a bundle at all (`AUDIT_MALFORMED_BUNDLE`).
 * Without `checkEntries`, this is {@link auditBundleTexts} in the calling thread; with it, every
 * leaf is decoded first and the entries are checked by `checkEntries` (a second, simpler path
 * that tests hold the text path to).
 */
export async function auditBundle (input: unknown, checkEntries?: EntriesChecker): Promise<BundleReport> {
  if (checkEntries === undefined) return await auditBundleTexts(input, sequentialTexts)
  const { bundle, leaves } = parseBundle(input)
  // Entry checks may run on other threads: start them first, and hash the tree meanwhile.
  const entriesChecked = checkEntries(leaves, 0, peerIdOfOrigin(bundle.origin))
  const report = checkTree(bundle, leaves.length, () => rootFromLeafHashes(leaves.map(leafHash)))
  const entries = await entriesChecked
  report.findings.push(...entries.findings, ...duplicateIds(entries.ids))
  return report
}

/**
 * Audits a bundle with its leaves decoded, checked and hashed by `checkTexts` (worker threads in
 * `audit/parallel.ts`): the same report and errors as {@link auditBundle}, but the calling thread
 * only opens the checkpoint and folds the hashes into the root.
 */
export async function auditBundleTexts (input: unknown, checkTexts: LeafTextsChecker = sequentialTexts): Promise<BundleReport> {
  const bundle = parseBundleShape(input)
  const checked = await checkTexts(bundle.leaves, peerIdOfOrigin(bundle.origin))
  if (checked.notBase64 !== undefined) throw malformed(`leaves[${checked.notBase64}] is not base64`)
  const report = checkTree(bundle, bundle.leaves.length, () => checked.root)
  report.findings.push(...checked.findings, ...duplicateIds(checked.ids))
  return report
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
