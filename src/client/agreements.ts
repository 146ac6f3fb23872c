/**
 * The customer's agreements as the page shows them: each agreement of the customer's own ledger
 * (ledger/agreements.ts folds terminations and amendments in), with its leaf hash and an
 * inclusion proof in the ledger's latest signed checkpoint, verified here against that
 * checkpoint's root and signature, so that what the page shows is what the ledger proves.
 */
import { toHex } from '../encoding/base64.js'
import { agreementViews, leafHash, openCheckpoint, verifyInclusion } from '../ledger/index.js'
import type { AgreementView } from '../ledger/index.js'
import { readEntries } from '../log/ledger.js'
import type { MerkleLog } from '../log/store.js'

/** One agreement with its proof. */
export interface ProvenAgreement {
  agreement: AgreementView
  /** Hex SHA-256 leaf hash (RFC 6962) of the agreement entry. */
  leafHash: string
  /** Hex hashes of the inclusion proof of the entry in the tree of `checkpoint.size`. */
  proof: string[]
  /** True if the proof verifies against the signed root (it always should: the page shows it checked). */
  verified: boolean
}

/** The customer's agreements and the checkpoint their proofs are for. */
export interface MyAgreements {
  /** The customer ledger's latest signed checkpoint note, its size and root (hex). */
  checkpoint: { note: string, size: number, root: string }
  agreements: ProvenAgreement[]
}

/** Reads the customer's ledger (see module doc); `now` decides which terminations are in effect. */
export async function myAgreements (log: MerkleLog, now: number): Promise<MyAgreements> {
  const note = log.checkpoint() ?? ''
  if (log.vkey === undefined) throw new Error('the customer ledger is opened with its key')
  const cp = openCheckpoint(note, log.vkey).checkpoint
  const entries = await readEntries(log)
  const out: ProvenAgreement[] = []
  for (const view of agreementViews(entries, now)) {
    if (view.index >= cp.size) continue // appended after the checkpoint was read
    const leaf = await log.leaf(view.index)
    const hash = leafHash(leaf)
    const proof = await log.inclusionProof(view.index, cp.size)
    out.push({ agreement: view, leafHash: toHex(hash), proof: proof.map(toHex), verified: verifyInclusion(hash, view.index, cp.size, proof, cp.root) })
  }
  return { checkpoint: { note, size: cp.size, root: toHex(cp.root) }, agreements: out }
}
