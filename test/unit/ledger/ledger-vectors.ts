/**
 * Builds the known-answer vectors of protocols/vectors/ledger-v1.json from fixed keys. The test
 * `ledger-vectors.test.ts` checks that the committed file is exactly what this code produces;
 * `UPDATE_VECTORS=1` rewrites it.
 */
import { createIdentity } from '../../../src/identity/index.js'
import {
  buildProof, consistencyProofRanges, cosign, cosignerNameOf, cosignerVerifierKey, encodeEntry, entrySigningBytes, formatNote,
  inclusionProofRanges, leafHash, ledgerVerifierKey, makeEvidence, memoryNodeReader, openNodeCheckpoint, originOf, parseNote,
  rootFromLeafHashes, signCheckpoint, signEntryBody, bodyHash
} from '../../../src/ledger/index.js'
import type { Entry, EntryBody, EntryType } from '../../../src/ledger/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')

/** The vectors as a JSON value. */
export async function ledgerVectors (): Promise<unknown> {
  const provider = createIdentity(new Uint8Array(32).fill(1))
  const customer = createIdentity(new Uint8Array(32).fill(2))
  const witness = createIdentity(new Uint8Array(32).fill(3))
  const parties = [provider.peerId, customer.peerId].sort()
  const docs: Array<[EntryType, EntryBody]> = [
    ['agreement', { id: 'agr-2026-0001', parties, createdAt: 1_790_000_000_000, terms: { service: 'compute.vm', pricePerHour: '0.052', currency: 'EUR', vcpu: 4 } }],
    ['amendment', { id: 'amd-2026-0001', agreement: 'agr-2026-0001', parties, createdAt: 1_790_000_100_000, terms: { pricePerHour: '0.048' } }],
    ['termination', { id: 'end-2026-0001', agreement: 'agr-2026-0001', parties, createdAt: 1_790_000_200_000, reason: 'contract ended' }]
  ]
  const entries = docs.map(([type, body]) => {
    const sigs = parties.map(p => signEntryBody(type, body, p === provider.peerId ? provider : customer))
    const entry: Entry = { type, body, sigs }
    const leaf = encodeEntry(entry)
    return {
      type,
      body,
      signingBytes: hex(entrySigningBytes(type, body)),
      bodyHash: hex(bodyHash(type, body)),
      sigs: sigs.map(b64),
      leaf: hex(leaf),
      leafHash: hex(leafHash(leaf))
    }
  })
  const hashes = entries.map(e => new Uint8Array(Buffer.from(e.leafHash, 'hex')))
  const root = rootFromLeafHashes(hashes)
  const origin = originOf(provider.peerId)
  const note = signCheckpoint({ origin, size: 3, root, extensions: [] }, provider)
  const text = parseNote(note).text
  const cosig = cosign(text, cosignerNameOf(witness.peerId), witness, 1_790_000_300)
  const cosigned = formatNote({ text, signatures: [...parseNote(note).signatures, cosig] })
  const read = memoryNodeReader(hashes)
  const other = signCheckpoint({ origin, size: 3, root: rootFromLeafHashes([hashes[0] as Uint8Array, hashes[2] as Uint8Array, hashes[1] as Uint8Array]), extensions: [] }, provider)
  return {
    description: 'ledger-v1 known answers: entries (canonical CBOR leaves, signing bytes, party signatures), a signed checkpoint, a cosignature, proofs and a split-view evidence file. Seeds are 32 bytes of 0x01 (provider), 0x02 (customer), 0x03 (witness).',
    keys: {
      provider: { seed: hex(provider.seed), peerId: provider.peerId, vkey: ledgerVerifierKey(provider.peerId) },
      customer: { seed: hex(customer.seed), peerId: customer.peerId },
      witness: { seed: hex(witness.seed), peerId: witness.peerId, cosignerVkey: cosignerVerifierKey(witness.peerId) }
    },
    entries,
    tree: {
      size: 3,
      root: b64(root),
      inclusion: { leafIndex: 1, treeSize: 3, proof: (await buildProof(inclusionProofRanges(1, 3), read)).map(b64) },
      consistency: { size1: 2, size2: 3, root1: b64(rootFromLeafHashes(hashes.slice(0, 2))), proof: (await buildProof(consistencyProofRanges(2, 3), read)).map(b64) }
    },
    checkpoint: { origin, note, cosignedNote: cosigned, cosignatureTime: 1_790_000_300 },
    evidence: makeEvidence('split-view', ledgerVerifierKey(provider.peerId), openNodeCheckpoint(note, provider.peerId), openNodeCheckpoint(other, provider.peerId))
  }
}
