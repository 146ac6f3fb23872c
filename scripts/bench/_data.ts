/**
 * Realistic benchmark data: offers shaped like `config/examples/` (seven templates: VMs, GPUs,
 * PostgreSQL, Kubernetes, object and block storage; specs, prices and capacity varied per offer;
 * many providers, each in its home country), agreements shaped like the demo's (two or three
 * parties, an order of one provider's offer with quantity, price and dates), and the filter mix
 * customers send.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { encodeEntry, signEntryBody } from '../../src/ledger/index.js'
import type { EntryBody } from '../../src/ledger/index.js'
import { encodeRecord, signOffer } from '../../src/offers/index.js'
import type { Offer, OfferFilter } from '../../src/offers/index.js'

type Draft = Omit<Offer, 'provider' | 'seq' | 'issuedAt' | 'expiresAt'>
const examples = fileURLToPath(new URL('../../config/examples/', import.meta.url))
/** The example offer drafts. */
export const TEMPLATES: Draft[] = readdirSync(examples).filter(f => f.endsWith('.json')).sort()
  .map(f => JSON.parse(readFileSync(examples + f, 'utf8')) as Draft)

/** Other home countries for providers (no subdivision then). */
const OTHER_COUNTRIES = ['AT', 'BE', 'DK', 'FI', 'IE', 'PT', 'SE', 'CZ', 'NO', 'GB']

/** A deterministic pseudo-random generator (mulberry32). */
export function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` provider identities (deterministic). */
export function providers (n: number, seed = 1): Identity[] {
  return Array.from({ length: n }, (_, i) => createIdentity(Uint8Array.from({ length: 32 }, (_, j) => ((i * 131 + j * 7 + seed * 17) ^ (i >> 8)) & 0xff)))
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
const decimal = (x: number): string => String(Number(x.toPrecision(3)))

/** The i-th offer of `provider` (template, home country and variation fixed by i and the provider's index). */
export function realisticOffer (provider: Identity, providerIndex: number, i: number, now: number): Offer {
  const r = rng(i * 2654435761 + providerIndex)
  const t = TEMPLATES[(providerIndex + i) % TEMPLATES.length] as Draft
  const home = providerIndex % 3 === 0 ? OTHER_COUNTRIES[providerIndex % OTHER_COUNTRIES.length] as string : undefined
  const specs: Record<string, number | string> = { ...t.service.specs }
  const scale = pick(r, [0.5, 1, 1, 2, 4, 8])
  for (const k of ['vcpu', 'memoryGiB', 'diskGiB', 'storageGiB', 'gpuCount', 'maxNodes']) {
    const v = specs[k]
    if (typeof v === 'number') specs[k] = Math.max(1, Math.round(v * scale))
  }
  const location = home === undefined ? t.location : { country: home }
  return {
    ...t,
    id: `${t.id}-${i}`,
    provider: provider.peerId,
    seq: 1,
    issuedAt: now - 60_000,
    expiresAt: now + 7 * 86_400_000,
    service: { type: t.service.type, specs },
    location,
    jurisdiction: location.country,
    price: { ...t.price, amount: decimal(Number(t.price.amount) * scale * (0.7 + 0.6 * r())) },
    certifications: [...t.certifications].sort(),
    capacity: 1 + Math.floor(r() * 500),
    addresses: []
  }
}

/** `n` encoded, signed offers spread over `providerCount` providers. */
export function realisticOffers (n: number, now: number, providerCount = Math.max(20, Math.ceil(n / 50))): Uint8Array[] {
  const keys = providers(providerCount)
  return Array.from({ length: n }, (_, i) => {
    const p = i % providerCount
    const id = keys[p] as Identity
    return encodeRecord(signOffer(realisticOffer(id, p, i, now), id))
  })
}

/** The filter mix customers send (one of each in turn). */
export function filterMix (someProvider: string): OfferFilter[] {
  return [
    { type: 'compute.vm', countries: ['EU'], minSpecs: { vcpu: 8 } },
    { type: 'db.postgresql', countries: ['FR', 'DE'], certifications: ['secnumcloud'] },
    { type: 'compute.vm', countries: ['IT', 'FR'], currency: 'EUR', maxPrice: { amount: '0.5', unit: 'hour' }, minSpecs: { vcpu: 16 } },
    { type: 'compute.gpu', countries: ['NL', 'DE', 'FR'], minSpecs: { gpuCount: 4 } },
    { type: 'container.kubernetes', countries: ['ES'], minCapacity: 450, certifications: ['ens-high'] },
    { currency: 'CHF', maxPrice: { amount: '0.2', unit: 'hour' } },
    { type: 'storage.object', countries: ['EU'], minAvailability: '99.9' },
    { type: 'compute.gpu', countries: ['ES', 'PT'] },
    { provider: someProvider },
    {}
  ]
}

/**
 * `n` distinct agreement entries between `self` and one or two counterparties (a third of them
 * three-party: a broker or a second provider), each an order of a provider's offer, signed by
 * every party: encoded leaves, as the API receives them.
 */
export function realisticAgreements (n: number, self: Identity, counterparties: Identity[], now: number, threeParty = true): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const r = rng(i + 7)
    const others = threeParty && i % 3 === 0 ? [counterparties[i % counterparties.length], counterparties[(i + 1) % counterparties.length]] : [counterparties[i % counterparties.length]]
    const parties = [self, ...others as Identity[]]
    const provider = others[0] as Identity
    const t = TEMPLATES[i % TEMPLATES.length] as Draft
    const body: EntryBody = {
      id: `order-${now}-${i}`,
      parties: parties.map(p => p.peerId).sort(),
      createdAt: now + i,
      terms: {
        offer: `${provider.peerId}/${t.id}-${i % 997}`,
        buyer: self.peerId,
        quantity: 1 + Math.floor(r() * 8),
        price: decimal(Number(t.price.amount) * (0.7 + 0.6 * r())),
        currency: t.price.currency,
        unit: t.price.unit,
        start: now + 3_600_000,
        end: now + 30 * 86_400_000
      }
    }
    const byId = new Map(parties.map(p => [p.peerId, p]))
    return encodeEntry({ type: 'agreement', body, sigs: body.parties.map(id => signEntryBody('agreement', body, byId.get(id) as Identity)) })
  })
}
