/**
 * Merging offers heard from several sources (nodes, queries): the highest seq of each
 * (provider, id) wins; two records with the same seq and different bytes are the provider's
 * equivocation, and both are left out. Pure, so the light client and the order planner agree.
 */
import { equals } from 'uint8arrays/equals'
import { normalisedPrice } from './filter.js'
import { recordKey } from './model.js'
import type { VerifiedRecord } from './record.js'

/** Merges verified offers: highest seq per key wins; equal seq with other bytes is a conflict. */
export function mergeOffers (answers: VerifiedRecord[][]): { offers: VerifiedRecord[], conflicts: string[] } {
  const best = new Map<string, VerifiedRecord>()
  const conflicts = new Set<string>()
  for (const r of answers.flat()) {
    const key = recordKey(r.record)
    const held = best.get(key)
    if (held === undefined || r.record.body.seq > held.record.body.seq) {
      best.set(key, r)
      conflicts.delete(key)
    } else if (r.record.body.seq === held.record.body.seq && !equals(r.digest, held.digest)) {
      conflicts.add(key)
    }
  }
  for (const key of conflicts) best.delete(key)
  const offers = [...best.values()].sort((a, b) => {
    const pa = a.record.kind === 'offer' ? normalisedPrice(a.record.body) : 0n
    const pb = b.record.kind === 'offer' ? normalisedPrice(b.record.body) : 0n
    return pa < pb ? -1 : pa > pb ? 1 : recordKey(a.record) < recordKey(b.record) ? -1 : 1
  })
  return { offers, conflicts: [...conflicts] }
}

