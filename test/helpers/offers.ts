/** Builders of offers and records for tests. */
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { signOffer, signWithdrawal, verifyRecord } from '../../src/offers/index.js'
import type { Offer, OfferRecord, VerifiedRecord } from '../../src/offers/index.js'

/** A fixed time for tests: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1)

/** A deterministic identity from a small number. */
export function testIdentity (n: number): Identity {
  return createIdentity(Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i) & 0xff))
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] }

/** A valid compute.vm offer by `identity`, with `overrides` merged in (one level deep). */
export function makeOffer (identity: Identity, overrides: DeepPartial<Offer> = {}): Offer {
  const base: Offer = {
    provider: identity.peerId,
    id: 'vm-small',
    seq: 1,
    issuedAt: T0,
    expiresAt: T0 + 86_400_000,
    service: { type: 'compute.vm', specs: { vcpu: 4, memoryGiB: 16, diskGiB: 100 } },
    location: { country: 'IT', subdivision: 'IT-MI', site: 'Milan 1' },
    jurisdiction: 'IT',
    certifications: ['iso-27001'],
    price: { amount: '0.045', currency: 'EUR', unit: 'hour' },
    capacity: 40,
    sla: { availability: '99.95' },
    terms: { url: 'https://provider.example/terms/v3', sha256: 'a'.repeat(64) },
    addresses: ['/ip4/127.0.0.1/tcp/4001']
  }
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(overrides)) {
    const b = (base as unknown as Record<string, unknown>)[k]
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b) ? { ...b, ...v } : v
  }
  return out as unknown as Offer
}

/** A signed offer record. */
export function signed (identity: Identity, overrides: DeepPartial<Offer> = {}): OfferRecord {
  return signOffer(makeOffer(identity, overrides), identity)
}

/** A signed and verified offer record, as the catalog takes it. */
export function verified (identity: Identity, overrides: DeepPartial<Offer> = {}, now = T0): VerifiedRecord {
  return verifyRecord(signed(identity, overrides), now)
}

/** A verified withdrawal of `id` at `seq`. */
export function withdrawal (identity: Identity, id: string, seq: number, issuedAt = T0): VerifiedRecord {
  return verifyRecord(signWithdrawal({ provider: identity.peerId, id, seq, issuedAt }, identity), issuedAt)
}
