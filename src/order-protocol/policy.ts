/**
 * The provider's order policy (config key `orders`, protocols/order-v1.md §Provider policy): which
 * hold requests a provider accepts at once, refuses, or leaves to its operator. Read from the
 * config here; applied by the provider state machine (src/orders/provider-checks.ts) through
 * {@link machinePolicy}.
 */
import { ORDER_POLICY_SCHEMA } from '../datadir/config.js'
import { FulcrumError } from '../errors/index.js'
import { DataDirError } from '../datadir/index.js'
import type { ProviderPolicy } from '../orders/index.js'

/** The `orders` object of a node's config (see config/default.json for the documented defaults). */
export interface OrderPolicy {
  /** `auto`: accept every request that passes the checks; `manual`: the operator approves each through the API. */
  approval: 'auto' | 'manual'
  /** Non-empty: only these customers (peer ids) may order. */
  allowCustomers: string[]
  /** Customers (peer ids) refused whatever else holds. */
  denyCustomers: string[]
  /** Most open holds (held or awaiting approval) one customer may have at this provider at once. */
  maxHoldsPerCustomer: number
  /** Most open holds at this provider in total, whoever asks: bounds what a flood of fresh identities can pin. */
  maxActiveHolds: number
  /** Longest hold granted: a request whose `commitBy` is further ahead than this is refused. */
  maxHoldMs: number
  /** Offer id -> lowest price per unit a counter-offer to a quote may go down to (decimal string, the offer's currency and unit). */
  priceFloor: Record<string, string>
}

/** Defaults, when the config names no `orders` object (the same values as config/default.json). */
export const DEFAULT_ORDER_POLICY: OrderPolicy = {
  approval: 'auto',
  allowCustomers: [],
  denyCustomers: [],
  maxHoldsPerCustomer: 8,
  maxActiveHolds: 1024,
  maxHoldMs: 120_000,
  priceFloor: {}
}

/**
 * The negotiation machine's policy (src/orders/provider-checks.ts) from the operator's config: the
 * machine applies it at every hold; nothing here decides.
 */
export function machinePolicy (p: OrderPolicy): ProviderPolicy {
  const out: ProviderPolicy = {
    maxHoldsPerCustomer: p.maxHoldsPerCustomer,
    deny: p.denyCustomers,
    maxActiveHolds: p.maxActiveHolds,
    maxHoldMs: p.maxHoldMs,
    priceFloor: p.priceFloor,
    manualApproval: p.approval === 'manual'
  }
  if (p.allowCustomers.length > 0) out.allow = p.allowCustomers
  return out
}

/** The schema of the config's `orders` object (datadir/config.ts, so that `fulcrum config check` checks it too). */
export { ORDER_POLICY_SCHEMA }

/** The policy from the config's `orders` value (absent: the defaults). Throws `DATADIR_CORRUPT` with the field path. */
export function orderPolicyFromConfig (raw: unknown): OrderPolicy {
  if (raw === undefined) return { ...DEFAULT_ORDER_POLICY }
  const parsed = ORDER_POLICY_SCHEMA.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = ['orders', ...(issue?.path ?? []).map(String)].join('.')
    throw new FulcrumError(DataDirError.CORRUPT, `config: ${issue?.message ?? 'invalid'}`, { path })
  }
  const { $comment: _c, ...given } = parsed.data
  return { ...DEFAULT_ORDER_POLICY, ...given } as OrderPolicy
}
