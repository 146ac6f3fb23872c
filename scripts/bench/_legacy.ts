/** The synthetic offer of the one-process propagation runner (kept for `_propagation.ts`). */
import type { Identity } from '../../src/identity/index.js'
import type { Offer } from '../../src/offers/index.js'
import { realisticOffer } from './_data.js'

/** The i-th realistic offer of `provider`, valid for a week from `now`. */
export function offerOf (provider: Identity, i: number, now = Date.now()): Offer {
  return realisticOffer(provider, 0, i, now)
}
