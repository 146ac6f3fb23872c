/**
 * The ledger reads of the API backend: checkpoint, pages of entries, inclusion and consistency
 * proofs, and the agreements folded from the entries. Byte strings are base64 where proofs and
 * auditors use them (leaves, hashes) and hex inside decoded bodies, as the CLI shows them.
 */
import type { ApiBackend } from '../api/index.js'
import { hexBytes } from '../encoding/index.js'
import { agreementViews, decodeEntry, entryToJson, leafHash, openNodeCheckpoint } from '../ledger/index.js'
import { LogError, MAX_LEAVES_PER_READ, readEntries } from '../log/index.js'
import type { MerkleLog } from '../log/index.js'
import { FulcrumError } from '../errors/index.js'

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')

/** What the ledger reads use. */
export interface LedgerReadComponents {
  peerId: string
  log: Pick<MerkleLog, 'size' | 'leaves' | 'leaf' | 'inclusionProof' | 'consistencyProof' | 'indexOfDocument'>
  /** The latest checkpoint note with the cosignatures collected for it. */
  latestNote: () => string
  now: () => number
}

type LedgerReads = Pick<ApiBackend, 'checkpoint' | 'entries' | 'inclusionProof' | 'consistencyProof' | 'agreements' | 'agreement'>

/** The ledger routes' backend (see module doc). */
export function ledgerReads (c: LedgerReadComponents): LedgerReads {
  const views = async (): Promise<ReturnType<typeof agreementViews>> => agreementViews(await readEntries(c.log), c.now())
  return {
    async checkpoint () {
      const note = c.latestNote()
      const cp = openNodeCheckpoint(note, c.peerId).checkpoint
      return { origin: cp.origin, size: cp.size, root: b64(cp.root), checkpoint: note }
    },
    async entries (start, limit) {
      const size = c.log.size
      if (start > size) throw new FulcrumError(LogError.OUT_OF_RANGE, `start ${start} is past the end of the ledger (size ${size})`)
      const end = Math.min(size, start + limit, start + MAX_LEAVES_PER_READ)
      const leaves = end > start ? await c.log.leaves(start, end) : []
      const entries = leaves.map((leaf, i) => ({ index: start + i, leaf: b64(leaf), leafHash: b64(leafHash(leaf)), entry: hexBytes(entryToJson(decodeEntry(leaf))) as { type: string, body: unknown, sigs: string[] } }))
      return end < size ? { size, entries, next: end } : { size, entries }
    },
    async inclusionProof (at, size) {
      const treeSize = size ?? c.log.size
      if (treeSize === 0 || treeSize > c.log.size) throw new FulcrumError(LogError.OUT_OF_RANGE, `size must be 1..${c.log.size}`)
      const index = at.index ?? await c.log.indexOfDocument(at.id ?? '')
      if (index === undefined) throw new FulcrumError(LogError.NOT_FOUND, `no entry with id ${JSON.stringify(at.id)}`)
      const proof = await c.log.inclusionProof(index, treeSize)
      return { leafIndex: index, treeSize, leafHash: b64(leafHash(await c.log.leaf(index))), proof: proof.map(b64) }
    },
    async consistencyProof (size1, size2) {
      const to = size2 ?? c.log.size
      if (size1 === 0 || size1 > to || to > c.log.size) throw new FulcrumError(LogError.OUT_OF_RANGE, `need 0 < size1 <= size2 <= ${c.log.size}`)
      return { size1, size2: to, proof: (await c.log.consistencyProof(size1, to)).map(b64) }
    },
    async agreements (start, limit) {
      const all = await views()
      const page = all.slice(start, start + limit).map(v => hexBytes(v) as Awaited<ReturnType<LedgerReads['agreement']>> & object)
      return start + limit < all.length ? { agreements: page, next: start + limit } : { agreements: page }
    },
    async agreement (id) {
      const v = (await views()).find(a => a.id === id)
      return v === undefined ? undefined : hexBytes(v) as Awaited<ReturnType<LedgerReads['agreement']>>
    }
  }
}
