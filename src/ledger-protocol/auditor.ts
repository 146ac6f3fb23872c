/**
 * Live audits over ledger-v1, for `fulcrum audit peer` and `fulcrum audit agreement`.
 *
 * A peer audit fetches the node's checkpoint, proves it consistent with the last one this auditor
 * verified (rollback and fork protection across runs), then fetches every new entry, checks it
 * (encoding, every party's signature, the node among the parties) and appends it to the saved
 * frontier of the verified tree: the result must be the newly signed root. Only then is the new
 * checkpoint and frontier saved. Violations give findings and evidence files.
 */
import { checkAgreementCopies, checkEntry, checkUpdate, consistencySizes, AuditError } from '../audit/index.js'
import type { AgreementCopy, AgreementReport, Finding } from '../audit/index.js'
import { strictBase64, toBase64 } from '../encoding/base64.js'
import { isFulcrumError } from '../errors/index.js'
import { Frontier, bytesEqual, ledgerVerifierKey } from '../ledger/index.js'
import type { SignedCheckpoint } from '../ledger/index.js'
import { LedgerProtocolError } from './errors.js'
import type { LedgerClient } from './client.js'
import type { PeerState, StateStore } from './state.js'
import { Witness } from './witness.js'

/** Entries fetched and checked per round (bounds memory while auditing a large log). */
export const AUDIT_CHUNK = 4096

/** The outcome of a peer audit. */
export interface PeerAuditReport {
  peer: string
  previousSize?: number
  size?: number
  newEntries: number
  findings: Finding[]
  evidence?: string
}

const b64 = toBase64
/** A damaged saved hash decodes to no bytes: the rebuilt root then fails to match (AUDIT_ROOT_MISMATCH), as any wrong hash does. */
const unb64 = (s: string): Uint8Array => strictBase64(s) ?? new Uint8Array(0)

function frontierOf (state: PeerState | undefined, size: number): Frontier | undefined {
  if (state === undefined) return new Frontier(0, [])
  if (state.frontier === undefined) return undefined
  return new Frontier(size, state.frontier.map(h => h === null ? undefined : unb64(h)))
}

/**
 * The consistency proof relating the saved and the new checkpoint. A node whose latest is older
 * than the saved one usually cannot serve the proof up to the larger size (it no longer holds
 * it): that is a rollback finding without evidence, not an audit failure.
 */
export async function fetchProof (client: LedgerClient, previous: SignedCheckpoint | undefined, next: SignedCheckpoint): Promise<Uint8Array[] | undefined> {
  const sizes = consistencySizes(previous, next)
  if (sizes === undefined) return undefined
  if (previous !== undefined && next.checkpoint.size > previous.checkpoint.size) return await client.consistency(...sizes)
  try {
    return await client.consistency(...sizes)
  } catch (err) {
    if (isFulcrumError(err, LedgerProtocolError.REMOTE)) return undefined
    throw err
  }
}

/** Audits the node behind `client` against the state in `store` (see module doc). */
export async function auditPeer (client: LedgerClient, store: StateStore, now: () => number): Promise<PeerAuditReport> {
  const peer = client.peerId
  const report: PeerAuditReport = { peer, newEntries: 0, findings: [] }
  let next: SignedCheckpoint
  try {
    next = await client.checkpoint()
  } catch (err) {
    if (!isFulcrumError(err, LedgerProtocolError.BAD_CHECKPOINT)) throw err
    report.findings.push({ code: AuditError.BAD_CHECKPOINT_SIGNATURE, message: err.message, peer })
    return report
  }
  report.size = next.checkpoint.size
  const state = await store.get(peer)
  const previous = state === undefined ? undefined : Witness.open(state.checkpoint, peer)
  report.previousSize = previous?.checkpoint.size
  const proof = await fetchProof(client, previous, next)
  const update = checkUpdate(ledgerVerifierKey(peer), previous, next, proof, { at: now() })
  if (!update.ok) {
    report.findings.push({ ...update.finding, peer })
    const path = update.evidence === undefined ? undefined : await store.saveEvidence(peer, update.evidence, now())
    if (path !== undefined) report.evidence = path
    return report
  }
  const from = previous?.checkpoint.size ?? 0
  // Without a saved frontier (a state written by a witness only), start over from leaf 0.
  let frontier = frontierOf(state, from)
  const start = frontier === undefined ? 0 : from
  frontier ??= new Frontier(0, [])
  for (let i = start; i < next.checkpoint.size; i += AUDIT_CHUNK) {
    const leaves = await client.entries(i, Math.min(next.checkpoint.size, i + AUDIT_CHUNK))
    leaves.forEach((leaf, k) => {
      const { finding } = checkEntry(leaf, i + k, peer)
      if (finding !== undefined) report.findings.push({ ...finding, peer })
      frontier?.append(leaf)
    })
  }
  report.newEntries = next.checkpoint.size - from
  if (!bytesEqual(frontier.root(), next.checkpoint.root)) {
    report.findings.push({ code: AuditError.ROOT_MISMATCH, message: 'the entries served do not hash to the signed root', peer })
    return report
  }
  if (report.findings.length === 0) {
    await store.put(peer, { checkpoint: next.text, frontier: frontier.levels().map(h => h === undefined ? null : b64(h)) })
  }
  return report
}

/**
 * Fetches each party's copy of agreement `id` (checkpoint, leaf, inclusion proof) and compares
 * them, together with `offline` copies taken from exported bundles of parties that run no node.
 */
export async function auditAgreement (id: string, clients: LedgerClient[], offline: AgreementCopy[] = []): Promise<AgreementReport> {
  const copies: AgreementCopy[] = [...offline]
  const findings: Finding[] = []
  for (const client of clients) {
    let checkpoint: SignedCheckpoint
    try {
      checkpoint = await client.checkpoint()
    } catch (err) {
      if (!isFulcrumError(err, LedgerProtocolError.BAD_CHECKPOINT)) throw err
      findings.push({ code: AuditError.BAD_CHECKPOINT_SIGNATURE, message: err.message, peer: client.peerId })
      continue
    }
    if (checkpoint.checkpoint.size === 0) {
      copies.push({ peer: client.peerId, checkpoint })
      continue
    }
    try {
      const answer = await client.inclusion({ id }, checkpoint)
      copies.push({ peer: client.peerId, checkpoint, ...answer })
    } catch (err) {
      if (isFulcrumError(err, LedgerProtocolError.REMOTE) && isNotFound((err.cause as { code?: string }).code)) {
        copies.push({ peer: client.peerId, checkpoint })
      } else if (isFulcrumError(err, LedgerProtocolError.BAD_DATA)) {
        findings.push({ code: AuditError.BAD_PROOF, message: err.message, peer: client.peerId })
      } else {
        throw err
      }
    }
  }
  const report = checkAgreementCopies(id, copies)
  return { ...report, findings: [...findings, ...report.findings] }
}

/** A remote "no such entry": LEDGER_PROTO_NOT_FOUND, or LOG_NOT_FOUND from nodes before the code was mapped. */
function isNotFound (code: string | undefined): boolean {
  return code === LedgerProtocolError.NOT_FOUND || code === 'LOG_NOT_FOUND'
}
