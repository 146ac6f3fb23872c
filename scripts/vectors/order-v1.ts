/**
 * Builds the order-v1 known-answer vectors (protocols/vectors/order-v1.json): for one fixed order
 * (a customer and two providers with fixed seeds), the agreement body's signing bytes and each
 * party's signature, the complete entry, and one message of every kind with its signing bytes,
 * signature and wire bytes; then malformed messages that must fail with their code.
 *
 * `node --import tsx scripts/vectors/order-v1.ts --write` rewrites the file; without --write it
 * prints it. test/unit/orders/message-vectors.test.ts checks that the file and the code agree.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { encodeCanonical } from '../../src/encoding/index.js'
import type { CanonicalValue } from '../../src/encoding/index.js'
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { bodyHash, encodeEntry, entrySigningBytes, signEntryBody } from '../../src/ledger/index.js'
import type { EntryBody } from '../../src/ledger/index.js'
import { encodeRecord, signOffer } from '../../src/offers/index.js'
import type { Offer } from '../../src/offers/index.js'
import {
  OrderError, assembleCertificate, buildAgreementBody, buildTermination, encodeOrderMessage, messageSigningBytes, signMessage, GRACE_MS
} from '../../src/orders/index.js'
import type { MessageBodies, MessageKind, OrderMessage } from '../../src/orders/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** Fixed seeds (never use them for anything real): customer 0x00.., providers 0x20.., 0x40... */
const seed = (start: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (start + i) & 0xff)
const NOW = Date.UTC(2026, 0, 1, 12)

function offer (p: Identity, id: string, country: string, amount: string): Offer {
  return {
    provider: p.peerId, id, seq: 3, issuedAt: Date.UTC(2026, 0, 1), expiresAt: Date.UTC(2026, 0, 8),
    service: { type: 'compute.vm', specs: { vcpu: 4, memoryGiB: 16, diskGiB: 100 } },
    location: { country }, jurisdiction: country, certifications: ['iso-27001'],
    price: { amount, currency: 'EUR', unit: 'month' }, capacity: 20, sla: { availability: '99.9' },
    terms: { url: 'https://provider.example/terms', sha256: 'ab'.repeat(32) }, addresses: ['/ip4/127.0.0.1/tcp/4001']
  }
}

/** A body as JSON: bytes as hex strings. */
function json (v: unknown): unknown {
  if (v instanceof Uint8Array) return hex(v)
  if (Array.isArray(v)) return v.map(json)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x)]))
  return v
}

export function buildVectors (): Record<string, unknown> {
  const customer = createIdentity(seed(0x00))
  const p1 = createIdentity(seed(0x20))
  const p2 = createIdentity(seed(0x40))
  const r1 = signOffer(offer(p1, 'milan-vm', 'IT', '40'), p1) as never
  const r2 = signOffer(offer(p2, 'paris-vm', 'FR', '45.5'), p2) as never
  const body: EntryBody = buildAgreementBody({
    plan: { items: [{ name: 'app', record: r1, quantity: 2 }, { name: 'db', record: r2, quantity: 1 }], term: { months: 1 }, total: { amount: '125.5', currency: 'EUR', unit: 'month' } },
    customer: customer.peerId, orderId: 'ord-aaaaaaaaaaaaaaaaaaaaaaaaaa', createdAt: NOW, commitBy: NOW + 30_000
  })
  const parties = [customer, p1, p2]
  const sigs = new Map(parties.map(p => [p.peerId, signEntryBody('agreement', body, p)]))
  const entry = encodeEntry(assembleCertificate(body, sigs))
  const order = body.id
  // the customer terminates a day later with 30 days' notice (§5.3)
  const termination = buildTermination(body, customer.peerId, NOW + 86_400_000, { noticeMs: 30 * 86_400_000, reason: 'project over' })
  const termSigs = new Map(parties.map(p => [p.peerId, signEntryBody('termination', termination, p)]))
  const termEntry = encodeEntry({ type: 'termination', body: termination, sigs: termination.parties.map(p => termSigs.get(p)!) })
  const env = (from: Identity, to: Identity): { order: string, from: string, to: string } => ({ order, from: from.peerId, to: to.peerId })
  const items = (body.terms as unknown as { items: Array<{ offer: MessageBodies['quote']['items'][number]['offer'], price: MessageBodies['quote']['items'][number]['price'] }> }).items
  const line = { offer: items[0]!.offer, quantity: 2, price: items[0]!.price }
  const samples: Array<[MessageKind, MessageBodies[MessageKind], Identity]> = [
    ['quote-request', { ...env(customer, p1), items: [{ offer: line.offer, quantity: 2, bid: { amount: '38', currency: 'EUR', unit: 'month' } }] }, customer],
    ['quote', { ...env(p1, customer), items: [line], validUntil: NOW + 60_000, counter: [{ ...line, price: { amount: '38', currency: 'EUR', unit: 'month' } }] }, p1],
    ['hold', { ...env(customer, p1), body }, customer],
    ['held', { ...env(p1, customer), bodyHash: bodyHash('agreement', body), entrySig: sigs.get(p1.peerId)!, expiresAt: NOW + 30_000 + GRACE_MS }, p1],
    ['refused', { ...env(p2, customer), code: OrderError.QUANTITY_ABOVE_CAPACITY, reason: '1 unit of paris-vm asked, 0 available' }, p2],
    ['commit', { ...env(customer, p1), entry }, customer],
    ['committed', { ...env(p1, customer), bodyHash: bodyHash('agreement', body) }, p1],
    ['abort', { ...env(customer, p2), reason: 'a provider refused' }, customer],
    ['status-request', env(p2, customer), p2],
    ['status', { ...env(customer, p2), state: 'committed', entry }, customer],
    ['terminate', { ...env(customer, p1), termination, sigs: [{ party: customer.peerId, sig: termSigs.get(customer.peerId)! }] }, customer],
    ['termination-query', env(customer, p2), customer]
  ]
  const messages = samples.map(([kind, b, signer]) => {
    const m = signMessage(kind, b as never, signer) as OrderMessage
    return { kind, body: json(m.body), signingBytes: hex(messageSigningBytes(kind, b as never)), signature: hex(m.sig), wire: hex(encodeOrderMessage(m)) }
  })

  const abort = signMessage('abort', { ...env(customer, p2), reason: 'a provider refused' }, customer)
  const raw = (change: (m: Record<string, unknown>) => void): string => {
    const m: Record<string, unknown> = { v: 1, kind: abort.kind, body: { ...abort.body }, sig: abort.sig }
    change(m)
    return hex(encodeCanonical(m as CanonicalValue))
  }
  const good = encodeOrderMessage(abort)
  const invalid = [
    { name: 'message version 2', wire: raw(m => { m.v = 2 }), code: OrderError.BAD_MESSAGE, path: 'v' },
    { name: 'an unknown kind', wire: raw(m => { m.kind = 'cancel' }), code: OrderError.BAD_MESSAGE, path: 'kind' },
    { name: 'an unknown body field', wire: raw(m => { (m.body as Record<string, unknown>).note = 'x' }), code: OrderError.BAD_MESSAGE, path: 'body.note' },
    { name: 'a 63-byte signature', wire: raw(m => { m.sig = abort.sig.slice(1) }), code: OrderError.BAD_MESSAGE, path: 'sig' },
    { name: 'a truncated message', wire: hex(good.slice(0, good.length - 3)), code: OrderError.BAD_MESSAGE, path: '$' },
    { name: 'a flipped signature bit (decodes; fails verification)', wire: raw(m => { const s = abort.sig.slice(); s[0] = (s[0] as number) ^ 1; m.sig = s }), code: OrderError.BAD_SIGNATURE, path: 'sig' },
    { name: 'a terminate whose signature list holds a 63-byte signature', wire: hex(encodeCanonical({ v: 1, kind: 'terminate', body: { ...env(customer, p1), termination, sigs: [{ party: customer.peerId, sig: new Uint8Array(63) }] } as unknown as CanonicalValue, sig: abort.sig })), code: OrderError.BAD_MESSAGE, path: 'body.sigs[0].sig' },
    { name: 'an abort signed under the refused domain tag', wire: raw(m => { m.sig = customer.sign(messageSigningBytes('refused', abort.body as never)) }), code: OrderError.BAD_SIGNATURE, path: 'sig' }
  ]

  return {
    description: 'order-v1 known-answer vectors: see protocols/order-v1.md §3-§4. Hex strings; times in unix ms; bodies with bytes as hex.',
    customer: { seed: hex(seed(0x00)), peerId: customer.peerId },
    providers: [{ seed: hex(seed(0x20)), peerId: p1.peerId }, { seed: hex(seed(0x40)), peerId: p2.peerId }],
    offerRecords: [hex(encodeRecord(r1)), hex(encodeRecord(r2))],
    agreement: {
      body: json(body),
      signingBytes: hex(entrySigningBytes('agreement', body)),
      bodyHash: hex(bodyHash('agreement', body)),
      signatures: Object.fromEntries([...sigs].map(([k, v]) => [k, hex(v)])),
      entry: hex(entry)
    },
    termination: {
      idInput: `fulcrum/order/termination-id/v1\u0000${body.id}\u0000${customer.peerId}`,
      body: json(termination),
      signingBytes: hex(entrySigningBytes('termination', termination)),
      signatures: Object.fromEntries([...termSigs].map(([k, v]) => [k, hex(v)])),
      entry: hex(termEntry)
    },
    messages,
    invalid
  }
}

export const VECTORS_PATH = fileURLToPath(new URL('../../protocols/vectors/order-v1.json', import.meta.url))

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = JSON.stringify(buildVectors(), null, 2) + '\n'
  if (process.argv.includes('--write')) await writeFile(VECTORS_PATH, text)
  else process.stdout.write(text)
}
