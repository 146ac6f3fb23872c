/**
 * Offers and catalog: signature verification (ours against raw node:crypto and @noble/ed25519),
 * verify-and-insert rate into the level catalog, and query latency over 10,000 and 100,000 offers.
 */
import { createPublicKey, verify as rawVerify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ed from '@noble/ed25519'
import { Catalog } from '../../src/catalog/index.js'
import { createIdentity, verify } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { encodeRecord, offerSigningBytes, signOffer, verifyRecordBytes, fromNanos, EU_COUNTRIES } from '../../src/offers/index.js'
import type { Offer, OfferFilter } from '../../src/offers/index.js'
import { fmt, opsPerSecond, percentile, table } from './_util.js'

const NOW = Date.UTC(2026, 0, 1)
const TYPES = ['compute.vm', 'db.postgresql', 'container.kubernetes'] as const
const COUNTRIES = [...EU_COUNTRIES, 'CH', 'NO', 'GB']

/** The i-th synthetic offer of `provider`, valid for a day from `now` (also used by the network suite). */
export function offerOf (provider: Identity, i: number, now = NOW): Offer {
  const type = TYPES[i % TYPES.length] as string
  const specs: Record<string, number> = { vcpu: 1 << (i % 7), memoryGiB: 2 << (i % 8) }
  if (type === 'db.postgresql') specs.storageGiB = 100 * (1 + (i % 10))
  const country = COUNTRIES[(i * 7) % COUNTRIES.length] as string
  return {
    provider: provider.peerId,
    id: `offer-${i}`,
    seq: 1,
    issuedAt: now - 1000,
    expiresAt: now + 86_400_000,
    service: { type, specs },
    location: { country },
    jurisdiction: country,
    certifications: i % 3 === 0 ? ['iso-27001', 'secnumcloud'] : ['iso-27001'],
    price: { amount: fromNanos(BigInt(1 + ((i * 7919) % 100_000)) * 10_000n), currency: 'EUR', unit: i % 2 === 0 ? 'hour' : 'month' },
    capacity: i % 100,
    sla: { availability: i % 2 === 0 ? '99.9' : '99.95' },
    terms: { url: 'https://provider.example/terms', sha256: 'ab'.repeat(32) },
    addresses: ['/ip4/127.0.0.1/tcp/4001']
  }
}

/** `n` encoded offers from 200 providers. */
function makeOffers (n: number): Uint8Array[] {
  const providers = Array.from({ length: 200 }, (_, i) => createIdentity(Uint8Array.from({ length: 32 }, (_, j) => (i * 13 + j) & 0xff)))
  return Array.from({ length: n }, (_, i) => {
    const p = providers[i % providers.length] as Identity
    return encodeRecord(signOffer(offerOf(p, i), p))
  })
}

async function verification (): Promise<string> {
  const id = createIdentity(new Uint8Array(32).fill(7))
  const offer = offerOf(id, 1)
  const msg = offerSigningBytes(offer)
  const record = encodeRecord(signOffer(offer, id))
  const sig = id.sign(msg)
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), id.publicKey]), format: 'der', type: 'spki' })
  const raw = await opsPerSecond(() => rawVerify(null, msg, key, sig))
  const ours = await opsPerSecond(() => verify(id.publicKey, msg, sig))
  const full = await opsPerSecond(() => verifyRecordBytes(record, NOW))
  const noble = await opsPerSecond(() => ed.verify(sig, msg, id.publicKey, { zip215: false }), 500)
  return table(['verification of one offer signature', 'per second', 'vs raw node:crypto'], [
    ['raw node:crypto `verify` with a cached KeyObject', fmt(raw), '1.00x'],
    ['ours: `identity.verify` (key and S checks, cached keys)', fmt(ours), `${(ours / raw).toFixed(2)}x`],
    ['ours: `verifyRecordBytes` (decode, validate, verify, time)', fmt(full), `${(full / raw).toFixed(2)}x`],
    ['@noble/ed25519 `verify` (portable path)', fmt(noble), `${(noble / raw).toFixed(2)}x`]
  ])
}

async function insertAndQuery (dir: string, n: number): Promise<{ insertRate: number, p50: number, p95: number, rows: number }> {
  const offers = makeOffers(n)
  const catalog = await Catalog.open(join(dir, `catalog-${n}`))
  const start = process.hrtime.bigint()
  for (let i = 0; i < offers.length; i += 1000) {
    await catalog.insertMany(offers.slice(i, i + 1000).map(b => verifyRecordBytes(b, NOW)))
  }
  const insertRate = n / (Number(process.hrtime.bigint() - start) / 1e9)
  const filters: OfferFilter[] = [
    { type: 'compute.vm', countries: ['EU'], minSpecs: { vcpu: 8 } },
    { type: 'db.postgresql', countries: ['FR', 'DE'], certifications: ['secnumcloud'] },
    { currency: 'EUR', maxPrice: { amount: '0.5', unit: 'hour' }, minAvailability: '99.95' },
    { type: 'container.kubernetes', countries: ['CH'], minCapacity: 90, minSpecs: { memoryGiB: 256 } },
    {}
  ]
  const times: number[] = []
  for (let i = 0; i < 1000; i++) {
    const t = process.hrtime.bigint()
    catalog.query(filters[i % filters.length] as OfferFilter, { now: NOW, limit: 20 })
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  await catalog.close()
  return { insertRate, p50: percentile(times, 50), p95: percentile(times, 95), rows: n }
}

export default async function offers (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-'))
  try {
    const verif = await verification()
    const small = await insertAndQuery(dir, 10_000)
    const large = await insertAndQuery(dir, 100_000)
    return [
      '## Offers and catalog',
      '',
      'Command: `npm run bench -- offers`. One process; signatures are Ed25519 over the offer-v1 signing',
      'bytes; the catalog is level on local disk (batches of 1,000, not fsynced: see src/catalog/catalog.ts).',
      '',
      verif,
      '',
      'Goal: ours at least 0.9x raw node:crypto.',
      '',
      table(['catalog size', 'verify + insert (offers/s)', 'query p50 (ms)', 'query p95 (ms)', 'goal'], [
        [fmt(small.rows), fmt(small.insertRate), small.p50.toFixed(3), small.p95.toFixed(3), '>= 5,000/s; p95 <= 10 ms'],
        [fmt(large.rows), fmt(large.insertRate), large.p50.toFixed(3), large.p95.toFixed(3), 'p95 <= 50 ms']
      ]),
      '',
      'Queries: 1,000 runs of five filters in turn (type + EU + vcpu >= 8; PostgreSQL in FR/DE with SecNumCloud;',
      'max 0.5 EUR/hour with SLA >= 99.95; a filter matching almost nothing, which scans everything; no filter),',
      'first page of 20, cheapest first.'
    ].join('\n')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
