/**
 * Auditing one provider from the light client (issue 10): its ledger as the provider serves it
 * over ledger-v1, checked against what this customer holds and what it saw before. Three checks:
 *
 * 1. `signature`: the provider's latest checkpoint is signed by its key (the key of its peer id);
 * 2. `consistency`: that checkpoint extends the last one this customer accepted for the provider
 *    (kept in the customer's state): a smaller tree is a rollback, a tree that cannot be proved to
 *    extend it is a fork; the first audit trusts on first use;
 * 3. `inclusion`: every agreement in the customer's own ledger to which the provider is a party is
 *    in the provider's ledger, with an inclusion proof that verifies against the signed root, and
 *    with the same bytes as the customer's copy.
 *
 * Nothing is trusted from the node: every check is computed here (`audit/updates.ts`,
 * `ledger/verify.ts`). Only an audit whose checks all pass moves the baseline forward, so a
 * rollback keeps being reported until the provider serves a tree that extends the one seen.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { multiaddr } from '@multiformats/multiaddr'
import { AuditError, checkUpdate } from '../audit/index.js'
import { toHex } from '../encoding/base64.js'
import { FulcrumError, describeError, isFulcrumError } from '../errors/index.js'
import { bytesEqual, ledgerVerifierKey } from '../ledger/index.js'
import type { Evidence, SignedCheckpoint } from '../ledger/index.js'
import { readEntries } from '../log/ledger.js'
import type { MerkleLog } from '../log/store.js'
import { fetchProof } from '../ledger-protocol/auditor.js'
import { LedgerClient } from '../ledger-protocol/client.js'
import { LedgerProtocolError } from '../ledger-protocol/errors.js'
import { Witness } from '../ledger-protocol/witness.js'
import type { ProtocolDialer } from '../network/reqresp.js'
import type { SeenCheckpoints } from './state.js'

/** The whole audit of one provider gives up after this long (dial, checkpoint, proofs). */
export const AUDIT_TIMEOUT_MS = 30_000

/** The name of one check. */
export type AuditCheckName = 'signature' | 'consistency' | 'inclusion'

/** One check's result. `code` names what failed (an `AUDIT_*` finding or the network's `NET_*`). */
export interface AuditCheck {
  name: AuditCheckName
  status: 'passed' | 'failed' | 'skipped'
  /** What was checked, or what went wrong, for people. */
  detail: string
  code?: string
  /** Verifiable evidence when two checkpoints of the provider cannot both be true (ledger/evidence.ts). */
  evidence?: Evidence
  /** `inclusion`: each agreement checked, and whether it was found with a valid proof and the same bytes. */
  agreements?: Array<{ id: string, index?: number, ok: boolean, code?: string }>
}

/** An audit of one provider. */
export interface ProviderAudit {
  provider: string
  /** True if every check passed. */
  ok: boolean
  checks: AuditCheck[]
  /** The checkpoint the provider served (size, root in hex), when it served one that verifies. */
  checkpoint?: { size: number, root: string }
  /** The baseline it was compared with, if any. */
  previous?: { size: number, root: string }
}

/** What an audit needs: a node to dial with, the customer's ledger and its audit baselines. */
export interface AuditComponents {
  dialer: ProtocolDialer
  log: MerkleLog
  seen: SeenCheckpoints
  now: () => number
}

const brief = (cp: SignedCheckpoint): { size: number, root: string } => ({ size: cp.checkpoint.size, root: toHex(cp.checkpoint.root) })

/** Audits `provider` reached at `addresses` (multiaddrs; see module doc). Never throws for what the provider does. */
export async function auditProvider (c: AuditComponents, provider: string, addresses: readonly string[], signal?: AbortSignal): Promise<ProviderAudit> {
  const report: ProviderAudit = { provider, ok: false, checks: [] }
  const bound = AbortSignal.any([AbortSignal.timeout(AUDIT_TIMEOUT_MS), ...(signal === undefined ? [] : [signal])])
  let client: LedgerClient | undefined
  try {
    const targets: Multiaddr[] = addresses.map(a => multiaddr(a))
    client = await LedgerClient.connect(c.dialer, targets, provider, bound)
    const next = await signatureCheck(client, report)
    if (next === undefined) return finish(report)
    const consistent = await consistencyCheck(c, client, next, report)
    await inclusionCheck(c, client, next, report)
    if (consistent && report.checks.every(k => k.status !== 'failed')) await c.seen.put(provider, next.text)
  } catch (err) {
    // the provider could not be reached or stopped answering: the checks not done are failed with that code
    const code = isFulcrumError(err) ? err.code : 'CLIENT_AUDIT_FAILED'
    for (const name of ['signature', 'consistency', 'inclusion'] as const) {
      if (!report.checks.some(k => k.name === name)) report.checks.push({ name, status: 'failed', code, detail: `not checked: ${describeError(err)}` })
    }
  } finally {
    await client?.close().catch(() => {})
  }
  return finish(report)
}

function finish (report: ProviderAudit): ProviderAudit {
  report.ok = report.checks.length === 3 && report.checks.every(k => k.status === 'passed')
  return report
}

/** 1. The latest checkpoint, verified with the provider's key. */
async function signatureCheck (client: LedgerClient, report: ProviderAudit): Promise<SignedCheckpoint | undefined> {
  try {
    const next = await client.checkpoint()
    report.checkpoint = brief(next)
    report.checks.push({ name: 'signature', status: 'passed', detail: `checkpoint of size ${next.checkpoint.size} signed by ${report.provider}` })
    return next
  } catch (err) {
    if (!(err instanceof FulcrumError) || err.code !== LedgerProtocolError.BAD_CHECKPOINT) throw err
    report.checks.push({ name: 'signature', status: 'failed', code: AuditError.BAD_CHECKPOINT_SIGNATURE, detail: err.message })
    report.checks.push({ name: 'consistency', status: 'skipped', detail: 'no verified checkpoint' }, { name: 'inclusion', status: 'skipped', detail: 'no verified checkpoint' })
    return undefined
  }
}

/** 2. Consistency with the baseline (see module doc). Returns true if it passed. */
async function consistencyCheck (c: AuditComponents, client: LedgerClient, next: SignedCheckpoint, report: ProviderAudit): Promise<boolean> {
  const note = await c.seen.get(report.provider)
  const previous = note === undefined ? undefined : Witness.open(note, report.provider)
  if (previous === undefined) {
    report.checks.push({ name: 'consistency', status: 'passed', detail: 'first audit of this provider: its checkpoint becomes the baseline (trust on first use)' })
    return true
  }
  report.previous = brief(previous)
  const proof = await fetchProof(client, previous, next)
  const update = checkUpdate(ledgerVerifierKey(report.provider), previous, next, proof, { at: c.now() })
  if (update.ok) {
    report.checks.push({ name: 'consistency', status: 'passed', detail: `size ${next.checkpoint.size} extends size ${previous.checkpoint.size} seen before` })
    return true
  }
  report.checks.push({ name: 'consistency', status: 'failed', code: update.finding.code, detail: update.finding.message, ...(update.evidence === undefined ? {} : { evidence: update.evidence }) })
  return false
}

/** 3. Inclusion of each of the customer's agreements with the provider. */
async function inclusionCheck (c: AuditComponents, client: LedgerClient, next: SignedCheckpoint, report: ProviderAudit): Promise<void> {
  const mine = (await readEntries(c.log)).filter(e => e.entry.body.parties.includes(report.provider))
  const results: NonNullable<AuditCheck['agreements']> = []
  for (const { index, entry } of mine) {
    const own = await c.log.leaf(index)
    if (next.checkpoint.size === 0) { // an empty tree includes nothing (and no proof in it can be asked for)
      results.push({ id: entry.body.id, ok: false, code: AuditError.NOT_INCLUDED })
      continue
    }
    try {
      const answer = await client.inclusion({ id: entry.body.id }, next)
      const same = bytesEqual(answer.leaf, own)
      results.push({ id: entry.body.id, index: answer.index, ok: same, ...(same ? {} : { code: AuditError.BODY_MISMATCH }) })
    } catch (err) {
      if (!isFulcrumError(err)) throw err
      const remote = (err.cause as { code?: string } | undefined)?.code
      const code = remote === LedgerProtocolError.NOT_FOUND ? AuditError.NOT_INCLUDED : err.code === LedgerProtocolError.BAD_DATA ? AuditError.BAD_PROOF : undefined
      if (code === undefined) throw err
      results.push({ id: entry.body.id, ok: false, code })
    }
  }
  const failed = results.filter(r => !r.ok)
  if (failed.length === 0) {
    report.checks.push({ name: 'inclusion', status: 'passed', detail: `${results.length} agreement(s) with this provider included in its ledger of size ${next.checkpoint.size}`, agreements: results })
  } else {
    report.checks.push({
      name: 'inclusion',
      status: 'failed',
      code: failed[0]?.code ?? AuditError.NOT_INCLUDED,
      detail: `${failed.length} of ${results.length} agreement(s) not in its ledger as this customer holds them: ${failed.map(f => `${f.id} (${f.code ?? ''})`).join(', ')}`,
      agreements: results
    })
  }
}
