/**
 * order-v1 messages (protocols/order-v1.md §3): their types, their signing bytes and signatures.
 *
 * Every message is `{ kind, body, sig }`; `body` names the order, the sender (`from`) and the
 * recipient (`to`), so a message replayed to another peer or for another order is refused, and `sig`
 * is the sender's Ed25519 signature over `signingBytes("fulcrum/order/<kind>/v1", body)`.
 * Signing and verification go through small injected interfaces so that the simulator can run
 * thousands of negotiations quickly; the node passes its identity and {@link ed25519Verifier}.
 */
import { signingBytes } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { FulcrumError } from '../errors/index.js'
import { publicKeyFromPeerId, verify } from '../identity/index.js'
import type { EntryBody } from '../ledger/index.js'
import { ORDER_DOMAIN_PREFIX } from './constants.js'
import { OrderError } from './errors.js'
import type { Amount } from './plan.js'

/** Names one signed offer record: provider, id, seq and SHA-256 of the encoded record. */
export interface OfferRef {
  provider: string
  id: string
  seq: number
  /** SHA-256 of the record's canonical encoding (32 bytes). */
  hash: Uint8Array
}

/** Fields every message body carries. */
export interface Envelope {
  /** The order id (also the agreement entry's id). */
  order: string
  /** The sender's peer id: the key that signs the message. */
  from: string
  /** The recipient's peer id. */
  to: string
}

/** One line of a quote request: an offer, a quantity, optionally a price the customer bids. */
export interface QuoteAsk { offer: OfferRef, quantity: number, bid?: Amount }
/** One line of a quote: an offer at a price for a quantity. */
export interface QuoteLine { offer: OfferRef, quantity: number, price: Amount }

/** One party's ledger signature over a termination body (`signEntryBody('termination', ...)`). */
export interface TerminationSig { party: string, sig: Uint8Array }

/** The states a `status` answer reports (provider or customer view of one order). */
export const ORDER_STATES = ['unknown', 'quoted', 'pending', 'held', 'committed', 'released', 'expired', 'aborted'] as const
export type OrderState = typeof ORDER_STATES[number]

/** The body of each message kind. */
export interface MessageBodies {
  /** Customer -> provider: price these lines. */
  'quote-request': Envelope & { items: QuoteAsk[] }
  /** Provider -> customer: a firm quote valid until `validUntil`, optionally a counter-offer. */
  quote: Envelope & { items: QuoteLine[], validUntil: number, counter?: QuoteLine[] }
  /** Customer -> provider: reserve and sign this agreement body (ledger-v1 `agreement`). */
  hold: Envelope & { body: EntryBody }
  /** Provider -> customer: its entry signature over the body, valid until `expiresAt` (its clock). */
  held: Envelope & { bodyHash: Uint8Array, entrySig: Uint8Array, expiresAt: number }
  /** Provider -> customer: the hold or quote is refused, with a stable code. */
  refused: Envelope & { code: string, reason: string }
  /** Customer (or a forwarding provider) -> provider: the complete, all-signed ledger entry. */
  commit: Envelope & { entry: Uint8Array }
  /** Provider -> sender of a commit: appended to its ledger. */
  committed: Envelope & { bodyHash: Uint8Array }
  /** Customer -> provider: release the hold; the customer will never commit this order. */
  abort: Envelope & { reason: string }
  /** Any party -> any party: what is your state of this order? */
  'status-request': Envelope
  /** The answer: the sender's state, its hold expiry if holding, the certificate if committed. */
  status: Envelope & { state: OrderState, expiresAt?: number, entry?: Uint8Array }
  /**
   * Any party -> any party, as a request or as the answer to one (§5.3): a termination of the
   * agreement `order` (a ledger-v1 `termination` body) with every party's signature the sender
   * knows, its own included once it accepts it.
   */
  terminate: Envelope & { termination: EntryBody, sigs: TerminationSig[] }
  /** A party (a light-client customer) -> a party: send me the terminations you know of this agreement. */
  'termination-query': Envelope
}
export type MessageKind = keyof MessageBodies
export const MESSAGE_KINDS: readonly MessageKind[] = [
  'quote-request', 'quote', 'hold', 'held', 'refused', 'commit', 'committed', 'abort', 'status-request', 'status',
  'terminate', 'termination-query'
]

/** A signed message of one kind (or, without a type argument, of any kind). */
export type OrderMessage<K extends MessageKind = MessageKind> = {
  [P in K]: { kind: P, body: MessageBodies[P], sig: Uint8Array }
}[K]

/** Signs with a node's key (an `Identity` is one). */
export interface OrderSigner {
  readonly peerId: string
  sign: (message: Uint8Array) => Uint8Array
}
/** Checks `peerId`'s signature over `message`; false for anything invalid (never throws). */
export type Verifier = (peerId: string, message: Uint8Array, sig: Uint8Array) => boolean

/** The real verifier: strict Ed25519 under the key inside the peer id. */
export const ed25519Verifier: Verifier = (peerId, message, sig) => {
  try {
    return verify(publicKeyFromPeerId(peerId), message, sig)
  } catch {
    return false
  }
}

/** The domain tag of a kind's signing bytes. */
export function messageDomainTag (kind: MessageKind): string {
  return `${ORDER_DOMAIN_PREFIX}${kind}/v1`
}

/** The exact bytes the sender signs: `signingBytes("fulcrum/order/<kind>/v1", body)`. */
export function messageSigningBytes<K extends MessageKind> (kind: K, body: MessageBodies[K]): Uint8Array {
  return signingBytes(messageDomainTag(kind), body as unknown as CanonicalValue)
}

/** Signs a message body. Precondition: `body.from` is the signer's peer id (else a plain Error: a bug). */
export function signMessage<K extends MessageKind> (kind: K, body: MessageBodies[K], signer: OrderSigner): OrderMessage<K> {
  if (body.from !== signer.peerId) throw new Error(`message from ${body.from} cannot be signed by ${signer.peerId}`)
  return { kind, body, sig: signer.sign(messageSigningBytes(kind, body)) } as OrderMessage<K>
}

/** Throws `ORDER_BAD_SIGNATURE` unless `msg.sig` is `msg.body.from`'s signature over the message. */
export function verifyMessage (msg: OrderMessage, verifier: Verifier): void {
  const bytes = messageSigningBytes(msg.kind, msg.body as never)
  if (!verifier(msg.body.from, bytes, msg.sig)) {
    throw new FulcrumError(OrderError.BAD_SIGNATURE, `${msg.kind} signature does not verify for ${msg.body.from}`, { path: 'sig' })
  }
}
