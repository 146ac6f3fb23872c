/**
 * Scenarios of the order simulator, drawn from a seed: how many providers and customers, what they
 * order, the network's faults, crashes, clock offsets, and whether the protocol's timing assumption
 * holds (`honest`) or is broken on purpose (`broken`).
 */
import { createIdentity } from '../../../../src/identity/index.js'
import type { Identity } from '../../../../src/identity/index.js'
import { encodeRecord, sha256, signOffer } from '../../../../src/offers/index.js'
import type { Offer, OfferRecord } from '../../../../src/offers/index.js'
import { ORDER_CLOCK_SKEW_MS } from '../../../../src/orders/index.js'
import type { LiveOffer } from '../../../../src/orders/index.js'
import { makeOffer, T0 } from '../../../helpers/offers.js'
import { Rng } from './rng.js'

/** Fixed identities: providers 0..4, customers 0..3 (peer ids must be real Ed25519 ids for ledger-v1). */
export const PROVIDER_IDS: Identity[] = Array.from({ length: 5 }, (_, i) => createIdentity(Uint8Array.from({ length: 32 }, (_, j) => (i * 7 + j + 1) & 0xff)))
export const CUSTOMER_IDS: Identity[] = Array.from({ length: 4 }, (_, i) => createIdentity(Uint8Array.from({ length: 32 }, (_, j) => (i * 11 + j + 100) & 0xff)))
/** One signed offer per provider (`vm`, 2 EUR/month), signed once with the real key. */
export const RECORDS: Array<OfferRecord & { kind: 'offer', body: Offer }> = PROVIDER_IDS.map(p =>
  signOffer(makeOffer(p, { id: 'vm', price: { amount: '2', currency: 'EUR', unit: 'month' }, capacity: 100, expiresAt: T0 + 7 * 86_400_000 }), p) as never)
/** SHA-256 of each record. */
export const HASHES = RECORDS.map(r => sha256(encodeRecord(r)))

export type Mode = 'honest' | 'broken'
export interface Scenario {
  seed: number
  mode: Mode
  /** Several customers racing for the last units of provider 0's offer. */
  race: boolean
  providers: number
  customers: number
  /** Capacity of each provider's offer. */
  capacity: number[]
  /** Per customer: units asked of each provider it buys from (0 = none; at least one is > 0), and when it starts. */
  orders: Array<{ quantities: number[], startAt: number }>
  /** Per party (providers, then customers): local clock minus global time, ms. */
  offsets: number[]
  net: { drop: number, dup: number, minDelay: number, maxDelay: number }
  crash: { perStep: number, maxDown: number, maxPerParty: number }
  /** Broken timing only: a party cut off from everyone from `from` to `to` (global ms). */
  partition?: { party: number, from: number, to: number }
  /** Broken timing only: the customer crashes right after writing a commit decision and stays down this long (ms). */
  stallAfterCommit?: number
  /** Honest timing, 3+ providers: provider 0 is an aggregator whose offer is a bundle of providers 1 and 2 (sim/aggregator.ts). */
  aggregator?: boolean
}

/** The live offer of provider `i` with capacity `capacity`. */
export function liveOffer (i: number, capacity: number): LiveOffer {
  const r = RECORDS[i]!
  return { id: r.body.id, seq: r.body.seq, hash: HASHES[i]!, price: r.body.price, capacity }
}

/** Draws a scenario from a seed. */
export function scenario (seed: number, mode: Mode): Scenario {
  const rng = new Rng(seed * 2654435761)
  const race = rng.chance(0.3)
  const providers = rng.int(2, 5)
  const customers = race ? rng.int(2, 4) : 1
  const capacity = Array.from({ length: providers }, () => rng.int(1, 8))
  if (race) capacity[0] = rng.int(1, 3)
  const orders = Array.from({ length: customers }, () => {
    const quantities = Array.from({ length: providers }, (_, p) => race && p === 0 ? rng.int(1, 2) : (rng.chance(0.8) ? rng.int(1, 3) : 0))
    if (!quantities.some(q => q > 0)) quantities[rng.int(0, providers - 1)] = 1
    // racing customers also come later, for units that aborted or expired holds give back
    const late = race && rng.chance(0.5) ? rng.int(10_000, 70_000) : 0
    return { quantities, startAt: T0 + rng.int(0, 3000) + late }
  })
  const skew = mode === 'honest' ? ORDER_CLOCK_SKEW_MS / 2 : rng.int(0, 4) * 15_000
  const offsets = Array.from({ length: providers + customers }, () => rng.int(-skew, skew))
  const lossy = rng.chance(0.7)
  const net = mode === 'honest'
    ? { drop: lossy ? rng.next() * 0.3 : 0, dup: lossy ? rng.next() * 0.2 : 0, minDelay: 1, maxDelay: rng.pick([5, 50, 500, 2000]) }
    : { drop: rng.next() * 0.5, dup: rng.next() * 0.2, minDelay: 1, maxDelay: rng.pick([500, 5000, 40_000]) }
  const crash = mode === 'honest'
    ? { perStep: rng.pick([0, 0.01, 0.03, 0.08]), maxDown: 4_000, maxPerParty: 3 }
    : { perStep: rng.pick([0.01, 0.05, 0.1]), maxDown: rng.pick([5_000, 40_000, 90_000]), maxPerParty: 6 }
  const sc: Scenario = { seed, mode, race, providers, customers, capacity, orders, offsets, net, crash }
  if (mode === 'broken' && rng.chance(0.5)) {
    const from = T0 + rng.int(0, 40_000)
    sc.partition = { party: rng.int(0, providers + customers - 1), from, to: from + rng.int(10_000, 80_000) }
  }
  if (mode === 'broken' && rng.chance(0.3)) sc.stallAfterCommit = rng.int(20_000, 90_000)
  // drawn apart, so that the other scenarios of a seed stay what they were
  if (mode === 'honest' && providers >= 3 && new Rng(seed * 40503 + 7).chance(0.3)) sc.aggregator = true
  return sc
}
