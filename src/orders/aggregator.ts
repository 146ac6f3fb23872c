/**
 * Aggregators (protocols/order-v1.md §10), the pure part: an aggregator sells a bundle offer
 * (offer-v1 §Bundles) made of other providers' offers. When a customer's hold names one, the
 * aggregator first holds every part as the *customer* of a sub-order (the ordinary customer machine,
 * started prepare-only), and signs its own hold only once every part is held. This module builds
 * that sub-order from the parent body, names the part that refused, and says what the sub-order's
 * decision is once the parent's fate is known. No I/O; time and randomness are inputs.
 */
import { toHex } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { FulcrumError } from '../errors/index.js'
import { bytesEqual, entrySigningBytes, sha256 } from '../ledger/index.js'
import type { Entry, EntryBody } from '../ledger/index.js'
import type { BundleComponent, Offer } from '../offers/index.js'
import { fromNanos } from '../offers/index.js'
import { parseTerms, providersOf, verifyCertificate } from './agreement.js'
import type { AgreementItem, AgreementTerms, ParentLink } from './agreement.js'
import { COMMIT_MARGIN_MS, GRACE_MS, MAX_HOLD_WINDOW_MS, MAX_ITEM_NAME_LENGTH, MAX_ORDER_ITEMS } from './constants.js'
import { CustomerStatus } from './customer-state.js'
import type { Refusal } from './customer-state.js'
import { OrderError } from './errors.js'
import { monthlyCost } from './planner-candidates.js'
import { ProviderStatus } from './provider-state.js'
import type { Verifier } from './messages.js'

/** Codes an aggregator sends in `refused` when a bundle cannot be held (§10). */
export const AggregatorError = {
  /** A part's provider refused its hold; the reason names the part, its provider and offer, and the provider's code. */
  PART_REFUSED: 'ORDER_BUNDLE_PART_REFUSED',
  /** A part's offer is not live at the seq and record hash the bundle pins (or unknown to the aggregator). */
  PART_UNAVAILABLE: 'ORDER_BUNDLE_PART_UNAVAILABLE',
  /** A part's provider did not answer before the aggregator had to answer its customer. */
  PART_UNREACHABLE: 'ORDER_BUNDLE_PART_UNREACHABLE',
  /** A sub-order certificate does not link to the given parent (another id or body hash, or its customer is not a provider of the parent). */
  BROKEN_LINK: 'ORDER_BUNDLE_BROKEN_LINK'
} as const

/**
 * Time the aggregator allows itself between accepting the parent's certificate (before its hold
 * expires) and deciding the sub-order: one provider step (a ledger append and a synced store write)
 * on a loaded host, with a wide margin. Both instants are on the aggregator's own clock, so no skew.
 */
export const BUNDLE_DECISION_MARGIN_MS = 5_000
/**
 * `sub.commitBy = parent.commitBy + SUB_ORDER_OFFSET_MS`: the aggregator's hold on the parent lasts
 * until `parent.commitBy + GRACE_MS` (its clock); a certificate accepted then must still leave it
 * `COMMIT_MARGIN_MS` before the sub-order's decision deadline, plus the decision margin.
 */
export const SUB_ORDER_OFFSET_MS = GRACE_MS + COMMIT_MARGIN_MS + BUNDLE_DECISION_MARGIN_MS
/**
 * How long the aggregator gathers the parts' holds before it answers the customer's hold: under the
 * 5 s a customer waits for one answer (order transport limits), so one request usually suffices; a
 * part that has not held by then is reported `ORDER_BUNDLE_PART_UNREACHABLE`.
 */
export const BUNDLE_PREPARE_TIMEOUT_MS = 4_000

/** What the aggregator knows of a component offer (from its catalog, verified). */
export interface ComponentOffer {
  offer: Offer
  /** SHA-256 of the encoded record. */
  hash: Uint8Array
}

/**
 * A sub-order to place: its body and, per part provider, addresses to reach it at: none, so the
 * aggregator (a full node) dials the peer id through its peer store and peer routing rather than
 * the addresses an offer was signed with, which may be stale.
 */
export interface SubOrder { body: EntryBody, addresses: Record<string, string[]> }

/** What {@link planSubOrder} needs. */
export interface SubOrderInput {
  /** The customer's agreement body, as its hold carries it. */
  parent: EntryBody
  /** The aggregator's peer id. */
  self: string
  /** The aggregator's live bundle offers: offer id -> components. */
  bundles: ReadonlyMap<string, readonly BundleComponent[]>
  /** Looks a component offer up (its live record, if the aggregator has one). */
  component: (provider: string, id: string) => ComponentOffer | undefined
  /** The sub-order's id (fresh randomness, `newOrderId`). */
  orderId: string
  now: number
}

const fail = (code: string, why: string, path?: string): never => { throw new FulcrumError(code, why, path === undefined ? {} : { path }) }

/** The link a sub-order carries to the parent body (its id and the hash every party signed). */
export function parentLink (parent: EntryBody): ParentLink {
  return { order: parent.id, hash: sha256(entrySigningBytes('agreement', parent)) }
}

/** The parent's items that are bundles of this aggregator, with their index in the terms. */
export function bundleItems (terms: AgreementTerms, self: string, bundles: ReadonlyMap<string, readonly BundleComponent[]>): Array<{ index: number, item: AgreementItem, components: readonly BundleComponent[] }> {
  const out: Array<{ index: number, item: AgreementItem, components: readonly BundleComponent[] }> = []
  terms.items.forEach((item, index) => {
    const components = item.provider === self ? bundles.get(item.offer.id) : undefined
    if (components !== undefined) out.push({ index, item, components })
  })
  return out
}

/**
 * The sub-order serving the parent's bundle items, or undefined if the parent names none. Each
 * bundle item `i` of quantity q yields one sub-item per component `j`: `q × component.quantity`
 * units of the pinned offer at its list price, named `i.j.<item name>`. Refuses, with the path of
 * the parent item: a component offer unknown, expired or at another seq or hash
 * (`ORDER_BUNDLE_PART_UNAVAILABLE`); parts in several currencies or billed by use, or more than
 * MAX_ORDER_ITEMS parts (`ORDER_BAD_TERMS`); a parent deadline so far that the sub-order's would
 * exceed MAX_HOLD_WINDOW_MS (`ORDER_BAD_DEADLINE`).
 */
export function planSubOrder (input: SubOrderInput): SubOrder | undefined {
  const terms = parseTerms(input.parent)
  const bundled = bundleItems(terms, input.self, input.bundles)
  if (bundled.length === 0) return undefined
  const commitBy = terms.commitBy + SUB_ORDER_OFFSET_MS
  if (commitBy - input.now > MAX_HOLD_WINDOW_MS) fail(OrderError.BAD_DEADLINE, `the parts would be held ${commitBy - input.now} ms, at most ${MAX_HOLD_WINDOW_MS}`, 'terms.commitBy')
  const items: AgreementItem[] = []
  const addresses: Record<string, string[]> = {}
  let total = 0n
  let currency: string | undefined
  for (const { index, item, components } of bundled) {
    components.forEach((c, j) => {
      const path = `terms.items[${index}]`
      const found = input.component(c.provider, c.id)
      if (found === undefined || input.now >= found.offer.expiresAt) return fail(AggregatorError.PART_UNAVAILABLE, `part ${c.provider}/${c.id} of bundle ${item.offer.id} is not live`, path)
      if (found.offer.seq !== c.seq || toHex(found.hash) !== c.hash) return fail(AggregatorError.PART_UNAVAILABLE, `part ${c.provider}/${c.id} of bundle ${item.offer.id} is at seq ${found.offer.seq}, the bundle pins seq ${c.seq}`, path)
      const quantity = item.quantity * c.quantity
      const cost = Number.isSafeInteger(quantity) ? monthlyCost(found.offer, quantity) : undefined
      if (cost === undefined) return fail(OrderError.BAD_TERMS, `part ${c.provider}/${c.id} is billed by use or its quantity overflows`, path)
      if (currency !== undefined && currency !== found.offer.price.currency) return fail(OrderError.BAD_TERMS, 'the parts are priced in several currencies', path)
      currency = found.offer.price.currency
      total += cost
      items.push({
        name: `${index}.${j}.${item.name}`.slice(0, MAX_ITEM_NAME_LENGTH),
        provider: c.provider,
        offer: { provider: c.provider, id: c.id, seq: c.seq, hash: found.hash },
        quantity,
        price: { ...found.offer.price }
      })
      addresses[c.provider] = []
    })
  }
  if (items.length > MAX_ORDER_ITEMS) fail(OrderError.BAD_TERMS, `the bundles make ${items.length} parts, at most ${MAX_ORDER_ITEMS}`, 'terms.items')
  const sub: AgreementTerms = {
    order: input.orderId,
    customer: input.self,
    items,
    term: { ...terms.term },
    commitBy,
    total: { amount: fromNanos(total), currency: currency as string, unit: 'month' },
    parent: parentLink(input.parent)
  }
  const parties = [...new Set([input.self, ...items.map(i => i.provider)])].sort()
  const body: EntryBody = { id: input.orderId, parties, createdAt: input.now, terms: sub as unknown as { [k: string]: CanonicalValue } }
  parseTerms(body)
  return { body, addresses }
}

/**
 * Why the aggregator refuses its customer's hold after a failed sub-order: the first part that
 * refused (`ORDER_BUNDLE_PART_REFUSED`, naming the part, its provider and offer, and that provider's
 * own code and reason), else the parts that never held (`ORDER_BUNDLE_PART_UNREACHABLE`).
 */
export function partRefusal (sub: EntryBody, refusals: readonly Refusal[], unheld: readonly string[]): { code: string, reason: string } {
  const items = parseTerms(sub).items
  const parts = (provider: string): string => items.filter(i => i.provider === provider).map(i => `${i.name} (${i.provider}/${i.offer.id})`).join(', ')
  const r = refusals[0]
  if (r !== undefined) return { code: AggregatorError.PART_REFUSED, reason: `part ${parts(r.provider)} refused: ${r.code}: ${r.reason}`.slice(0, 512) }
  return { code: AggregatorError.PART_UNREACHABLE, reason: `part ${unheld.map(parts).join('; ')} did not hold in time`.slice(0, 512) }
}

/** The parent order's state at the aggregator: its provider record's status, or `none` (never held: refused or forgotten). */
export type ParentState = ProviderStatus | 'none'

/**
 * What to do with a sub-order given the parent's state (§10 table): `commit` once the parent is
 * committed and every part is held (Prepared); `abort` when the parent ended without a commit, was
 * never held, or the parts are not all held (a sub-order still Holding can never serve a parent);
 * `wait` while the parent is pending or held and the parts are prepared; `none` once the sub-order
 * is decided (its delivery continues by itself).
 */
export function subOrderAction (sub: CustomerStatus, parent: ParentState): 'commit' | 'abort' | 'wait' | 'none' {
  if (sub !== CustomerStatus.Holding && sub !== CustomerStatus.Prepared) return 'none'
  if (sub === CustomerStatus.Holding) return 'abort'
  if (parent === ProviderStatus.Committed) return 'commit'
  if (parent === ProviderStatus.Held || parent === ProviderStatus.Pending) return 'wait'
  return 'abort'
}

/**
 * An auditor's check of one link of the chain customer -> aggregator -> providers: both entries are
 * complete certificates (`ORDER_PARTIAL_COMMIT` otherwise), the sub-order names the parent by id and
 * by the hash of the body every party of the parent signed, and its customer is a provider of the
 * parent (`ORDER_BUNDLE_BROKEN_LINK` otherwise, with the path of the failing field).
 */
export function verifyChainLink (parent: Entry, sub: Entry, verifier: Verifier): void {
  verifyCertificate(parent, verifier)
  verifyCertificate(sub, verifier)
  const terms = parseTerms(sub.body)
  const link = terms.parent ?? fail(AggregatorError.BROKEN_LINK, 'the sub-order names no parent', 'terms.parent')
  if (link.order !== parent.body.id) fail(AggregatorError.BROKEN_LINK, `the sub-order serves ${link.order}, not ${parent.body.id}`, 'terms.parent.order')
  if (!bytesEqual(link.hash, parentLink(parent.body).hash)) fail(AggregatorError.BROKEN_LINK, 'the sub-order names another parent body', 'terms.parent.hash')
  if (!providersOf(parseTerms(parent.body)).includes(terms.customer)) fail(AggregatorError.BROKEN_LINK, 'the sub-order\'s customer sells nothing in the parent', 'terms.customer')
}
