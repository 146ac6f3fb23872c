/**
 * The JSON form of a ledger entry, for files and the CLI (`fulcrum ledger append`):
 * `{ "type", "body", "sigs": [base64 signature, one per party] }`. The body is the same JSON
 * object that is canonically encoded and signed (terms hold strings, safe integers, booleans,
 * null, arrays and maps; never floats).
 */
import { toBase64 } from '../encoding/base64.js'
import { FulcrumError } from '../errors/index.js'
import { LedgerError } from './errors.js'
import { strictBase64 } from './note.js'
import { decodeEntry, encodeEntry, entrySigningBytes, ENTRY_TYPES } from './entries.js'
import type { Entry, EntryBody, EntryType } from './entries.js'
import { publicKeyFromPeerId as publicKeyOf, verify } from '../identity/index.js'
import type { Identity } from '../identity/index.js'

/** An entry as JSON. */
export interface EntryJson {
  type: string
  body: Record<string, unknown>
  sigs: string[]
}

/** The JSON form of an entry. */
export function entryToJson (entry: Entry): EntryJson {
  return { type: entry.type, body: entry.body as unknown as Record<string, unknown>, sigs: entry.sigs.map(toBase64) }
}

/** Parses the JSON form, validating it as {@link decodeEntry} does. Throws `LEDGER_MALFORMED_ENTRY`. */
export function entryFromJson (json: unknown): Entry {
  const j = json as Partial<EntryJson>
  if (typeof j !== 'object' || j === null || !Array.isArray(j.sigs)) throw new FulcrumError(LedgerError.MALFORMED_ENTRY, 'an entry is { type, body, sigs }')
  const sigs = j.sigs.map((s, i) => {
    if (s === null) throw new FulcrumError(LedgerError.MALFORMED_ENTRY, `party ${i} has not signed yet (each party adds its signature with \`fulcrum ledger sign\`)`, { path: `sigs[${i}]` })
    const b = typeof s === 'string' ? strictBase64(s) : undefined
    if (b === undefined) throw new FulcrumError(LedgerError.MALFORMED_ENTRY, 'signature must be base64', { path: `sigs[${i}]` })
    return b
  })
  let leaf: Uint8Array
  try {
    leaf = encodeEntry({ type: j.type, body: j.body, sigs } as unknown as Entry)
  } catch (err) {
    if (err instanceof FulcrumError && err.code !== LedgerError.MALFORMED_ENTRY) {
      throw new FulcrumError(LedgerError.MALFORMED_ENTRY, `entry cannot be encoded canonically (${err.code})`, err.path === undefined ? {} : { path: err.path })
    }
    throw err
  }
  return decodeEntry(leaf)
}

/** An entry while its parties sign it in turn: `sigs[i]` is null until party i has signed. */
export interface PartialEntryJson {
  type: string
  body: Record<string, unknown>
  sigs: Array<string | null>
}

/**
 * Adds `identity`'s signature to an entry that its parties sign in turn (`sigs` absent, or one
 * slot per party, null where a party has not signed). Validates the body, refuses a signer that
 * is not a party, and checks every signature already present (LEDGER_BAD_ENTRY_SIGNATURE), so a
 * body changed between two signers is caught by the next. Returns the entry and how many
 * signatures are still missing (0: ready for `fulcrum ledger append`).
 */
export function addEntrySignature (json: unknown, identity: Identity): { entry: PartialEntryJson, missing: number } {
  const j = json as Partial<PartialEntryJson>
  if (typeof j !== 'object' || j === null) throw new FulcrumError(LedgerError.MALFORMED_ENTRY, 'an entry is { type, body, sigs? }')
  if (!(ENTRY_TYPES as readonly unknown[]).includes(j.type)) throw new FulcrumError(LedgerError.MALFORMED_ENTRY, `unknown entry type ${String(j.type)}`, { path: 'type' })
  const type = j.type as EntryType
  const body = j.body as unknown as EntryBody
  const message = entrySigningBytes(type, body)
  const me = body.parties.indexOf(identity.peerId)
  if (me < 0) throw new FulcrumError(LedgerError.MALFORMED_ENTRY, `${identity.peerId} is not a party of this entry`, { path: 'body.parties' })
  const sigs = j.sigs ?? body.parties.map(() => null)
  if (!Array.isArray(sigs) || sigs.length !== body.parties.length) {
    throw new FulcrumError(LedgerError.MALFORMED_ENTRY, 'sigs must have one slot per party (null where not signed yet)', { path: 'sigs' })
  }
  const out = sigs.map((s, i) => {
    if (i === me) return toBase64(identity.sign(message))
    if (s === null) return null
    const b = typeof s === 'string' ? strictBase64(s) : undefined
    const party = body.parties[i] as string
    if (b === undefined || b.length !== 64 || !verify(publicKeyOf(party), message, b)) {
      throw new FulcrumError(LedgerError.BAD_ENTRY_SIGNATURE, `signature of party ${party} does not verify over this body`, { path: `sigs[${i}]` })
    }
    return s
  })
  return { entry: { type, body: j.body as Record<string, unknown>, sigs: out }, missing: out.filter(s => s === null).length }
}
