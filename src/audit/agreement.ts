/**
 * Checking that one agreement is in the log of every party, with the same body. Each party's
 * copy comes with that party's signed checkpoint and an inclusion proof. Pure.
 */
import { toHex } from '../encoding/base64.js'
import { isFulcrumError } from '../errors/index.js'
import {
  bodyHash, buildProof, decodeEntry, inclusionProofRanges, leafHash, memoryNodeReader, openNodeCheckpoint, peerIdOfOrigin, verifyInclusion
} from '../ledger/index.js'
import type { SignedCheckpoint } from '../ledger/index.js'
import { checkpointFinding, parseBundle } from './bundle.js'
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
    const h = toHex(bodyHash(entry.type, entry.body))
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

/**
 * One party's copy of agreement `id` from its exported ledger bundle (`fulcrum ledger export`),
 * for a party that runs no node, such as a customer's light client. The checkpoint must be
 * signed by the key of the peer id named in the bundle's origin (not merely by the bundle's own
 * `vkey`, which whoever hands over the file could replace); the inclusion proof is computed here
 * from the leaves, so leaves that are not the signed tree fail in {@link checkAgreementCopies}
 * like a bad proof served by a node. Throws `AUDIT_MALFORMED_BUNDLE` for input that is no bundle.
 */
export async function agreementCopyFromBundle (input: unknown, id: string): Promise<{ copy?: AgreementCopy, findings: Finding[] }> {
  const { bundle, leaves } = parseBundle(input)
  const peer = peerIdOfOrigin(bundle.origin)
  if (peer === undefined) return { findings: [{ code: AuditError.WRONG_ORIGIN, message: `the bundle's origin ${bundle.origin} names no node's ledger` }] }
  let checkpoint: SignedCheckpoint
  try {
    checkpoint = openNodeCheckpoint(bundle.checkpoint, peer)
  } catch (err) {
    if (!isFulcrumError(err)) throw err
    return { findings: [{ ...checkpointFinding(err), peer }] }
  }
  const size = checkpoint.checkpoint.size
  if (leaves.length !== size) {
    return { findings: [{ code: AuditError.SIZE_MISMATCH, message: `the checkpoint of ${peer} signs ${size} leaves, its bundle has ${leaves.length}`, peer }] }
  }
  const index = leaves.findIndex(leaf => {
    try {
      return decodeEntry(leaf).body.id === id
    } catch {
      return false
    }
  })
  const leaf = leaves[index]
  if (leaf === undefined) return { copy: { peer, checkpoint }, findings: [] }
  const proof = await buildProof(inclusionProofRanges(index, size), memoryNodeReader(leaves.map(leafHash)))
  return { copy: { peer, checkpoint, index, leaf, proof }, findings: [] }
}
