/**
 * `npm run bench -- offers`: signature verification (ours against raw node:crypto and
 * @noble/ed25519), and catalog queries: p95 of a realistic filter mix over 100,000 offers against
 * the same mix over 10,000 (goal: at most 2x, i.e. queries do not scan), with a per-filter breakdown.
 */
import { createPublicKey, verify as rawVerify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ed from '@noble/ed25519'
import { Catalog } from '../../src/catalog/index.js'
import { verify } from '../../src/identity/index.js'
import { decodeRecord, offerSigningBytes, verifyRecordBytes } from '../../src/offers/index.js'
import type { Offer, OfferFilter } from '../../src/offers/index.js'
import { fmt, opsPerSecond, percentile, table, atMost, goalTable, load, scaled } from './_util.js'
import { filterMix, realisticOffers } from './_data.js'

const NOW = Date.UTC(2026, 0, 1)
const RUNS = 2000
const SMALL = scaled(10_000)
const LARGE = scaled(100_000)

async function verification (record: Uint8Array): Promise<string> {
  const r = decodeRecord(record)
  const offer = r.body as Offer
  const msg = offerSigningBytes(offer)
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), (await import('../../src/identity/index.js')).publicKeyFromPeerId(offer.provider)]), format: 'der', type: 'spki' })
  const pub = (await import('../../src/identity/index.js')).publicKeyFromPeerId(offer.provider)
  const raw = await opsPerSecond(() => rawVerify(null, msg, key, r.signature))
  const ours = await opsPerSecond(() => verify(pub, msg, r.signature))
  const full = await opsPerSecond(() => verifyRecordBytes(record, NOW))
  const noble = await opsPerSecond(() => ed.verify(r.signature, msg, pub, { zip215: false }), 500)
  return table(['verification of one offer signature (reference)', 'per second', 'vs raw node:crypto'], [
    ['raw node:crypto `verify` with a cached KeyObject', fmt(raw), '1.00x'],
    ['ours: `identity.verify` (key and S checks, cached keys)', fmt(ours), `${(ours / raw).toFixed(2)}x`],
    ['ours: `verifyRecordBytes` (decode, validate, verify, time)', fmt(full), `${(full / raw).toFixed(2)}x`],
    ['@noble/ed25519 `verify` (portable path)', fmt(noble), `${(noble / raw).toFixed(2)}x`]
  ])
}

interface QueryStats { p50: number, p95: number, perFilter: number[], insertRate: number }

async function catalogQueries (dir: string, records: Uint8Array[], filters: OfferFilter[]): Promise<QueryStats> {
  const catalog = await Catalog.open(join(dir, `catalog-${records.length}`))
  try {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < records.length; i += 1000) {
      await catalog.insertMany(records.slice(i, i + 1000).map(b => verifyRecordBytes(b, NOW)))
    }
    const insertRate = records.length / (Number(process.hrtime.bigint() - t0) / 1e9)
    for (let i = 0; i < 200; i++) await catalog.query(filters[i % filters.length] as OfferFilter, { now: NOW, limit: 20 })
    const times: number[] = []
    const byFilter: number[][] = filters.map(() => [])
    for (let i = 0; i < RUNS; i++) {
      const f = i % filters.length
      const t = process.hrtime.bigint()
      await catalog.query(filters[f] as OfferFilter, { now: NOW, limit: 20 })
      const ms = Number(process.hrtime.bigint() - t) / 1e6
      times.push(ms)
      byFilter[f]?.push(ms)
    }
    return { p50: percentile(times, 50), p95: percentile(times, 95), perFilter: byFilter.map(x => percentile(x, 95)), insertRate }
  } finally {
    await catalog.close()
  }
}

export default async function offers (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-bench-'))
  const loadBefore = load()
  try {
    const records = realisticOffers(LARGE, NOW)
    const someProvider = decodeRecord(records[0] as Uint8Array).body.provider
    const filters = filterMix(someProvider)
    const verif = await verification(records[0] as Uint8Array)
    // The small catalog holds the first tenth of the same offers (same providers' mix).
    const small = await catalogQueries(dir, records.slice(0, SMALL), filters)
    const large = await catalogQueries(dir, records, filters)
    const goal = atMost(`catalog query p95 at ${fmt(LARGE)} offers`, large.p95, small.p95, 2, x => `${x.toFixed(3)} ms`, `p95 at ${fmt(SMALL)} offers`)
    return [
      '## Offers and catalog',
      '',
      'Command: `npm run bench -- offers`. One process; the catalog is level on local disk. Offers are shaped',
      `like config/examples/ (seven templates, varied specs, prices, capacity, home countries; ${fmt(Math.ceil(LARGE / 50))} providers).`,
      `Load average ${loadBefore} at the start, ${load()} at the end.`,
      '',
      goalTable([goal]),
      '',
      `Queries: ${fmt(RUNS)} runs of the filter mix below in turn, first page of 20, cheapest first.`,
      '',
      table(['filter', `p95 at ${fmt(SMALL)} (ms)`, `p95 at ${fmt(LARGE)} (ms)`, 'ratio'], filters.map((f, i) => [
        `\`${JSON.stringify(f).replace(/"provider":"[^"]+"/, '"provider":"…"')}\``, (small.perFilter[i] as number).toFixed(3), (large.perFilter[i] as number).toFixed(3),
        `${((large.perFilter[i] as number) / (small.perFilter[i] as number)).toFixed(1)}x`
      ])),
      '',
      table(['catalog size', 'verify + insert (offers/s)', 'query p50 (ms)', 'query p95 (ms)'], [
        [fmt(SMALL), fmt(small.insertRate), small.p50.toFixed(3), small.p95.toFixed(3)],
        [fmt(LARGE), fmt(large.insertRate), large.p50.toFixed(3), large.p95.toFixed(3)]
      ]),
      '',
      verif
    ].join('\n')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
