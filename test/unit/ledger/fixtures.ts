/** Test helpers: identities and signed ledger entries (orders do not exist yet). */
import { createIdentity } from '../../../src/identity/index.js'
import type { Identity } from '../../../src/identity/index.js'
import { encodeEntry, signEntryBody } from '../../../src/ledger/index.js'
import type { Entry, EntryBody, EntryType } from '../../../src/ledger/index.js'

/** A deterministic identity from a small number. */
export function testIdentity (n: number): Identity {
  return createIdentity(Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n * 13 + 1) & 0xff))
}

/** A body with the given parties (sorted here) and fields. */
export function testBody (id: string, parties: Identity[], extra: Partial<EntryBody> = {}): EntryBody {
  return {
    id,
    parties: parties.map(p => p.peerId).sort(),
    createdAt: 1_790_000_000_000,
    terms: { service: 'vm.small', pricePerHour: '0.04', currency: 'EUR' },
    ...extra
  }
}

/** An entry signed by every party. */
export function signedEntry (type: EntryType, body: EntryBody, parties: Identity[]): Entry {
  const byId = new Map(parties.map(p => [p.peerId, p]))
  const sigs = body.parties.map(id => {
    const p = byId.get(id)
    if (p === undefined) throw new Error(`no identity for party ${id}`)
    return signEntryBody(type, body, p)
  })
  return { type, body, sigs }
}

/** The leaf bytes of a signed agreement between `parties`. */
export function agreementLeaf (id: string, parties: Identity[]): Uint8Array {
  return encodeEntry(signedEntry('agreement', testBody(id, parties), parties))
}
