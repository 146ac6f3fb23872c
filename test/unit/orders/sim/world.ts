/**
 * A seeded, deterministic simulation of composed orders (FoundationDB / TigerBeetle VOPR style):
 * the real provider and customer machines, a network that drops, duplicates, delays and reorders
 * messages, parties that crash at any step of carrying out their effects (losing volatile state,
 * keeping what they wrote) and restart later, and a clock offset per party. Pure: no I/O, no real time.
 */
import type { Identity } from '../../../../src/identity/index.js'
import type { EntryBody } from '../../../../src/ledger/index.js'
import {
  CustomerStatus, DEFAULT_COMMIT_WINDOW_MS, DEFAULT_POLICY, ProviderStatus, ENDED_RETENTION_MS, GRACE_MS, ORDER_CLOCK_SKEW_MS, SUB_ORDER_OFFSET_MS,
  buildAgreementBody, customerStep, ed25519Verifier, providerState, providerStep, restoreCustomer, signMessage, startOrder, usedUnits
} from '../../../../src/orders/index.js'
import type {
  CustomerContext, CustomerRecord, CustomerState, Effect, OrderMessage, OrderSigner, ProviderContext, ProviderOrder, ProviderState, LiveOffer, Verifier
} from '../../../../src/orders/index.js'
import { simSigner, simVerifier } from './crypto.js'
import { EventQueue, Rng } from './rng.js'
import { CUSTOMER_IDS, PROVIDER_IDS, RECORDS, liveOffer } from './scenario.js'
import type { Scenario } from './scenario.js'
import type { Mutation } from './mutations.js'
import { mutateCustomer, mutateProvider, observeWrite, volatileWrite } from './mutations.js'
import { aggMessage, aggParentWrites, aggRestart, aggTick } from './aggregator.js'
import type { AggState } from './aggregator.js'

type Ev =
  | { t: number, type: 'deliver', to: number, from: number, message: OrderMessage }
  | { t: number, type: 'tick', party: number }
  | { t: number, type: 'start', party: number }
  | { t: number, type: 'restart', party: number }

interface PartyBase {
  index: number
  peerId: string
  offset: number
  up: boolean
  crashes: number
  ledger: Map<string, Uint8Array>
  ticks: Set<number>
  /** The simulator's memory of each order's final status (a party may forget ended orders; this does not). */
  final: Map<string, string>
}
export interface ProviderParty extends PartyBase {
  kind: 'provider'
  ctx: ProviderContext
  offer: LiveOffer
  state: ProviderState
  durable: Map<string, ProviderOrder>
  /** Provider 0 in an aggregator scenario: its sub-orders. */
  agg?: AggState
}
export interface CustomerParty extends PartyBase {
  kind: 'customer'
  ctx: CustomerContext
  orders: Map<string, CustomerState>
  durable: Map<string, CustomerRecord>
}
export type Party = ProviderParty | CustomerParty

/** What a run produced, for the checks. */
export interface Outcome {
  scenario: Scenario
  parties: Party[]
  /** Bodies of the orders that were started (by order id). */
  bodies: Map<string, EntryBody>
  /** Invariant violations seen during the run (overbooking at a step, two entries under one id). */
  stepViolations: string[]
  events: number
  endedAt: number
}

/** Runs one scenario to its end. */
export function run (sc: Scenario, mutation?: Mutation, realCrypto = false): Outcome {
  return new World(sc, mutation, realCrypto).run()
}

class World {
  readonly rng: Rng
  readonly queue = new EventQueue<Ev>()
  readonly parties: Party[] = []
  readonly byPeer = new Map<string, number>()
  readonly bodies = new Map<string, EntryBody>()
  readonly violations: string[] = []
  now = 0
  events = 0

  constructor (readonly sc: Scenario, readonly mutation?: Mutation, realCrypto = false) {
    const crypto = (id: Identity): { signer: OrderSigner, verifier: Verifier } =>
      realCrypto ? { signer: id, verifier: ed25519Verifier } : { signer: simSigner(id.peerId), verifier: simVerifier }
    this.rng = new Rng(sc.seed ^ 0x5bd1e995)
    for (let i = 0; i < sc.providers; i++) {
      const peerId = PROVIDER_IDS[i]!.peerId
      const offer = liveOffer(i, sc.capacity[i]!)
      const agg = sc.aggregator === true && i === 0 ? { agg: { ctx: crypto(PROVIDER_IDS[i]!), subs: new Map(), durable: new Map(), preparing: new Map(), made: 0 } } : {}
      this.add({ kind: 'provider', index: i, peerId, offset: sc.offsets[i]!, up: true, crashes: 0, ledger: new Map(), ticks: new Set(), final: new Map(), ctx: { ...crypto(PROVIDER_IDS[i]!), policy: DEFAULT_POLICY }, offer, state: providerState(peerId, [offer]), durable: new Map(), ...agg })
    }
    for (let c = 0; c < sc.customers; c++) {
      const i = sc.providers + c
      const peerId = CUSTOMER_IDS[c]!.peerId
      this.add({ kind: 'customer', index: i, peerId, offset: sc.offsets[i]!, up: true, crashes: 0, ledger: new Map(), ticks: new Set(), final: new Map(), ctx: crypto(CUSTOMER_IDS[c]!), orders: new Map(), durable: new Map() })
      this.queue.push({ t: sc.orders[c]!.startAt, type: 'start', party: i })
    }
  }

  private add (p: Party): void { this.parties.push(p); this.byPeer.set(p.peerId, p.index) }
  local (p: { offset?: number, index: number }): number { return this.now + (this.parties[p.index] as Party).offset }

  /** The last moment anything can matter: every hold expired and every ended record forgotten. */
  private endTime (): number {
    const lastStart = Math.max(...this.sc.orders.map(o => o.startAt))
    const slack = this.sc.mode === 'honest' ? 10_000 : this.sc.crash.maxDown + this.sc.net.maxDelay + (this.sc.stallAfterCommit ?? 0) + 60_000
    const subOrders = this.sc.aggregator === true ? SUB_ORDER_OFFSET_MS + GRACE_MS : 0
    return lastStart + DEFAULT_COMMIT_WINDOW_MS + GRACE_MS + ENDED_RETENTION_MS + 2 * ORDER_CLOCK_SKEW_MS + slack + subOrders
  }

  run (): Outcome {
    const end = this.endTime()
    for (let e = this.queue.pop(); e !== undefined && e.t <= end; e = this.queue.pop()) {
      this.now = e.t
      this.events++
      this.handle(e)
    }
    // the end: every party is back and looks at its deadlines one last time
    this.now = end + 1
    for (const p of this.parties) {
      if (!p.up) this.restart(p, false)
      this.tick(p, false)
    }
    return { scenario: this.sc, parties: this.parties, bodies: this.bodies, stepViolations: this.violations, events: this.events, endedAt: this.now }
  }

  private handle (e: Ev): void {
    const p = this.parties[e.type === 'deliver' ? e.to : e.party]!
    if (e.type === 'restart') return this.restart(p, true)
    if (!p.up) return // a message to a crashed party is lost; its timers died with it
    if (e.type === 'tick') { p.ticks.delete(e.t); return this.tick(p, true) }
    if (e.type === 'start') return this.start(p as CustomerParty)
    if (p.kind === 'provider') {
      if (p.agg !== undefined && aggMessage(this, p as ProviderParty & { agg: AggState }, e.message, e.from)) return
      const state = mutateProvider(this.mutation, p, e.message, this.local(p))
      const step = providerStep(p.ctx, state, { type: 'message', message: e.message }, this.local(p))
      if (this.apply(p, step.effects, () => { p.state = step.state }, e.from, true) && p.agg !== undefined) aggParentWrites(this, p as ProviderParty & { agg: AggState }, writesOf(step.effects))
    } else {
      this.toCustomer(p, e.message, e.from)
    }
  }

  private start (p: CustomerParty): void {
    const c = p.index - this.sc.providers
    const o = this.sc.orders[c]!
    const now = this.local(p)
    const items = o.quantities.flatMap((q, i) => q === 0 ? [] : [{ name: `item-${i}`, record: RECORDS[i]!, quantity: q }])
    const body = buildAgreementBody({
      plan: { items, term: { months: 1 }, total: { amount: String(2 * items.reduce((s, i) => s + i.quantity, 0)), currency: 'EUR', unit: 'month' } },
      customer: p.peerId, orderId: `ord-${this.sc.seed}-${c}`, createdAt: now, commitBy: now + DEFAULT_COMMIT_WINDOW_MS
    })
    this.bodies.set(body.id, body)
    const step = startOrder(p.ctx, body, now)
    this.apply(p, step.effects, () => { p.orders.set(body.id, step.state) }, -1, true)
  }

  private toCustomer (p: CustomerParty, m: OrderMessage, from: number): void {
    const st = p.orders.get(m.body.order)
    if (st === undefined) {
      // the shell answers for an order it has no record of
      if (m.kind === 'status-request' && m.body.to === p.peerId) {
        this.send(p, from, signMessage('status', { order: m.body.order, from: p.peerId, to: m.body.from, state: 'unknown' }, p.ctx.signer))
      }
      return
    }
    const step = mutateCustomer(this.mutation, p, st, m, this.local(p)) ?? customerStep(p.ctx, st, { type: 'message', message: m }, this.local(p))
    this.apply(p, step.effects, () => { p.orders.set(st.record.order, step.state) }, from, true)
  }

  private tick (p: Party, mayCrash: boolean): void {
    const now = this.local(p)
    if (p.kind === 'provider') {
      const step = providerStep(p.ctx, p.state, { type: 'tick' }, now)
      if (this.apply(p, step.effects, () => { p.state = step.state }, -1, mayCrash) && p.agg !== undefined) {
        aggParentWrites(this, p as ProviderParty & { agg: AggState }, writesOf(step.effects))
        if (p.up) aggTick(this, p as ProviderParty & { agg: AggState }, mayCrash)
      }
    } else {
      for (const [order, st] of p.orders) {
        const step = customerStep(p.ctx, st, { type: 'tick' }, now)
        if (!this.apply(p, step.effects, () => { p.orders.set(order, step.state) }, -1, mayCrash)) return
      }
    }
  }

  /** Carries out effects in order; the party may crash before any of them. Returns false if it crashed. */
  apply<R> (p: { index: number }, effects: Array<Effect<R>>, commit: () => void, replyTo: number, mayCrash: boolean, sub = false): boolean {
    return this.applyTo(this.parties[p.index] as Party, effects, commit, replyTo, mayCrash, sub)
  }

  private applyTo<R> (p: Party, effects: Array<Effect<R>>, commit: () => void, replyTo: number, mayCrash: boolean, sub: boolean): boolean {
    commit()
    for (const eff of effects) {
      if (mayCrash && p.crashes < this.sc.crash.maxPerParty && this.rng.chance(this.sc.crash.perStep)) {
        this.crash(p)
        return false
      }
      switch (eff.type) {
        case 'write':
          this.write(p, eff.record as never, eff.entry, sub)
          if (this.sc.stallAfterCommit !== undefined && p.kind === 'customer' && eff.entry !== undefined) {
            this.crash(p, this.sc.stallAfterCommit)
            return false
          }
          break
        case 'delete': ((sub ? (p as ProviderParty).agg?.durable : p.durable) as Map<string, unknown>).delete(eff.order); break
        case 'reply': if (replyTo >= 0) this.send(p, replyTo, eff.message); break
        case 'send': { const to = this.byPeer.get(eff.to); if (to !== undefined) this.send(p, to, eff.message); break }
        case 'wake': this.wake(p, eff.at); break
      }
    }
    if (p.kind === 'provider') this.checkCapacity(p)
    return true
  }

  private write (p: Party, record: ProviderOrder | CustomerRecord, entry: Uint8Array | undefined, sub = false): void {
    // a final status is never left, even after the record was forgotten (the simulator remembers)
    const before = p.final.get(record.order)
    if (before !== undefined && before !== record.status) {
      this.violations.push(`${p.kind} ${p.index}: order ${record.order} left its final status ${before} for ${record.status}`)
    }
    if (FINAL[sub ? 'customer' : p.kind].includes(record.status)) p.final.set(record.order, record.status)
    if (sub && p.kind === 'provider' && p.agg !== undefined) p.agg.durable.set(record.order, record as CustomerRecord)
    else if (p.kind === 'provider') observeWrite(this.mutation, p, record as ProviderOrder)
    if (sub) { /* a sub-order record: kept above */ } else if (!(p.kind === 'provider' && volatileWrite(this.mutation, record as ProviderOrder))) (p.durable as Map<string, unknown>).set(record.order, record)
    if (entry === undefined) return
    const had = p.ledger.get(record.order)
    if (had !== undefined && !bytesEq(had, entry)) this.violations.push(`${p.kind} ${p.index} appended two different entries for ${record.order}`)
    p.ledger.set(record.order, entry)
  }

  send (q: { index: number }, to: number, message: OrderMessage): void {
    const p = this.parties[q.index] as Party
    const net = this.sc.net
    const cut = this.sc.partition
    if (cut !== undefined && this.now >= cut.from && this.now < cut.to && (p.index === cut.party || to === cut.party)) return
    const copies = this.rng.chance(net.drop) ? 0 : this.rng.chance(net.dup) ? 2 : 1
    for (let i = 0; i < copies; i++) this.queue.push({ t: this.now + this.rng.int(net.minDelay, net.maxDelay), type: 'deliver', to, from: p.index, message })
  }

  wake (q: { index: number }, at: number): void {
    const p = this.parties[q.index] as Party
    const t = Math.max(this.now, at - p.offset)
    if (p.ticks.has(t)) return
    p.ticks.add(t)
    this.queue.push({ t, type: 'tick', party: p.index })
  }

  private crash (p: Party, down = this.rng.int(1, this.sc.crash.maxDown)): void {
    p.up = false
    p.crashes++
    p.ticks.clear()
    this.queue.push({ t: this.now + down, type: 'restart', party: p.index })
  }

  /** Rebuilds a party from what it wrote, and resumes it. */
  private restart (p: Party, mayCrash: boolean): void {
    p.up = true
    if (p.kind === 'provider') {
      p.state = providerState(p.peerId, [p.offer], p.durable.values())
      if (p.agg !== undefined) aggRestart(this, p as ProviderParty & { agg: AggState }, mayCrash)
      if (p.up) this.tick(p, mayCrash)
      return
    }
    p.orders = new Map()
    for (const rec of [...p.durable.values()]) {
      const step = restoreCustomer(p.ctx, rec, this.local(p))
      if (!this.apply(p, step.effects, () => { p.orders.set(rec.order, step.state) }, -1, mayCrash)) return
    }
  }

  private checkCapacity (p: ProviderParty): void {
    const used = usedUnits(p.state, p.offer)
    if (used > p.offer.capacity) this.violations.push(`provider ${p.index} reserved ${used} units of ${p.offer.capacity} at t=${this.now}`)
  }
}

/** Statuses an order never leaves (a hold that ended stays ended). */
const FINAL: Record<Party['kind'], readonly string[]> = {
  provider: [ProviderStatus.Committed, ProviderStatus.Released, ProviderStatus.Expired],
  customer: [CustomerStatus.Done]
}

/** The records a step writes. */
function writesOf<R> (effects: Array<Effect<R>>): R[] {
  return effects.flatMap(e => e.type === 'write' ? [e.record] : [])
}

function bytesEq (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
