/**
 * The order-v1 wire codec (protocols/order-v1.md §3.1): a message is the canonical CBOR map
 * `{ v: 1, kind, body, sig }`. Decoding is strict: size, version, kind, every field of the body
 * (unknown fields refused), lengths; everything malformed is `ORDER_BAD_MESSAGE` with the field's
 * path. Decoding does not check signatures ({@link verifyMessage}) or meaning (the state machines).
 */
import { decodeVersionedMessage, encodeVersionedMessage, fieldReader } from '../encoding/index.js'
import type { CanonicalValue, MessageFormat } from '../encoding/index.js'
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { SIGNATURE_LENGTH } from '../identity/index.js'
import { HASH_SIZE, MAX_ENTRY_BYTES, MAX_PARTIES, entrySigningBytes } from '../ledger/index.js'
import type { EntryBody, EntryType } from '../ledger/index.js'
import {
  MAX_AMOUNT_LENGTH, MAX_CODE_LENGTH, MAX_ORDER_ID_LENGTH, MAX_PEER_ID_LENGTH, MAX_ORDER_ITEMS, MAX_ORDER_MESSAGE_BYTES, MAX_REASON_LENGTH,
  MAX_UNIT_LENGTH, ORDER_MESSAGE_VERSION
} from './constants.js'
import { OrderError } from './errors.js'
import { MESSAGE_KINDS, ORDER_STATES } from './messages.js'
import type { Envelope, MessageBodies, MessageKind, OfferRef, OrderMessage, QuoteAsk, QuoteLine, TerminationSig } from './messages.js'
import type { Amount } from './plan.js'

const FORMAT: MessageFormat = { version: ORDER_MESSAGE_VERSION, maxBytes: MAX_ORDER_MESSAGE_BYTES, badMessageCode: OrderError.BAD_MESSAGE }
/** The order-v1 field readers, failing with `ORDER_BAD_MESSAGE`. */
export const orderFields = fieldReader(OrderError.BAD_MESSAGE)
const f = orderFields

/** The wire bytes of a signed message. */
export function encodeOrderMessage (msg: OrderMessage): Uint8Array {
  return encodeVersionedMessage(FORMAT, { kind: msg.kind, body: msg.body as unknown as CanonicalValue, sig: msg.sig })
}

/** Decodes wire bytes strictly into a message (signature not checked). Throws `ORDER_BAD_MESSAGE`. */
export function decodeOrderMessage (bytes: Uint8Array): OrderMessage {
  const m = decodeVersionedMessage(FORMAT, bytes, ['kind', 'body', 'sig'])
  const kind = f.oneOf(m.kind, 'kind', MESSAGE_KINDS)
  const sig = f.bytes(m.sig, 'sig', SIGNATURE_LENGTH)
  const body = BODY_READERS[kind](m.body, 'body')
  return { kind, body, sig } as OrderMessage
}

type Reader<T> = (v: unknown, path: string) => T

const envelope = (m: Record<string, unknown>, path: string): Envelope => ({
  order: f.str(m.order, `${path}.order`, MAX_ORDER_ID_LENGTH),
  from: f.str(m.from, `${path}.from`, MAX_PEER_ID_LENGTH),
  to: f.str(m.to, `${path}.to`, MAX_PEER_ID_LENGTH)
})
const ENVELOPE = ['order', 'from', 'to']

/** Reads an offer reference `{ provider, id, seq, hash }`. */
export const readOfferRef: Reader<OfferRef> = (v, path) => {
  const m = f.strictMap(v, path, ['provider', 'id', 'seq', 'hash'])
  return {
    provider: f.str(m.provider, `${path}.provider`, MAX_PEER_ID_LENGTH),
    id: f.str(m.id, `${path}.id`, MAX_ORDER_ID_LENGTH),
    seq: f.uint(m.seq, `${path}.seq`),
    hash: f.bytes(m.hash, `${path}.hash`, HASH_SIZE)
  }
}

/** Reads a price `{ amount, currency, unit }` (the decimal form is checked where it is compared). */
export const readAmount: Reader<Amount> = (v, path) => {
  const m = f.strictMap(v, path, ['amount', 'currency', 'unit'])
  return {
    amount: f.str(m.amount, `${path}.amount`, MAX_AMOUNT_LENGTH),
    currency: f.str(m.currency, `${path}.currency`, MAX_UNIT_LENGTH),
    unit: f.str(m.unit, `${path}.unit`, MAX_UNIT_LENGTH)
  }
}

const readAsk: Reader<QuoteAsk> = (v, path) => {
  const m = f.strictMap(v, path, ['offer', 'quantity', 'bid'])
  const ask: QuoteAsk = { offer: readOfferRef(m.offer, `${path}.offer`), quantity: f.uint(m.quantity, `${path}.quantity`) }
  const bid = f.optional(m.bid, `${path}.bid`, readAmount)
  if (bid !== undefined) ask.bid = bid
  return ask
}

const readLine: Reader<QuoteLine> = (v, path) => {
  const m = f.strictMap(v, path, ['offer', 'quantity', 'price'])
  return { offer: readOfferRef(m.offer, `${path}.offer`), quantity: f.uint(m.quantity, `${path}.quantity`), price: readAmount(m.price, `${path}.price`) }
}

/** Reads a ledger-v1 body of `type` and checks it with the ledger's own rules (ledger-v1 §2). */
const entryBodyReader = (type: EntryType): Reader<EntryBody> => (v, path) => {
  f.map(v, path)
  try {
    entrySigningBytes(type, v as EntryBody)
  } catch (err) {
    if (isFulcrumError(err)) throw new FulcrumError(OrderError.BAD_MESSAGE, err.message, { path: `${path}.${(err.path ?? '').replace(/^body\.?/, '')}`.replace(/\.$/, '') })
    throw err
  }
  return v as EntryBody
}
const readEntryBody = entryBodyReader('agreement')
const readTerminationBody = entryBodyReader('termination')

const readTerminationSig: Reader<TerminationSig> = (v, path) => {
  const m = f.strictMap(v, path, ['party', 'sig'])
  return { party: f.str(m.party, `${path}.party`, MAX_PEER_ID_LENGTH), sig: f.bytes(m.sig, `${path}.sig`, SIGNATURE_LENGTH) }
}

function bodyReader<K extends MessageKind> (extra: readonly string[], read: (m: Record<string, unknown>, p: string) => Omit<MessageBodies[K], keyof Envelope>): Reader<MessageBodies[K]> {
  return (v, path) => {
    const m = f.strictMap(v, path, [...ENVELOPE, ...extra])
    return { ...envelope(m, path), ...read(m, path) } as MessageBodies[K]
  }
}

const BODY_READERS: { [K in MessageKind]: Reader<MessageBodies[K]> } = {
  'quote-request': bodyReader<'quote-request'>(['items'], (m, p) => ({ items: f.list(m.items, `${p}.items`, MAX_ORDER_ITEMS, readAsk) })),
  quote: bodyReader<'quote'>(['items', 'validUntil', 'counter'], (m, p) => {
    const out: Omit<MessageBodies['quote'], keyof Envelope> = {
      items: f.list(m.items, `${p}.items`, MAX_ORDER_ITEMS, readLine), validUntil: f.uint(m.validUntil, `${p}.validUntil`)
    }
    const counter = f.optional(m.counter, `${p}.counter`, (x, q) => f.list(x, q, MAX_ORDER_ITEMS, readLine))
    if (counter !== undefined) out.counter = counter
    return out
  }),
  hold: bodyReader<'hold'>(['body'], (m, p) => ({ body: readEntryBody(m.body, `${p}.body`) })),
  held: bodyReader<'held'>(['bodyHash', 'entrySig', 'expiresAt'], (m, p) => ({
    bodyHash: f.bytes(m.bodyHash, `${p}.bodyHash`, HASH_SIZE),
    entrySig: f.bytes(m.entrySig, `${p}.entrySig`, SIGNATURE_LENGTH),
    expiresAt: f.uint(m.expiresAt, `${p}.expiresAt`)
  })),
  refused: bodyReader<'refused'>(['code', 'reason'], (m, p) => ({
    code: f.str(m.code, `${p}.code`, MAX_CODE_LENGTH), reason: f.str(m.reason, `${p}.reason`, MAX_REASON_LENGTH)
  })),
  commit: bodyReader<'commit'>(['entry'], (m, p) => ({ entry: f.bytes(m.entry, `${p}.entry`, undefined, MAX_ENTRY_BYTES) })),
  committed: bodyReader<'committed'>(['bodyHash'], (m, p) => ({ bodyHash: f.bytes(m.bodyHash, `${p}.bodyHash`, HASH_SIZE) })),
  abort: bodyReader<'abort'>(['reason'], (m, p) => ({ reason: f.str(m.reason, `${p}.reason`, MAX_REASON_LENGTH) })),
  'status-request': bodyReader<'status-request'>([], () => ({})),
  status: bodyReader<'status'>(['state', 'expiresAt', 'entry'], (m, p) => {
    const out: Omit<MessageBodies['status'], keyof Envelope> = { state: f.oneOf(m.state, `${p}.state`, ORDER_STATES) }
    const expiresAt = f.optional(m.expiresAt, `${p}.expiresAt`, f.uint)
    if (expiresAt !== undefined) out.expiresAt = expiresAt
    const entry = f.optional(m.entry, `${p}.entry`, (x, q) => f.bytes(x, q, undefined, MAX_ENTRY_BYTES))
    if (entry !== undefined) out.entry = entry
    return out
  }),
  terminate: bodyReader<'terminate'>(['termination', 'sigs'], (m, p) => ({
    termination: readTerminationBody(m.termination, `${p}.termination`),
    sigs: f.list(m.sigs, `${p}.sigs`, MAX_PARTIES, readTerminationSig)
  })),
  'termination-query': bodyReader<'termination-query'>([], () => ({}))
}
