/**
 * The checks of the ledger and the offer catalog, run through a {@link VerifyPool}: the same
 * results and error codes as the sequential `verifyEntrySignatures` and `verifyRecordBytes`.
 */
import { FulcrumError } from '../errors/index.js'
import { badEntrySignature, entrySignatureChecks } from '../ledger/index.js'
import type { Entry } from '../ledger/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import type { VerifyPool } from './pool.js'
import type { SignatureItem } from './tasks.js'

/** Stands for a party whose peer id has no key: an empty key never verifies. */
const NO_KEY = new Uint8Array(0)

/**
 * Verifies every party's signature of `entry` in the pool. Throws `LEDGER_MALFORMED_ENTRY` or
 * `LEDGER_BAD_ENTRY_SIGNATURE` (path `sigs[i]`, the first party in order whose signature fails).
 */
export async function verifyEntrySignaturesIn (pool: VerifyPool, entry: Entry): Promise<void> {
  const items: SignatureItem[] = entrySignatureChecks(entry).map(c => ({ publicKey: c.publicKey ?? NO_KEY, message: c.message, signature: c.signature }))
  const ok = await pool.map('signature', items)
  const failed = ok.indexOf(false)
  if (failed >= 0) throw badEntrySignature(entry, failed)
}

/**
 * Decodes a leaf and verifies every party's signature, both in the pool, which hands back the
 * decoded entry (a structured clone: cheaper for the calling thread than decoding again). Throws what `decodeEntry` and `verifyEntrySignatures`
 * throw: `LEDGER_MALFORMED_ENTRY`, `LEDGER_BAD_ENTRY_SIGNATURE`, same message and path.
 */
export async function checkLeafIn (pool: VerifyPool, leaf: Uint8Array): Promise<Entry> {
  const [r] = await pool.map('leaf', [leaf])
  if (r === undefined) throw new Error('the verification pool returned no result')
  if ('error' in r) throw new FulcrumError(r.error.code, r.error.message, r.error.path === undefined ? {} : { path: r.error.path })
  return r.entry
}

/**
 * Verifies offer records' wire bytes at `now` in the pool: per record, the verified record or the
 * FulcrumError that `verifyRecordBytes` would throw (same code, message and path).
 */
export async function verifyRecordsIn (pool: VerifyPool, records: readonly Uint8Array[], now: number): Promise<Array<VerifiedRecord | FulcrumError>> {
  // The threads return the decoded records: decoding them again here cost the calling thread more
  // than the signature checks did (sync of a large catalog was bound by this thread).
  const results = await pool.map('verifiedRecord', records.map(bytes => ({ bytes, now })))
  return results.map((r, i) => {
    if ('error' in r) return new FulcrumError(r.error.code, r.error.message, r.error.path === undefined ? {} : { path: r.error.path })
    return { record: r.record, bytes: records[i] as Uint8Array, digest: r.digest }
  })
}
