/**
 * Agreement terms (protocols/order-v1.md §4): the ledger-v1 `agreement` body every party of an
 * order signs, built from a {@link Plan}; its strict parsing (for providers' checks and
 * `ledger show`); and the commit certificate (the complete entry) with its verification.
 */
import { base32 } from 'multiformats/bases/base32'
import { fieldReader } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { HASH_SIZE, decodeEntry, entrySigningBytes } from '../ledger/index.js'
import type { Entry, EntryBody } from '../ledger/index.js'
import { encodeRecord, isDecimal, sha256 } from '../offers/index.js'
import { MAX_ITEM_NAME_LENGTH, MAX_NOTICE_DAYS, MAX_ORDER_ID_LENGTH, MAX_ORDER_ITEMS, MAX_PEER_ID_LENGTH, MAX_TERM_MONTHS } from './constants.js'
import { readAmount, readOfferRef } from './codec.js'
import { OrderError } from './errors.js'
import type { OfferRef, Verifier } from './messages.js'
import type { Amount, Plan } from './plan.js'

/** One item of an agreement: what is bought from whom, from which signed offer, at what price. */
export interface AgreementItem {
  name: string
  provider: string
  offer: OfferRef
  quantity: number
  price: Amount
}

/** The `terms` of an order's agreement entry. */
export interface AgreementTerms {
  /** The order id (equal to the entry id). */
  order: string
  /** The customer's peer id. */
  customer: string
  items: AgreementItem[]
  /** `noticeDays`: the shortest notice (whole days) a termination of this agreement may give (§5.3); absent: none. */
  term: { months: number, noticeDays?: number }
  /** Unix ms by which the customer decides; holds last until `commitBy + GRACE_MS`. */
  commitBy: number
  /** The plan's total, normalised to one unit of time (informative: providers check their own items). */
  total: Amount
  /**
   * Only in an aggregator's sub-order (order-v1 §10): the customer's order this one serves, so an
   * auditor can follow customer -> aggregator -> providers.
   */
  parent?: ParentLink
}

/** The link of a sub-order to the order it serves: its id and SHA-256 of its agreement signing bytes. */
export interface ParentLink { order: string, hash: Uint8Array }

/** What {@link buildAgreementBody} needs besides the plan. */
export interface AgreementInput {
  plan: Plan
  customer: string
  orderId: string
  createdAt: number
  commitBy: number
}

/** A fresh order id from 16 random bytes (injected): `ord-` and 26 base32 characters. */
export function newOrderId (random: Uint8Array): string {
  if (random.length !== 16) throw new Error('an order id needs 16 random bytes')
  return `ord-${base32.baseEncode(random)}`
}

/** The agreement body of a plan. Validated as {@link parseTerms} does; throws `ORDER_BAD_TERMS`. */
export function buildAgreementBody (input: AgreementInput): EntryBody {
  const items: AgreementItem[] = input.plan.items.map(i => ({
    name: i.name,
    provider: i.record.body.provider,
    offer: { provider: i.record.body.provider, id: i.record.body.id, seq: i.record.body.seq, hash: sha256(encodeRecord(i.record)) },
    quantity: i.quantity,
    price: { ...(i.price ?? i.record.body.price) }
  }))
  const terms: AgreementTerms = {
    order: input.orderId,
    customer: input.customer,
    items,
    term: input.plan.term.noticeDays === undefined ? { months: input.plan.term.months } : { months: input.plan.term.months, noticeDays: input.plan.term.noticeDays },
    commitBy: input.commitBy,
    total: { ...input.plan.total }
  }
  const parties = [...new Set([input.customer, ...items.map(i => i.provider)])].sort()
  const body: EntryBody = { id: input.orderId, parties, createdAt: input.createdAt, terms: terms as unknown as { [k: string]: CanonicalValue } }
  parseTerms(body)
  return body
}

const t = fieldReader(OrderError.BAD_TERMS)

function readAmountTerm (v: unknown, path: string): Amount {
  let a: Amount
  try { a = readAmount(v, path) } catch (err) { return isFulcrumError(err) ? t.bad(err.path ?? path, err.message) : t.bad(path, 'bad amount') }
  if (!isDecimal(a.amount)) t.bad(`${path}.amount`, 'not a decimal string')
  return a
}

function readItem (v: unknown, path: string): AgreementItem {
  const m = t.strictMap(v, path, ['name', 'provider', 'offer', 'quantity', 'price'])
  let offer: OfferRef
  try { offer = readOfferRef(m.offer, `${path}.offer`) } catch (err) { return t.bad(isFulcrumError(err) ? err.path ?? path : path, 'bad offer reference') }
  const item: AgreementItem = {
    name: t.str(m.name, `${path}.name`, MAX_ITEM_NAME_LENGTH),
    provider: t.str(m.provider, `${path}.provider`, MAX_PEER_ID_LENGTH),
    offer,
    quantity: t.uint(m.quantity, `${path}.quantity`),
    price: readAmountTerm(m.price, `${path}.price`)
  }
  if (item.name === '') t.bad(`${path}.name`, 'empty name')
  if (item.quantity < 1) t.bad(`${path}.quantity`, 'at least 1')
  if (item.offer.provider !== item.provider) t.bad(`${path}.offer.provider`, 'not the item provider')
  return item
}

function readParent (v: unknown, path: string): ParentLink {
  const m = t.strictMap(v, path, ['order', 'hash'])
  const order = t.str(m.order, `${path}.order`, MAX_ORDER_ID_LENGTH)
  if (order === '') t.bad(`${path}.order`, 'empty order id')
  return { order, hash: t.bytes(m.hash, `${path}.hash`, HASH_SIZE) }
}

/**
 * Parses and checks the terms of an agreement body: every field (no others), the order id equal to
 * the entry id, unique item names, parties exactly the customer and the items' providers (the
 * customer is not one of them), `commitBy` after `createdAt`. Throws `ORDER_BAD_TERMS` with the path.
 * Precondition: the body passed ledger-v1's checks (the codec and {@link buildAgreementBody} ensure it).
 */
export function parseTerms (body: EntryBody): AgreementTerms {
  const m = t.strictMap(body.terms, 'terms', ['order', 'customer', 'items', 'term', 'commitBy', 'total', 'parent'])
  const term = t.strictMap(m.term, 'terms.term', ['months', 'noticeDays'])
  const terms: AgreementTerms = {
    order: t.str(m.order, 'terms.order', MAX_ORDER_ID_LENGTH),
    customer: t.str(m.customer, 'terms.customer', MAX_PEER_ID_LENGTH),
    items: t.list(m.items, 'terms.items', MAX_ORDER_ITEMS, readItem),
    term: term.noticeDays === undefined ? { months: t.uint(term.months, 'terms.term.months') } : { months: t.uint(term.months, 'terms.term.months'), noticeDays: t.uint(term.noticeDays, 'terms.term.noticeDays') },
    commitBy: t.uint(m.commitBy, 'terms.commitBy'),
    total: readAmountTerm(m.total, 'terms.total')
  }
  if (m.parent !== undefined) terms.parent = readParent(m.parent, 'terms.parent')
  if (terms.order !== body.id) t.bad('terms.order', 'not the entry id')
  if (terms.parent?.order === terms.order) t.bad('terms.parent.order', 'an order cannot serve itself')
  if (terms.items.length === 0) t.bad('terms.items', 'no items')
  if (terms.term.months < 1 || terms.term.months > MAX_TERM_MONTHS) t.bad('terms.term.months', `1..${MAX_TERM_MONTHS}`)
  if ((terms.term.noticeDays ?? 0) > MAX_NOTICE_DAYS) t.bad('terms.term.noticeDays', `0..${MAX_NOTICE_DAYS}`)
  if (terms.commitBy <= body.createdAt) t.bad('terms.commitBy', 'not after createdAt')
  const names = new Set(terms.items.map(i => i.name))
  if (names.size !== terms.items.length) t.bad('terms.items', 'duplicate item names')
  const providers = providersOf(terms)
  if (providers.includes(terms.customer)) t.bad('terms.customer', 'the customer is also a provider')
  const parties = [terms.customer, ...providers].sort()
  if (parties.length !== body.parties.length || parties.some((p, i) => p !== body.parties[i])) {
    t.bad('parties', 'not exactly the customer and the providers of the items')
  }
  return terms
}

/** The distinct providers of an order, sorted. */
export function providersOf (terms: AgreementTerms): string[] {
  return [...new Set(terms.items.map(i => i.provider))].sort()
}

/** The complete entry from the body and one signature per party (`sigs` maps peer id to signature). */
export function assembleCertificate (body: EntryBody, sigs: ReadonlyMap<string, Uint8Array>): Entry {
  return {
    type: 'agreement',
    body,
    sigs: body.parties.map(p => {
      const s = sigs.get(p)
      if (s === undefined) throw new FulcrumError(OrderError.PARTIAL_COMMIT, `no signature of ${p}`)
      return s
    })
  }
}

/** Decodes the entry bytes of a commit: a well-formed ledger-v1 agreement. Throws `ORDER_BAD_MESSAGE`. */
export function decodeCertificate (bytes: Uint8Array): Entry {
  let entry: Entry
  try {
    entry = decodeEntry(bytes)
  } catch (err) {
    if (isFulcrumError(err)) throw new FulcrumError(OrderError.BAD_MESSAGE, `not a ledger entry: ${err.message}`, { path: 'body.entry' })
    throw err
  }
  if (entry.type !== 'agreement') throw new FulcrumError(OrderError.BAD_MESSAGE, 'not an agreement entry', { path: 'body.entry' })
  return entry
}

/**
 * Throws `ORDER_PARTIAL_COMMIT` (path `sigs[i]`) unless every party's signature verifies over the body.
 * `signing`, if given, must be `entrySigningBytes('agreement', entry.body)` (saves encoding it again).
 */
export function verifyCertificate (entry: Entry, verifier: Verifier, signing?: Uint8Array): void {
  const bytes = signing ?? entrySigningBytes('agreement', entry.body)
  entry.body.parties.forEach((p, i) => {
    const sig = entry.sigs[i]
    if (sig === undefined || !verifier(p, bytes, sig)) {
      throw new FulcrumError(OrderError.PARTIAL_COMMIT, `party ${p} has not signed this body`, { path: `sigs[${i}]` })
    }
  })
}
