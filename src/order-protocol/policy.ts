/**
 * The provider's order policy (config key `orders`, protocols/order-v1.md §Provider policy): which
 * hold requests a provider accepts at once, refuses, or leaves to its operator. Pure: the caller
 * passes the request, the clock and the counts it needs; capacity is checked atomically by the
 * store when the hold is reserved (see `store.ts`), not here.
 */
import { z } from 'zod'
import { FulcrumError } from '../errors/index.js'
import { DataDirError } from '../datadir/index.js'
import { toNanos } from '../offers/decimal.js'
import { OrderShellError } from './errors.js'
import type { OrderShellErrorCode } from './errors.js'

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
  /** Offer id -> lowest price per unit accepted (decimal string, in the offer's currency and unit). */
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

/** What the policy needs to know about a hold request. */
export interface HoldRequestView {
  customer: string
  /** The customer's decision deadline (unix ms). */
  commitBy: number
  /** Offer id and agreed price per unit (decimal string) of each item for this provider. */
  items: Array<{ offer: string, price: string }>
}

/** Open holds counted by the store at the time of the request. */
export interface HoldCounts { customer: number, total: number }

/** The policy's answer. */
export type PolicyDecision =
  | { kind: 'accept' }
  | { kind: 'manual' }
  | { kind: 'refuse', code: OrderShellErrorCode, reason: string }

const refuse = (code: OrderShellErrorCode, reason: string): PolicyDecision => ({ kind: 'refuse', code, reason })

/** Decides a hold request (see module doc). The checks run in a fixed order; the first failing one answers. */
export function decideHold (policy: OrderPolicy, req: HoldRequestView, counts: HoldCounts, now: number): PolicyDecision {
  if (policy.denyCustomers.includes(req.customer) || (policy.allowCustomers.length > 0 && !policy.allowCustomers.includes(req.customer))) {
    return refuse(OrderShellError.CUSTOMER_NOT_ALLOWED, 'this provider does not take orders from this customer')
  }
  if (counts.total >= policy.maxActiveHolds) return refuse(OrderShellError.PROVIDER_BUSY, `the provider already holds ${counts.total} orders`)
  if (counts.customer >= policy.maxHoldsPerCustomer) {
    return refuse(OrderShellError.TOO_MANY_HOLDS, `the customer already has ${counts.customer} open holds here (at most ${policy.maxHoldsPerCustomer})`)
  }
  if (req.commitBy - now > policy.maxHoldMs) return refuse(OrderShellError.HOLD_TOO_LONG, `holds last at most ${policy.maxHoldMs} ms`)
  for (const item of req.items) {
    const floor = policy.priceFloor[item.offer]
    if (floor !== undefined && toNanos(item.price) < toNanos(floor)) {
      return refuse(OrderShellError.PRICE_BELOW_FLOOR, `offer ${item.offer}: ${item.price} is below the floor ${floor}`)
    }
  }
  return policy.approval === 'manual' ? { kind: 'manual' } : { kind: 'accept' }
}

const peerIds = z.array(z.string().min(1).max(128)).max(10_000)
const decimal = z.string().regex(/^(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,9}))?$/, 'a decimal string like "0.04"')

/**
 * The zod schema of the config's `orders` object; every key is optional and defaults to
 * {@link DEFAULT_ORDER_POLICY}. Exported so that the whole-config schema can embed it.
 */
export const ORDER_POLICY_SCHEMA = z.object({
  $comment: z.string().optional(),
  approval: z.enum(['auto', 'manual']).optional(),
  allowCustomers: peerIds.optional(),
  denyCustomers: peerIds.optional(),
  maxHoldsPerCustomer: z.number().int().min(0).max(1_000_000).optional(),
  maxActiveHolds: z.number().int().min(0).max(10_000_000).optional(),
  maxHoldMs: z.number().int().min(1_000).max(24 * 3_600_000).optional(),
  priceFloor: z.record(z.string(), decimal).optional()
}).strict()

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
