/**
 * The customer's side of order-v1 on a light client: runs the pure customer state machine
 * (src/orders/customer.ts, the code the seeded simulator tests) for one order and carries out its
 * effects (protocols/order-v1.md §5.1):
 *
 * - `write` stores the order (synced) and, for a decided commit, appends the certificate to the
 *   customer's own ledger, both before any later `send`: that write is the commit point;
 * - `send` goes to the provider over `/fulcrum/order/1.0.0` with a deadline (one request per
 *   provider and kind at a time; the machine re-sends what stays unanswered); answers are stepped
 *   back in as `message` events, one step at a time;
 * - `wake` arms one timer (cleared when the run ends).
 *
 * A run ends when the order is done, or once the decided abort reached (or failed to reach) every
 * provider once: releasing is best effort, holds lapse by themselves, and the next command resumes
 * the order ({@link resumeOrders}: the machine's restore aborts an undecided order and delivers a
 * decided one again). Progress events for the CLI come from the machine's state changes.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Identity } from '../identity/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import type { EntryBody } from '../ledger/index.js'
import { appendEntry, appendVerifiedEntry } from '../log/index.js'
import type { MerkleLog } from '../log/index.js'
import { isFulcrumError } from '../errors/index.js'
import type { ProtocolDialer } from '../network/index.js'
import {
  COMMIT_MARGIN_MS, CustomerStatus, DEFAULT_COMMIT_WINDOW_MS, OrderError, buildAgreementBody, customerStep, deliverUntil, ed25519Verifier,
  newOrderId, restoreCustomer, startOrder
} from '../orders/index.js'
import type { CustomerContext, CustomerEvent, CustomerRecord, CustomerState, CustomerStep, OrderMessage, Plan } from '../orders/index.js'
import { sendOrderMessage } from './client.js'
import { STATUS_QUERY_TIMEOUT_MS } from './constants.js'
import type { CustomerOrder, CustomerStore } from './customer-store.js'

/** What the customer side needs: its key, a client-only libp2p node, its store and ledger, a clock and randomness. */
export interface CustomerComponents {
  identity: Identity
  dialer: ProtocolDialer
  store: CustomerStore
  /** The customer's own agreement ledger (opened with its key). */
  log: MerkleLog
  now: () => number
  random: (bytes: number) => Uint8Array
  /** Called as each provider progresses (the CLI prints these). */
  progress?: (event: ProgressEvent) => void
}

/** One step of one provider. */
export interface ProgressEvent { order: string, provider: string, step: 'hold' | 'held' | 'pending' | 'refused' | 'unreachable' | 'commit' | 'committed' | 'abort' | 'released', code?: string, reason?: string }

/** What one provider did. */
export interface ProviderOutcome { state: string, code?: string, reason?: string }

/** The outcome of an order: `committed` (every provider acknowledged), `committing` (decided, deliveries outstanding), `aborted`. */
export interface OrderOutcome { orderId: string, status: 'committed' | 'committing' | 'aborted', providers: Record<string, ProviderOutcome>, entry?: Uint8Array }

/** What the store keeps per order: the machine's record and the providers' last known outcomes. */
interface Stored { record: CustomerRecord, providers: Record<string, ProviderOutcome> }
/** Largest stored machine state: the body and certificate (64 KiB each) and the outcomes. */
const MAX_STATE_BYTES = 512 * 1024
const encodeStored = (s: Stored): Uint8Array => encodeCanonical(s as unknown as CanonicalValue)
const decodeStored = (b: Uint8Array): Stored => decodeCanonical(b, MAX_STATE_BYTES) as unknown as Stored

/**
 * Places an order for `plan` with the providers at `addresses` (peer id -> multiaddrs with /p2p/).
 * Resolves with the outcome; never leaves an undecided order behind unless the process dies
 * (then {@link resumeOrders} aborts it).
 */
export async function placeOrder (c: CustomerComponents, plan: Plan, addresses: Record<string, string[]>,
  options: { commitWindowMs?: number } = {}): Promise<OrderOutcome> {
  const now = c.now()
  const orderId = newOrderId(c.random(16))
  const body = buildAgreementBody({ plan, customer: c.identity.peerId, orderId, createdAt: now, commitBy: now + (options.commitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS) })
  const row: CustomerOrder = { id: orderId, status: CustomerStatus.Holding, addresses, createdAt: now, updatedAt: now, state: new Uint8Array(0) }
  return await new OrderRun(c, row, {}).run(startOrder(contextOf(c), body, now))
}

/** Resumes every order a crash or an unreachable provider left unfinished (see module doc). */
export async function resumeOrders (c: CustomerComponents): Promise<OrderOutcome[]> {
  const out: OrderOutcome[] = []
  for (const row of await c.store.list()) {
    const stored = decodeStored(row.state)
    if (stored.record.status === CustomerStatus.Done) continue
    if (stored.record.status === CustomerStatus.Committed) await appendEntry(c.log, c.identity.peerId, stored.record.entry) // a crash may have cut the write short
    const run = new OrderRun(c, row, stored.providers)
    out.push(await run.run(restoreCustomer(contextOf(c), stored.record, c.now()), true))
  }
  return out
}

/** The outcome recorded for an order. */
export function outcomeOf (row: CustomerOrder): OrderOutcome {
  const { record, providers } = decodeStored(row.state)
  const entry = entryOf(record)
  return { orderId: row.id, status: statusOf(record), providers, ...(entry === undefined ? {} : { entry }) }
}

/** The agreement body of a stored order. */
export function orderBody (row: CustomerOrder): EntryBody {
  return decodeStored(row.state).record.body
}

function contextOf (c: CustomerComponents): CustomerContext {
  return { signer: c.identity, verifier: ed25519Verifier }
}

function entryOf (r: CustomerRecord): Uint8Array | undefined {
  return r.status === CustomerStatus.Committed || (r.status === CustomerStatus.Done && r.outcome === 'committed') ? r.entry : undefined
}

function statusOf (r: CustomerRecord): OrderOutcome['status'] {
  if (r.status === CustomerStatus.Done) return r.outcome
  return r.status === CustomerStatus.Committed ? 'committing' : 'aborted'
}

/** The summary status the store and `order list` show. */
function rowStatus (r: CustomerRecord): string {
  return r.status === CustomerStatus.Done ? r.outcome : r.status === CustomerStatus.Committed ? 'committing' : r.status === CustomerStatus.Aborted ? 'aborting' : 'holding'
}

function targetOf (row: CustomerOrder, peer: string): Multiaddr[] {
  return (row.addresses[peer] ?? []).map(a => multiaddr(a.includes('/p2p/') ? a : `${a}/p2p/${peer}`))
}

/** One run of the machine for one order (see module doc). */
class OrderRun {
  private state: CustomerState | undefined
  private readonly events: CustomerEvent[] = []
  private poke: (() => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly inflight = new Map<string, Promise<void>>()
  private readonly stop = new AbortController()
  /** Providers whose abort request was answered or failed at least once in this run. */
  private readonly abortTried = new Set<string>()
  /** The last network error per provider (reported when it never answered). */
  private readonly lastError = new Map<string, string>()
  private readonly told = new Set<string>()
  private bug: unknown

  constructor (private readonly c: CustomerComponents, private readonly row: CustomerOrder, private readonly providers: Record<string, ProviderOutcome>) {}

  async run (first: CustomerStep, resumed = false): Promise<OrderOutcome> {
    try {
      await this.apply(first)
      if (resumed) await this.apply(customerStep(contextOf(this.c), this.current, { type: 'tick' }, this.c.now()))
      while (!this.finished()) {
        const event = await this.next()
        if (this.bug !== undefined) throw this.bug
        if (event !== undefined) await this.apply(customerStep(contextOf(this.c), this.current, event, this.c.now()))
      }
    } finally {
      clearTimeout(this.timer)
      this.stop.abort()
      await Promise.allSettled([...this.inflight.values()])
    }
    const record = this.current.record
    this.outcomes(this.current)
    await this.save(record, undefined, false) // the providers' outcomes only: nothing depends on it
    const entry = entryOf(record)
    return { orderId: this.row.id, status: statusOf(record), providers: this.providers, ...(entry === undefined ? {} : { entry }) }
  }

  private get current (): CustomerState {
    if (this.state === undefined) throw new Error('the order run has no state yet')
    return this.state
  }

  private finished (): boolean {
    if (this.events.length > 0) return false
    const s = this.current
    if (s.record.status === CustomerStatus.Done) return true
    // a hold still on its way may yet be granted: wait for it, so that its release is asked too
    if ([...this.inflight.keys()].some(k => k.startsWith('hold '))) return false
    return s.record.status === CustomerStatus.Aborted && s.providers.every(p => s.acked.has(p) || this.abortTried.has(p))
  }

  private async next (): Promise<CustomerEvent | undefined> {
    if (this.events.length === 0) await new Promise<void>(resolve => { this.poke = resolve })
    return this.events.shift()
  }

  private wake (): void {
    const p = this.poke
    this.poke = undefined
    p?.()
  }

  /** Carries a step's effects out in order, then reports what changed. */
  private async apply (step: CustomerStep): Promise<void> {
    const before = this.state
    for (const e of step.effects) {
      if (e.type === 'write') {
        // Every write is synced before what follows it is sent, except the last one (done): a crash
        // that loses it only makes the next command deliver the decision once more.
        await this.save(e.record, step.state, e.record.status !== CustomerStatus.Done)
        if (e.entry !== undefined) await appendVerifiedEntry(this.c.log, this.c.identity.peerId, e.entry) // the machine verified every hold's signature
      } else if (e.type === 'send') this.send(e.to, e.message, step.state)
      else if (e.type === 'wake') this.arm(e.at)
    }
    this.state = step.state
    this.report(before, step.state)
  }

  private async save (record: CustomerRecord, state?: CustomerState, sync = true): Promise<void> {
    if (state !== undefined) this.outcomes({ ...state, record })
    this.row.status = rowStatus(record)
    this.row.updatedAt = this.c.now()
    this.row.state = encodeStored({ record, providers: this.providers })
    await this.c.store.put(this.row, { sync })
  }

  private arm (at: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.events.push({ type: 'tick' }); this.wake() }, Math.max(0, at - this.c.now()))
  }

  /** One request per provider and kind at a time, with the deadline of what it asks. */
  private send (to: string, message: OrderMessage, state: CustomerState): void {
    const key = `${message.kind} ${to}`
    if (this.inflight.has(key)) return
    const now = this.c.now()
    const until = message.kind === 'hold' ? state.commitBy - COMMIT_MARGIN_MS : message.kind === 'commit' ? deliverUntil(state.commitBy) : now + STATUS_QUERY_TIMEOUT_MS
    const signal = AbortSignal.any([this.stop.signal, AbortSignal.timeout(Math.max(1, until - now))])
    const p = (async () => {
      try {
        const answer = await sendOrderMessage(this.c.dialer, targetOf(this.row, to), message, { signal })
        if (answer.kind === 'status' && answer.body.state === 'pending') this.tell(to, 'pending')
        if (answer.kind === 'refused') this.tell(to, 'refused', answer.body.code, answer.body.reason)
        this.events.push({ type: 'message', message: answer })
      } catch (err) {
        if (isFulcrumError(err)) this.lastError.set(to, err.code)
        else this.bug ??= err // not a peer's or the network's doing: the run ends with it
      } finally {
        this.inflight.delete(key)
        if (message.kind === 'abort') this.abortTried.add(to)
        this.wake()
      }
    })()
    this.inflight.set(key, p)
    if (message.kind === 'hold') this.tell(to, 'hold')
    if (message.kind === 'commit') this.tell(to, 'commit')
  }

  /** Progress from the machine's state changes: signatures gathered, decisions acknowledged. */
  private report (before: CustomerState | undefined, after: CustomerState): void {
    for (const p of after.providers) {
      if (after.sigs.has(p) && before?.sigs.has(p) !== true) this.tell(p, 'held')
      // a hold granted after the abort went out: the machine asks the release again; wait for it
      if (after.record.status === CustomerStatus.Aborted && before?.acked.has(p) === true && !after.acked.has(p)) this.abortTried.delete(p)
      if (after.acked.has(p) && before?.acked.has(p) !== true && before?.record.status === after.record.status) {
        if (after.record.status === CustomerStatus.Committed || (after.record.status === CustomerStatus.Done && after.record.outcome === 'committed')) this.tell(p, 'committed')
        else if (after.failures.every(f => f.provider !== p)) this.tell(p, 'released')
      }
      if (before?.record.status === CustomerStatus.Holding && after.record.status === CustomerStatus.Aborted && !after.sigs.has(p) && this.lastError.has(p)) {
        this.tell(p, 'unreachable', this.lastError.get(p))
      }
    }
    if (after.record.status === CustomerStatus.Done && before?.record.status === CustomerStatus.Committed) {
      for (const p of after.providers) if (!before.acked.has(p) && after.record.unacknowledged.length === 0) this.tell(p, 'committed')
    }
  }

  private tell (provider: string, step: ProgressEvent['step'], code?: string, reason?: string): void {
    const key = `${step} ${provider}`
    if (this.told.has(key) && step !== 'refused') return
    this.told.add(key)
    const e: ProgressEvent = { order: this.row.id, provider, step }
    if (code !== undefined) e.code = code
    if (reason !== undefined) e.reason = reason
    this.c.progress?.(e)
  }

  /** Each provider's outcome as the machine's state shows it. */
  private outcomes (s: CustomerState): void {
    const r = s.record
    const refusals = [...('refusals' in r ? r.refusals : []), ...s.failures]
    const committed = entryOf(r) !== undefined
    const late = 'reason' in r && r.reason?.startsWith(OrderError.LATE_COMMIT) === true
    for (const p of s.providers) {
      const refusal = refusals.find(f => f.provider === p)
      const net = this.lastError.get(p)
      let o: ProviderOutcome
      if (refusal !== undefined) o = { state: committed ? 'commit-refused' : 'refused', code: refusal.code, reason: refusal.reason }
      else if (committed) o = s.acked.has(p) ? { state: 'committed' } : { state: 'held', ...(net === undefined ? {} : { code: net }), reason: 'commit not acknowledged yet' }
      else if (r.status === CustomerStatus.Holding) o = s.sigs.has(p) ? { state: 'held' } : { state: 'holding' }
      else if (s.sigs.has(p)) o = late ? { state: 'held', code: OrderError.LATE_COMMIT, reason: 'the commit deadline passed' } : { state: 'held' }
      else if (net !== undefined) o = { state: 'no-answer', code: net, reason: 'no hold before the decision deadline' }
      else o = this.providers[p]?.state === 'no-answer' ? this.providers[p] : { state: 'not-asked', code: 'ORDER_ABORTED', reason: 'another provider refused' }
      this.providers[p] = o
    }
  }
}
