/** Per-entry checks, shared by bundle audits and live audits. Pure. */
import { isFulcrumError } from '../errors/index.js'
import { badEntrySignature, leafHash, leafSignatureChecks, rootFromLeafHashes, strictBase64 } from '../ledger/index.js'
import { verify } from '../identity/index.js'
import type { Entry } from '../ledger/index.js'
import { AuditError } from './errors.js'
import type { Finding } from './errors.js'

/** The result of checking a run of leaves. `ids[i]` is leaf i's document id ('' if malformed). */
export interface EntriesResult {
  findings: Finding[]
  ids: string[]
}

/**
 * Checks leaves (at indexes `offset`...): canonical entry encoding, every party's signature, owner
 * is a party. `passed` sees each entry that has no finding.
 */
export function auditEntries (leaves: readonly Uint8Array[], offset: number, owner: string | undefined, passed?: (entry: Entry, index: number) => void): EntriesResult {
  const findings: Finding[] = []
  const ids: string[] = []
  leaves.forEach((leaf, i) => {
    const index = offset + i
    const { entry, finding } = checkEntry(leaf, index, owner)
    if (finding !== undefined) findings.push(finding)
    else if (passed !== undefined) passed(entry as Entry, index)
    ids.push(entry?.body.id ?? '')
  })
  return { findings, ids }
}

/**
 * Checks one leaf; returns the decoded entry (if it decodes) and the first violation found. The
 * signed bytes are taken from the leaf (`leafSignatureChecks`), not encoded again.
 */
export function checkEntry (leaf: Uint8Array, index: number, owner: string | undefined): { entry?: Entry, finding?: Finding } {
  let decoded: ReturnType<typeof leafSignatureChecks>
  try {
    decoded = leafSignatureChecks(leaf)
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    return { finding: { code: AuditError.MALFORMED_ENTRY, message: err.message, index } }
  }
  const { entry, checks } = decoded
  const failed = checks.findIndex(c => c.publicKey === undefined || !verify(c.publicKey, c.message, c.signature))
  if (failed >= 0) {
    return { entry, finding: { code: AuditError.BAD_ENTRY_SIGNATURE, message: badEntrySignature(entry, failed).message, index } }
  }
  if (owner !== undefined && !entry.body.parties.includes(owner)) {
    return { entry, finding: notAParty(owner, entry.body.id, index) }
  }
  return { entry }
}

/** Findings for document ids that occur more than once. */
export function duplicateIds (ids: readonly string[]): Finding[] {
  const first = new Map<string, number>()
  const out: Finding[] = []
  ids.forEach((id, index) => {
    if (id === '') return
    const prev = first.get(id)
    if (prev === undefined) first.set(id, index)
    else out.push({ code: AuditError.DUPLICATE_ID, message: `id ${id} is also the id of entry ${prev}`, index })
  })
  return out
}

/** The result of checking a run of a bundle's leaves as exported (base64 text). */
export interface LeafTextsResult extends EntriesResult {
  /** The Merkle Tree Hash of these leaves (RFC 9162 §2.1.1; empty if a leaf is not base64). */
  root: Uint8Array
  /** The index of the first leaf that is not a base64 string, if any (then nothing else is reported). */
  notBase64?: number
  /**
   * Checked without an owner (a bundle that names its origin after its leaves): the entries without
   * a finding, grouped by their parties, so that {@link withOwnerChecked} can check the owner later.
   */
  byParties?: PartyGroup[]
}

/** Entries (by index) that have the same parties. */
export interface PartyGroup { parties: readonly string[], indexes: number[] }

/**
 * Decodes a run of base64 leaves (at indexes `offset`...), checks each as {@link checkEntry} does
 * and computes their Merkle root: all of a bundle's per-leaf work, in one pass, so that it can run
 * on another thread with only text going in and a root, ids and findings coming back. (Roots of
 * runs of 2^k leaves starting at multiples of 2^k are nodes of the whole tree: `rootFromLeafHashes`
 * of them, in order, is the root of all the leaves.)
 */
export function checkLeafTexts (texts: readonly unknown[], offset: number, owner: string | undefined): LeafTextsResult {
  const hashes: Uint8Array[] = []
  const leaves: Uint8Array[] = []
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]
    const leaf = typeof text === 'string' ? strictBase64(text) : undefined
    if (leaf === undefined) return { findings: [], ids: [], root: new Uint8Array(0), notBase64: offset + i }
    hashes.push(leafHash(leaf))
    leaves.push(leaf)
  }
  if (owner !== undefined) return { ...auditEntries(leaves, offset, owner), root: rootFromLeafHashes(hashes) }
  const groups = new Map<string, PartyGroup>()
  const result = auditEntries(leaves, offset, owner, (entry, index) => {
    const key = entry.body.parties.join(' ')
    let group = groups.get(key)
    if (group === undefined) groups.set(key, group = { parties: entry.body.parties, indexes: [] })
    group.indexes.push(index)
  })
  return { ...result, root: rootFromLeafHashes(hashes), byParties: [...groups.values()] }
}

/**
 * The owner check of a run checked without an owner (`byParties`), now that the owner is known:
 * the run's findings with AUDIT_NOT_A_PARTY added, in index order, as {@link checkEntry} gives them.
 */
export function withOwnerChecked (run: LeafTextsResult, offset: number, owner: string | undefined): Finding[] {
  if (owner === undefined || run.byParties === undefined) return run.findings
  const added: Finding[] = []
  for (const group of run.byParties) {
    if (group.parties.includes(owner)) continue
    for (const index of group.indexes) added.push(notAParty(owner, run.ids[index - offset] as string, index))
  }
  return added.length === 0 ? run.findings : [...run.findings, ...added].sort((a, b) => (a.index as number) - (b.index as number))
}

function notAParty (owner: string, id: string, index: number): Finding {
  return { code: AuditError.NOT_A_PARTY, message: `the log's owner ${owner} is not a party of ${id}`, index }
}
