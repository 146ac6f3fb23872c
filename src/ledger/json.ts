/**
 * The JSON form of a ledger entry, for files and the CLI (`fulcrum ledger append`):
 * `{ "type", "body", "sigs": [base64 signature, one per party] }`. The body is the same JSON
 * object that is canonically encoded and signed (terms hold strings, safe integers, booleans,
 * null, arrays and maps; never floats).
 */
import { FulcrumError } from '../errors/index.js'
import { LedgerError } from './errors.js'
import { strictBase64 } from './note.js'
import { decodeEntry, encodeEntry } from './entries.js'
import type { Entry } from './entries.js'

/** An entry as JSON. */
export interface EntryJson {
  type: string
  body: Record<string, unknown>
  sigs: string[]
}

/** The JSON form of an entry. */
export function entryToJson (entry: Entry): EntryJson {
  return { type: entry.type, body: entry.body as unknown as Record<string, unknown>, sigs: entry.sigs.map(s => Buffer.from(s).toString('base64')) }
}

/** Parses the JSON form, validating it as {@link decodeEntry} does. Throws `LEDGER_MALFORMED_ENTRY`. */
export function entryFromJson (json: unknown): Entry {
  const j = json as Partial<EntryJson>
  if (typeof j !== 'object' || j === null || !Array.isArray(j.sigs)) throw new FulcrumError(LedgerError.MALFORMED_ENTRY, 'an entry is { type, body, sigs }')
  const sigs = j.sigs.map((s, i) => {
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
