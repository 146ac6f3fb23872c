/**
 * The agreement ledger on top of the Merkle log: only well-formed entries, signed by every
 * party, with this node among the parties, are appended; each is findable by its document id.
 */
import { FulcrumError } from '../errors/index.js'
import { decodeCheckedEntry, decodeEntry, encodeEntry, LedgerError } from '../ledger/index.js'
import type { Entry, IndexedEntry } from '../ledger/index.js'
import { checkLeafIn, inlinePool } from '../verify/index.js'
import type { VerifyPool } from '../verify/index.js'
import { MAX_LEAVES_PER_READ } from './store.js'
import type { AppendResult, MerkleLog } from './store.js'

const INLINE = inlinePool()

/**
 * Validates a signed entry and appends it to this node's log. Throws `LEDGER_MALFORMED_ENTRY`,
 * `LEDGER_BAD_ENTRY_SIGNATURE`, or `LOG_DUPLICATE_ID` if another entry already has its id.
 * The same entry appended twice is stored once. Signatures are checked in `pool` (the node's
 * thread pool, so that concurrent appends use every core; inline by default).
 */
export async function appendEntry (log: MerkleLog, self: string, entry: Entry | Uint8Array, pool: VerifyPool = INLINE): Promise<AppendResult & { entry: Entry }> {
  const leaf = entry instanceof Uint8Array ? entry : encodeEntry(entry)
  return await appendDecoded(log, self, leaf, await checkLeafIn(pool, leaf))
}

/**
 * Appends an entry whose every signature the caller has just verified: the order machines check
 * each party's signature of a commit certificate before they decide on it (src/orders/agreement.ts),
 * so checking them again on the commit path would only add latency. Structure is still validated.
 */
export async function appendVerifiedEntry (log: MerkleLog, self: string, leaf: Uint8Array): Promise<AppendResult & { entry: Entry }> {
  return await appendDecoded(log, self, leaf, decodeCheckedEntry(leaf))
}

async function appendDecoded (log: MerkleLog, self: string, leaf: Uint8Array, decoded: Entry): Promise<AppendResult & { entry: Entry }> {
  if (!decoded.body.parties.includes(self)) {
    throw new FulcrumError(LedgerError.MALFORMED_ENTRY, 'this node is not a party of the entry', { path: 'body.parties' })
  }
  const result = await log.append(leaf, [decoded.body.id])
  return { ...result, entry: decoded }
}

/** Every entry of the log, decoded, in order (read a page of MAX_LEAVES_PER_READ at a time). */
export async function readEntries (log: Pick<MerkleLog, 'size' | 'leaves'>): Promise<IndexedEntry[]> {
  const out: IndexedEntry[] = []
  const size = log.size
  for (let start = 0; start < size; start += MAX_LEAVES_PER_READ) {
    const leaves = await log.leaves(start, Math.min(size, start + MAX_LEAVES_PER_READ))
    leaves.forEach((leaf, i) => { out.push({ index: start + i, entry: decodeEntry(leaf) }) })
  }
  return out
}
