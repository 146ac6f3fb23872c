/**
 * Checking that one agreement is in the log of every party, with the same body. Each party's
 * copy comes with that party's signed checkpoint and an inclusion proof. Pure.
 */
import { bodyHash, leafHash, verifyInclusion } from '../ledger/index.js'
import type { SignedCheckpoint } from '../ledger/index.js'
import { AuditError } from './errors.js'
import type { Finding } from './errors.js'
import { checkEntry } from './entries.js'

/** One party's copy: absent (`leaf` undefined) if its log has no entry with the id. */
export interface AgreementCopy {
  peer: string
  checkpoint: SignedCheckpoint
  index?: number
  leaf?: Uint8Array
  proof?: Uint8Array[]
}

/** The outcome: the agreed body hash (hex) if all copies agree, and the violations. */
export interface AgreementReport {
  id: string
  parties: string[]
  bodyHash?: string
  findings: Finding[]
}

/** Checks the copies of agreement `id` held by several peers (each copy's checkpoint already verified). */
export function checkAgreementCopies (id: string, copies: readonly AgreementCopy[]): AgreementReport {
  const findings: Finding[] = []
  const hashes = new Map<string, string[]>()
  let parties: string[] = []
  for (const c of copies) {
    if (c.leaf === undefined || c.index === undefined) {
      findings.push({ code: AuditError.NOT_INCLUDED, message: `no entry ${id} in the log of ${c.peer}`, peer: c.peer })
      continue
    }
    const cp = c.checkpoint.checkpoint
    if (!verifyInclusion(leafHash(c.leaf), c.index, cp.size, c.proof ?? [], cp.root)) {
      findings.push({ code: AuditError.BAD_PROOF, message: `the inclusion proof of ${c.peer} does not verify`, peer: c.peer, index: c.index })
      continue
    }
    const { entry, finding } = checkEntry(c.leaf, c.index, c.peer)
    if (finding !== undefined) { findings.push({ ...finding, peer: c.peer }); continue }
    if (entry === undefined) continue
    if (entry.body.id !== id) {
      findings.push({ code: AuditError.NOT_INCLUDED, message: `${c.peer} answered with entry ${entry.body.id}, not ${id}`, peer: c.peer })
      continue
    }
    parties = entry.body.parties
    const h = Buffer.from(bodyHash(entry.type, entry.body)).toString('hex')
    hashes.set(h, [...(hashes.get(h) ?? []), c.peer])
  }
  if (hashes.size > 1) {
    const detail = [...hashes].map(([h, peers]) => `${h.slice(0, 16)}… in ${peers.join(', ')}`).join('; ')
    findings.push({ code: AuditError.BODY_MISMATCH, message: `the parties hold different bodies: ${detail}` })
  }
  const asked = new Set(copies.map(c => c.peer))
  for (const p of parties) {
    if (!asked.has(p)) findings.push({ code: AuditError.INCOMPLETE, message: `party ${p} was not audited (pass its address with --peer)`, peer: p })
  }
  const report: AgreementReport = { id, parties, findings }
  if (hashes.size === 1) report.bodyHash = [...hashes.keys()][0] as string
  return report
}
