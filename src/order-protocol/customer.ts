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
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Identity } from '../identity/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import type { EntryBody } from '../ledger/index.js'
import { appendEntry, appendVerifiedEntry } from '../log/ledger.js'
import type { MerkleLog } from '../log/store.js'
import { isFulcrumError } from '../errors/index.js'
import type { ProtocolDialer } from '../network/index.js'
import {
  COMMIT_MARGIN_MS, CustomerStatus, DEFAULT_COMMIT_WINDOW_MS, OrderError, buildAgreementBody, customerStep, decideCustomer, deliverUntil, ed25519Verifier,
  newOrderId, restoreCustomer, startOrder
} from '../orders/index.js'
import type { Verifier, CounterChange, CustomerContext, CustomerEvent, CustomerRecord, CustomerState, CustomerStep, OrderMessage, Plan } from '../orders/index.js'
import { declinedOutcome, quoteRound } from './customer-quotes.js'
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
  /** Appends a decided certificate to the customer's ledger (default: straight to `log`; a node passes its ledger service). */
  append?: (entry: Uint8Array, verified: boolean) => Promise<void>
  /** Ends every run early (a node stopping); what is decided stays in the store and resumes on the next start. */
  signal?: AbortSignal
  /** Checks the providers' signatures (default {@link ed25519Verifier}, the platform's fast path; a light client may pass a portable one). */
  verifier?: Verifier
}

/** A decision taken from outside the machine on a prepare-only order (an aggregator's sub-order). */
interface Decide { type: 'decide', commit: boolean, reason?: string }

/** One step of one provider. */
export interface ProgressEvent { order: string, provider: string, step: 'quote' | 'quoted' | 'counter' | 'hold' | 'held' | 'pending' | 'refused' | 'unreachable' | 'commit' | 'committed' | 'abort' | 'released', code?: string, reason?: string }

/** What one provider did. */
export interface ProviderOutcome { state: string, code?: string, reason?: string }

/** The outcome of an order: `committed` (every provider acknowledged), `committing` (decided, deliveries outstanding), `aborted`. */
export interface OrderOutcome {
  orderId: string
  status: 'committed' | 'committing' | 'aborted' | 'prepared'
  providers: Record<string, ProviderOutcome>
  entry?: Uint8Array
  /** The quote round's counter-offers, when it ran: taken, and declined (an order with a declined one aborts before any hold). */
  counters?: { accepted: CounterChange[], declined: CounterChange[] }
}

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
  options: { commitWindowMs?: number, quote?: { withinPct?: number } } = {}): Promise<OrderOutcome> {
  const orderId = newOrderId(c.random(16))
  let counters: OrderOutcome['counters']
  if (options.quote !== undefined) {
    const { decision, failures } = await quoteRound(c, plan, orderId, addresses, options.quote.withinPct)
    counters = { accepted: decision.accepted, declined: decision.declined }
    if (decision.declined.length > 0 || Object.keys(failures).length > 0) return declinedOutcome(orderId, plan, decision.declined, failures, counters)
    plan = decision.plan
  }
  const now = c.now()
  const body = buildAgreementBody({ plan, customer: c.identity.peerId, orderId, createdAt: now, commitBy: now + (options.commitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS) })
  const row: CustomerOrder = { id: orderId, status: CustomerStatus.Holding, addresses, createdAt: now, updatedAt: now, state: new Uint8Array(0) }
  const outcome = await new OrderRun(c, row, {}).run(startOrder(contextOf(c), body, now))
  return counters === undefined ? outcome : { ...outcome, counters }
}

/** Resumes every order a crash or an unreachable provider left unfinished (see module doc). */
export async function resumeOrders (c: CustomerComponents): Promise<OrderOutcome[]> {
  const out: OrderOutcome[] = []
  for (const row of await c.store.list()) {
    const stored = decodeStored(row.state)
    if (stored.record.status === CustomerStatus.Done) continue
    if (stored.record.status === CustomerStatus.Committed) await appendTo(c, stored.record.entry) // a crash may have cut the write short
    const run = new OrderRun(c, row, stored.providers)
    out.push(await run.run(restoreCustomer(contextOf(c), stored.record, c.now()), true))
  }
  return out
}

/**
 * Starts a prepare-only order (an aggregator's sub-order, §10) and returns once every provider held
 * (`prepared`) or the order aborted (a refusal, or no hold from everyone by `until`: the run then
 * decides abort itself). The record tells which providers held and why it aborted ({@link orderRecord}).
 */
export async function prepareOrder (c: CustomerComponents, body: EntryBody, addresses: Record<string, string[]>, until: number): Promise<OrderOutcome> {
  const now = c.now()
  const row: CustomerOrder = { id: body.id, status: CustomerStatus.Holding, addresses, createdAt: now, updatedAt: now, state: new Uint8Array(0) }
  return await new OrderRun(c, row, {}, until).run(startOrder(contextOf(c), body, now, { prepareOnly: true }))
}

/**
 * Decides a prepared (or still holding) order of the store: commit (the certificate goes into the
 * ledger first) or abort, then delivers the decision until done (a commit) or tried once (an abort).
 * Deciding what was already decided only delivers it again.
 */
export async function decideOrder (c: CustomerComponents, orderId: string, decision: { commit: boolean, reason?: string }): Promise<OrderOutcome> {
  const row = await c.store.get(orderId)
  if (row === undefined) throw new Error(`no stored order ${orderId}`)
  const stored = decodeStored(row.state)
  if (stored.record.status === CustomerStatus.Committed) await appendTo(c, stored.record.entry)
  const run = new OrderRun(c, row, stored.providers)
  // restoring aborts a holding order (presumed abort), keeps a prepared one, re-sends a decided one
  return await run.run(restoreCustomer(contextOf(c), stored.record, c.now()), false, { type: 'decide', ...decision })
}

/** The machine's record of a stored order. */
export function orderRecord (row: CustomerOrder): CustomerRecord {
  return decodeStored(row.state).record
}

/** Appends a certificate to the customer's ledger; `verified`: the machine checked every signature of it. */
async function appendTo (c: CustomerComponents, entry: Uint8Array, verified = false): Promise<void> {
  if (c.append !== undefined) await c.append(entry, verified)
  else if (verified) await appendVerifiedEntry(c.log, c.identity.peerId, entry)
  else await appendEntry(c.log, c.identity.peerId, entry)
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
  return { signer: c.identity, verifier: c.verifier ?? ed25519Verifier }
}

function entryOf (r: CustomerRecord): Uint8Array | undefined {
  return r.status === CustomerStatus.Committed || (r.status === CustomerStatus.Done && r.outcome === 'committed') ? r.entry : undefined
}

function statusOf (r: CustomerRecord): OrderOutcome['status'] {
  if (r.status === CustomerStatus.Done) return r.outcome
  if (r.status === CustomerStatus.Prepared) return 'prepared'
  return r.status === CustomerStatus.Committed ? 'committing' : 'aborted'
}

/** The summary status the store and `order list` show. */
function rowStatus (r: CustomerRecord): string {
  if (r.status === CustomerStatus.Prepared) return 'prepared'
  return r.status === CustomerStatus.Done ? r.outcome : r.status === CustomerStatus.Committed ? 'committing' : r.status === CustomerStatus.Aborted ? 'aborting' : 'holding'
}

/** The provider's known addresses; with none, its peer id (a full node's peer store and peer routing find it). */
export function targetOf (row: CustomerOrder, peer: string): Multiaddr[] | PeerId {
  const addrs = row.addresses[peer] ?? []
  if (addrs.length === 0) return peerIdFromString(peer)
  return addrs.map(a => multiaddr(a.includes('/p2p/') ? a : `${a}/p2p/${peer}`))
}

/** One run of the machine for one order (see module doc). */
class OrderRun {
  private state: CustomerState | undefined
  private readonly events: Array<CustomerEvent | Decide> = []
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

  private prepareTimer: ReturnType<typeof setTimeout> | undefined

  /** `prepareUntil`: a prepare-only run decides abort itself if not every provider held by then. */
  constructor (private readonly c: CustomerComponents, private readonly row: CustomerOrder, private readonly providers: Record<string, ProviderOutcome>,
    private readonly prepareUntil?: number) {}

  async run (first: CustomerStep, resumed = false, decide?: Decide): Promise<OrderOutcome> {
    const onStop = (): void => { this.wake() }
    this.c.signal?.addEventListener('abort', onStop)
    try {
      await this.apply(first)
      if (resumed) await this.apply(customerStep(contextOf(this.c), this.current, { type: 'tick' }, this.c.now()))
      if (decide !== undefined) this.events.push(decide)
      if (this.prepareUntil !== undefined) {
        this.prepareTimer = setTimeout(() => { this.events.push({ type: 'decide', commit: false, reason: 'not every part held in time' }); this.wake() }, Math.max(0, this.prepareUntil - this.c.now()))
      }
      while (!this.finished() && this.c.signal?.aborted !== true) {
        const event = await this.next()
        if (this.bug !== undefined) throw this.bug
        if (event?.type === 'decide') await this.apply(decideCustomer(contextOf(this.c), this.current, event, this.c.now()))
        else if (event !== undefined) await this.apply(customerStep(contextOf(this.c), this.current, event, this.c.now()))
      }
    } finally {
      this.c.signal?.removeEventListener('abort', onStop)
      clearTimeout(this.prepareTimer)
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
    if (s.record.status === CustomerStatus.Done || s.record.status === CustomerStatus.Prepared) return true
    // a hold still on its way may yet be granted: wait for it, so that its release is asked too
    if ([...this.inflight.keys()].some(k => k.startsWith('hold '))) return false
    return s.record.status === CustomerStatus.Aborted && s.providers.every(p => s.acked.has(p) || this.abortTried.has(p))
  }

  private async next (): Promise<CustomerEvent | Decide | undefined> {
    if (this.events.length === 0 && this.c.signal?.aborted !== true) await new Promise<void>(resolve => { this.poke = resolve })
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
    let reported = false
    for (const e of step.effects) {
      // Progress is told once the step's writes are done and before its sends, so that a provider's
      // `held` comes before the `commit` its signature completed.
      if (e.type === 'send' && !reported) { this.report(before, step.state); reported = true }
      if (e.type === 'write') {
        // Every write is synced before what follows it is sent, except the last one (done): a crash
        // that loses it only makes the next command deliver the decision once more.
        await this.save(e.record, step.state, e.record.status !== CustomerStatus.Done)
        if (e.entry !== undefined) await appendTo(this.c, e.entry, true) // the machine verified every hold's signature
      } else if (e.type === 'send') this.send(e.to, e.message, step.state)
      else if (e.type === 'wake') this.arm(e.at)
    }
    this.state = step.state
    if (!reported) this.report(before, step.state)
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
