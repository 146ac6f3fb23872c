/**
 * Ledger entries: the signed documents a node appends to its log (protocols/ledger-v1.md §Entries).
 *
 * A leaf is the canonical CBOR of `{ v: 1, type, body, sigs }`. `body` is what the parties
 * agreed; `sigs[i]` is the Ed25519 signature of `body.parties[i]` over
 * `signingBytes("fulcrum/ledger/<type>/v1", body)`, so a signature on an agreement can never
 * pass for one on its termination. The body hash (SHA-256 of those signing bytes) identifies
 * the same agreement across the logs of all its parties.
 */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { encodeCanonical, readCanonical, readCheckedCanonical, signingBytes, signingBytesOfEncoded } from '../encoding/index.js'
import type { CanonicalRead, CanonicalValue } from '../encoding/index.js'
import { publicKeyFromPeerId, verify, SIGNATURE_LENGTH } from '../identity/index.js'
import { LedgerError } from './errors.js'
import { sha256 } from './hash.js'

/** Entry format version. */
export const ENTRY_VERSION = 1
/** Entry types: an agreement, a change of its terms, its end. */
export const ENTRY_TYPES = ['agreement', 'amendment', 'termination'] as const
export type EntryType = typeof ENTRY_TYPES[number]

/** Largest encoded entry: terms are a few KiB; the cap bounds memory per page of the protocol. */
export const MAX_ENTRY_BYTES = 64 * 1024
/** Most parties of one agreement: a multi-provider order plus its customer. */
export const MAX_PARTIES = 16
/** Longest document id. */
export const MAX_ID_LENGTH = 128
/** Longest termination reason. */
export const MAX_REASON_LENGTH = 1024
const ID_PATTERN = /^[A-Za-z0-9._:-]+$/

/** The body that every party signs. */
export interface EntryBody {
  /** The document's own id, unique in every party's log. */
  id: string
  /** For amendments and terminations, the id of the agreement they change; absent on agreements. */
  agreement?: string
  /** Peer ids of all parties, sorted ascending, no duplicates. */
  parties: string[]
  /** Milliseconds since the epoch, as stated by the parties. */
  createdAt: number
  /** The agreed terms (agreements and amendments). */
  terms?: { [key: string]: CanonicalValue }
  /** Why it ended (terminations). */
  reason?: string
  /**
   * Terminations: when the agreement ends (unix ms, at or after `createdAt`); the time between the
   * two is the notice given. Absent: it ends at `createdAt`.
   */
  effectiveAt?: number
}

/** A ledger entry: a typed body and one signature per party, in the order of `body.parties`. */
export interface Entry {
  type: EntryType
  body: EntryBody
  sigs: Uint8Array[]
}

const bad = (why: string, path?: string): FulcrumError =>
  new FulcrumError(LedgerError.MALFORMED_ENTRY, why, path === undefined ? {} : { path })

/** The domain tag of an entry type's signatures. */
export function entryDomainTag (type: EntryType): string {
  return `fulcrum/ledger/${type}/v1`
}

/** The exact bytes each party signs for a body of `type`. Validates the body first. */
export function entrySigningBytes (type: EntryType, body: EntryBody): Uint8Array {
  validateBody(type, body)
  return signingBytes(entryDomainTag(type), body as unknown as CanonicalValue)
}

/** SHA-256 of the signing bytes: the same agreement has the same body hash in every log. */
export function bodyHash (type: EntryType, body: EntryBody): Uint8Array {
  return sha256(entrySigningBytes(type, body))
}

/** One party's signature over a body. */
export function signEntryBody (type: EntryType, body: EntryBody, signer: { sign: (m: Uint8Array) => Uint8Array }): Uint8Array {
  return signer.sign(entrySigningBytes(type, body))
}

/** The leaf bytes of an entry. Throws `LEDGER_MALFORMED_ENTRY`. */
export function encodeEntry (entry: Entry): Uint8Array {
  validateEntry(entry)
  const bytes = encodeCanonical({ v: ENTRY_VERSION, type: entry.type, body: entry.body as unknown as CanonicalValue, sigs: entry.sigs })
  if (bytes.length > MAX_ENTRY_BYTES) throw bad(`entry is larger than ${MAX_ENTRY_BYTES} bytes`)
  return bytes
}

/** Decodes and validates leaf bytes (not the signatures: see {@link verifyEntrySignatures}). */
export function decodeEntry (leaf: Uint8Array): Entry {
  return readLeaf(leaf, false).entry
}

/**
 * Decodes a leaf that {@link decodeEntry} has already accepted (in a verification thread): the
 * same entry, without repeating the canonical-encoding check.
 */
export function decodeCheckedEntry (leaf: Uint8Array): Entry {
  return readLeaf(leaf, true).entry
}

/**
 * Decodes a leaf and lists its signature checks, like `entrySignatureChecks(decodeEntry(leaf))`
 * (same errors), but takes the signed body bytes from the leaf itself instead of encoding the body
 * again: the leaf is canonical, so the body's canonical encoding is a slice of it.
 */
export function leafSignatureChecks (leaf: Uint8Array): { entry: Entry, checks: EntrySignatureCheck[] } {
  const { entry, body } = readLeaf(leaf, false)
  const message = body === undefined
    ? signingBytes(entryDomainTag(entry.type), entry.body as unknown as CanonicalValue)
    : signingBytesOfEncoded(entryDomainTag(entry.type), body)
  return { entry, checks: entry.body.parties.map((party, i) => ({ publicKey: partyKey(party), message, signature: entry.sigs[i] as Uint8Array })) }
}

/**
 * Decodes a leaf and verifies every party's signature: `decodeEntry` then `verifyEntrySignatures`,
 * same result and errors (`LEDGER_MALFORMED_ENTRY`, `LEDGER_BAD_ENTRY_SIGNATURE` naming the first
 * party in order whose signature fails), without encoding anything again.
 */
export function verifyLeaf (leaf: Uint8Array): Entry {
  const { entry, checks } = leafSignatureChecks(leaf)
  const failed = checks.findIndex(c => c.publicKey === undefined || !verify(c.publicKey, c.message, c.signature))
  if (failed >= 0) throw badEntrySignature(entry, failed)
  return entry
}

/** A decoded leaf and its body's encoded bytes (a view of the leaf; undefined if not located). */
function readLeaf (leaf: Uint8Array, checked: boolean): { entry: Entry, body: Uint8Array | undefined } {
  let read: CanonicalRead
  try {
    read = checked ? readCheckedCanonical(leaf) : readCanonical(leaf, MAX_ENTRY_BYTES)
  } catch (err) {
    if (isFulcrumError(err)) throw bad(`leaf is not canonical CBOR (${err.code})`)
    throw err
  }
  const entry = entryFromValue(read.value)
  const span = read.spans?.get('body')
  return { entry, body: span === undefined ? undefined : leaf.subarray(span.start, span.end) }
}

function entryFromValue (value: unknown): Entry {
  if (!isPlainObject(value)) throw bad('entry must be a map')
  onlyKeys(value, ['v', 'type', 'body', 'sigs'], '')
  if (value.v !== ENTRY_VERSION) throw bad(`unknown entry version ${String(value.v)}`, 'v')
  const entry = { type: value.type, body: value.body, sigs: value.sigs } as Entry
  validateEntry(entry)
  return entry
}

/** Throws `LEDGER_BAD_ENTRY_SIGNATURE` (path `sigs[i]`) unless every party's signature verifies. */
export function verifyEntrySignatures (entry: Entry): void {
  const checks = entrySignatureChecks(entry)
  const failed = checks.findIndex(c => c.publicKey === undefined || !verify(c.publicKey, c.message, c.signature))
  if (failed >= 0) throw badEntrySignature(entry, failed)
}

/** One party's signature over an entry, as {@link verifyEntrySignatures} checks it. */
export interface EntrySignatureCheck {
  /** The party's key; undefined if its peer id is not an Ed25519 peer id (never verifies). */
  publicKey: Uint8Array | undefined
  message: Uint8Array
  signature: Uint8Array
}

/**
 * Validates the entry and lists the signature checks it needs, one per party in order: lets a
 * caller verify them elsewhere (a verification pool), then report with {@link badEntrySignature}.
 */
export function entrySignatureChecks (entry: Entry): EntrySignatureCheck[] {
  validateEntry(entry)
  const message = signingBytes(entryDomainTag(entry.type), entry.body as unknown as CanonicalValue)
  return entry.body.parties.map((party, i) => ({ publicKey: partyKey(party), message, signature: entry.sigs[i] as Uint8Array }))
}

/** The `LEDGER_BAD_ENTRY_SIGNATURE` error for party `i` of an entry. */
export function badEntrySignature (entry: Entry, i: number): FulcrumError {
  return new FulcrumError(LedgerError.BAD_ENTRY_SIGNATURE, `signature of party ${String(entry.body.parties[i])} does not verify`, { path: `sigs[${i}]` })
}

function validateEntry (entry: Entry): void {
  if (!(ENTRY_TYPES as readonly unknown[]).includes(entry.type)) throw bad(`unknown entry type ${String(entry.type)}`, 'type')
  validateBody(entry.type, entry.body)
  if (!Array.isArray(entry.sigs) || entry.sigs.length !== entry.body.parties.length) {
    throw bad('there must be exactly one signature per party', 'sigs')
  }
  entry.sigs.forEach((s, i) => {
    if (!(s instanceof Uint8Array) || s.length !== SIGNATURE_LENGTH) throw bad('signature must be 64 bytes', `sigs[${i}]`)
  })
}

function validateBody (type: EntryType, body: EntryBody): void {
  if (!isPlainObject(body)) throw bad('body must be a map', 'body')
  const keys = type === 'termination' ? ['id', 'agreement', 'parties', 'createdAt', 'reason', 'effectiveAt'] : ['id', 'agreement', 'parties', 'createdAt', 'terms']
  onlyKeys(body, keys, 'body')
  checkId(body.id, 'body.id')
  if (type === 'agreement') {
    if (body.agreement !== undefined) throw bad('an agreement has no agreement field', 'body.agreement')
  } else {
    checkId(body.agreement, 'body.agreement')
  }
  checkParties(body.parties)
  if (!Number.isSafeInteger(body.createdAt) || body.createdAt < 0) throw bad('createdAt must be a non-negative integer', 'body.createdAt')
  if (type === 'termination') {
    if (typeof body.reason !== 'string' || body.reason.length > MAX_REASON_LENGTH) throw bad('reason must be a short string', 'body.reason')
    if (body.effectiveAt !== undefined && (!Number.isSafeInteger(body.effectiveAt) || body.effectiveAt < body.createdAt)) {
      throw bad('effectiveAt must be an integer at or after createdAt', 'body.effectiveAt')
    }
  } else if (!isPlainObject(body.terms)) {
    throw bad('terms must be a map', 'body.terms')
  }
}

/**
 * Most party keys remembered: validating a peer id decodes a curve point (tens of microseconds),
 * and an audit sees the same few parties in thousands of entries. Beyond the cap the memo resets.
 */
const PARTY_KEY_CACHE_LIMIT = 10_000
const partyKeys = new Map<string, Uint8Array | null>()

/** The public key of a party's peer id, or undefined if it is not a valid Ed25519 peer id (memoised). */
function partyKey (peerId: unknown): Uint8Array | undefined {
  if (typeof peerId !== 'string') return undefined
  let key = partyKeys.get(peerId)
  if (key === undefined) {
    try {
      key = publicKeyFromPeerId(peerId)
    } catch {
      key = null
    }
    if (partyKeys.size >= PARTY_KEY_CACHE_LIMIT) partyKeys.clear()
    partyKeys.set(peerId, key)
  }
  return key ?? undefined
}

function checkId (id: unknown, path: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) {
    throw bad(`must be 1..${MAX_ID_LENGTH} characters of [A-Za-z0-9._:-]`, path)
  }
}

function checkParties (parties: unknown): void {
  if (!Array.isArray(parties) || parties.length < 2 || parties.length > MAX_PARTIES) {
    throw bad(`an entry has 2..${MAX_PARTIES} parties`, 'body.parties')
  }
  parties.forEach((p, i) => {
    if (partyKey(p) === undefined) throw bad('not an Ed25519 peer id', `body.parties[${i}]`)
    if (i > 0 && !((parties[i - 1] as string) < p)) throw bad('parties must be sorted ascending without duplicates', `body.parties[${i}]`)
  })
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

function onlyKeys (obj: Record<string, unknown>, allowed: string[], path: string): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!allowed.includes(k)) throw bad(`unknown field ${k}`, path === '' ? k : `${path}.${k}`)
    if (v === undefined) throw bad('an absent field is omitted, not undefined', path === '' ? k : `${path}.${k}`)
  }
}
