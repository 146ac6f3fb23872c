import { strict as assert } from 'node:assert'
import { encodeCanonical } from '../../../src/encoding/index.js'
import type { CanonicalValue } from '../../../src/encoding/index.js'
import { bodyHash, encodeEntry, signEntryBody } from '../../../src/ledger/index.js'
import {
  OrderError, decodeOrderMessage, encodeOrderMessage, signMessage, verifyMessage, ed25519Verifier, messageSigningBytes,
  MAX_ORDER_MESSAGE_BYTES, buildTermination
} from '../../../src/orders/index.js'
import type { MessageBodies, MessageKind, OrderMessage } from '../../../src/orders/index.js'
import { bodyOf, customer, providers, T0 } from './fixtures.js'

const p0 = providers[0]!
const body = bodyOf()
const env = (from = customer.peerId, to = p0.peerId): { order: string, from: string, to: string } => ({ order: body.id, from, to })
const ref = { provider: p0.peerId, id: 'vm-0', seq: 1, hash: new Uint8Array(32).fill(7) }
const price = { amount: '2.5', currency: 'EUR', unit: 'month' }
const termination = buildTermination(body, customer.peerId, T0 + 60_000, { noticeMs: 86_400_000, reason: 'moving out' })

/** One valid body of every kind, with its signer. */
export const SAMPLES: { [K in MessageKind]: [MessageBodies[K], typeof customer] } = {
  'quote-request': [{ ...env(), items: [{ offer: ref, quantity: 2, bid: { ...price, amount: '2' } }] }, customer],
  quote: [{ ...env(p0.peerId, customer.peerId), items: [{ offer: ref, quantity: 2, price }], validUntil: T0 + 60_000, counter: [{ offer: ref, quantity: 1, price }] }, p0],
  hold: [{ ...env(), body }, customer],
  held: [{ ...env(p0.peerId, customer.peerId), bodyHash: bodyHash('agreement', body), entrySig: signEntryBody('agreement', body, p0), expiresAt: T0 + 60_000 }, p0],
  refused: [{ ...env(p0.peerId, customer.peerId), code: OrderError.QUANTITY_ABOVE_CAPACITY, reason: 'only 1 left' }, p0],
  commit: [{ ...env(), entry: encodeEntry({ type: 'agreement', body, sigs: body.parties.map(() => new Uint8Array(64)) }) }, customer],
  committed: [{ ...env(p0.peerId, customer.peerId), bodyHash: bodyHash('agreement', body) }, p0],
  abort: [{ ...env(), reason: 'provider 2 refused' }, customer],
  'status-request': [env(p0.peerId, customer.peerId), p0],
  status: [{ ...env(customer.peerId, p0.peerId), state: 'committed', entry: new Uint8Array([1, 2, 3]) }, customer],
  terminate: [{ ...env(), termination: termination, sigs: [{ party: customer.peerId, sig: signEntryBody('termination', termination, customer) }] }, customer],
  'termination-query': [env(), customer]
}

function sample<K extends MessageKind> (kind: K): OrderMessage<K> {
  const [b, signer] = SAMPLES[kind]
  return signMessage(kind, b, signer)
}

/** Re-encodes a message after changing its raw map. */
function raw (msg: OrderMessage, change: (m: Record<string, unknown>) => void): Uint8Array {
  const m: Record<string, unknown> = { v: 1, kind: msg.kind, body: { ...msg.body }, sig: msg.sig }
  change(m)
  return encodeCanonical(m as CanonicalValue)
}

const code = (code: string) => (err: unknown) => (err as { code?: string }).code === code

describe('orders: message codec and signatures', () => {
  for (const kind of Object.keys(SAMPLES) as MessageKind[]) {
    it(`round-trips and verifies a ${kind} message`, () => {
      const msg = sample(kind)
      const back = decodeOrderMessage(encodeOrderMessage(msg))
      assert.deepEqual(back, msg)
      verifyMessage(back, ed25519Verifier)
    })
  }

  it('signs with the kind\'s domain tag, so one kind\'s signature never passes for another', () => {
    const abort = sample('abort')
    assert.ok(Buffer.from(messageSigningBytes('abort', abort.body)).toString('latin1').startsWith('fulcrum/order/abort/v1\0'))
    const asRefused = { kind: 'refused', body: { ...abort.body, code: 'X' }, sig: abort.sig } as OrderMessage
    assert.throws(() => { verifyMessage(asRefused, ed25519Verifier) }, code(OrderError.BAD_SIGNATURE))
  })

  it('refuses a message whose signature is not the sender\'s', () => {
    const msg = sample('hold')
    const forged = { ...msg, body: { ...msg.body, from: p0.peerId } } as OrderMessage
    assert.throws(() => { verifyMessage(forged, ed25519Verifier) }, code(OrderError.BAD_SIGNATURE))
    const flipped = msg.sig.slice(); flipped[3] = (flipped[3] as number) ^ 1
    assert.throws(() => { verifyMessage({ ...msg, sig: flipped }, ed25519Verifier) }, code(OrderError.BAD_SIGNATURE))
  })

  it('refuses a body field changed after signing', () => {
    const msg = sample('held')
    assert.throws(() => { verifyMessage({ ...msg, body: { ...msg.body, expiresAt: msg.body.expiresAt + 1 } }, ed25519Verifier) }, code(OrderError.BAD_SIGNATURE))
  })

  const bad: Array<[string, () => Uint8Array, string]> = [
    ['an unknown version', () => raw(sample('abort'), m => { m.v = 2 }), 'v'],
    ['an unknown kind', () => raw(sample('abort'), m => { m.kind = 'cancel' }), 'kind'],
    ['an unknown top-level field', () => raw(sample('abort'), m => { m.note = 'x' }), 'note'],
    ['an unknown body field', () => raw(sample('abort'), m => { (m.body as Record<string, unknown>).extra = 1 }), 'body.extra'],
    ['a missing body field', () => raw(sample('abort'), m => { delete (m.body as Record<string, unknown>).reason }), 'body.reason'],
    ['a 63-byte signature', () => raw(sample('abort'), m => { m.sig = new Uint8Array(63) }), 'sig'],
    ['a 31-byte body hash', () => raw(sample('held'), m => { (m.body as Record<string, unknown>).bodyHash = new Uint8Array(31) }), 'body.bodyHash'],
    ['a negative expiry', () => raw(sample('held'), m => { (m.body as Record<string, unknown>).expiresAt = -1 }), 'body.expiresAt'],
    ['an unknown status state', () => raw(sample('status'), m => { (m.body as Record<string, unknown>).state = 'maybe' }), 'body.state'],
    ['a hold body with unsorted parties', () => raw(sample('hold'), m => { (m.body as Record<string, unknown>).body = { ...body, parties: [...body.parties].reverse() } }), 'body.body.parties[1]'],
    ['a hold body with an unknown field', () => raw(sample('hold'), m => { (m.body as Record<string, unknown>).body = { ...body, note: 'x' } }), 'body.body.note'],
    ['a reason longer than the limit', () => raw(sample('abort'), m => { (m.body as Record<string, unknown>).reason = 'x'.repeat(513) }), 'body.reason'],
    ['more items than the limit', () => raw(sample('quote-request'), m => { (m.body as { items: unknown[] }).items = Array(33).fill({ offer: ref, quantity: 1 }) }), 'body.items'],
    ['a termination signature of 63 bytes', () => raw(sample('terminate'), m => { (m.body as Record<string, unknown>).sigs = [{ party: customer.peerId, sig: new Uint8Array(63) }] }), 'body.sigs[0].sig'],
    ['a termination body with terms', () => raw(sample('terminate'), m => { (m.body as Record<string, unknown>).termination = { ...termination, terms: {} } }), 'body.termination.terms'],
    ['a termination effective before it was made', () => raw(sample('terminate'), m => { (m.body as Record<string, unknown>).termination = { ...termination, effectiveAt: termination.createdAt - 1 } }), 'body.termination.effectiveAt'],
    ['a message over the size limit', () => raw(sample('abort'), m => { (m.body as Record<string, unknown>).reason = 'x'.repeat(MAX_ORDER_MESSAGE_BYTES) }), '$']
  ]
  for (const [name, make, path] of bad) {
    it(`refuses ${name} as ORDER_BAD_MESSAGE at ${path}`, () => {
      assert.throws(() => decodeOrderMessage(make()), (err: unknown) => code(OrderError.BAD_MESSAGE)(err) && (err as { path?: string }).path === path)
    })
  }

  it('refuses bytes that are not canonical CBOR', () => {
    const good = encodeOrderMessage(sample('abort'))
    assert.throws(() => decodeOrderMessage(good.slice(0, good.length - 1)), code(OrderError.BAD_MESSAGE))
    assert.throws(() => decodeOrderMessage(Uint8Array.of(0xa1, 0x61, 0x76, 0x18, 0x01)), code(OrderError.BAD_MESSAGE))
  })
})
