/**
 * Runs the pure provider state machine (src/orders/provider.ts) on a node: the code the seeded
 * simulator tests is the code the node runs. The driver only carries out what a step decides:
 *
 * - steps run one at a time per node (capacity is shared by every order of an offer, so two
 *   concurrent steps could both see the same free units); the state lives in memory between steps
 *   and is rebuilt from the {@link ProviderStore} on start;
 * - before a request is stepped, the provider's own catalog records are fed in as `offer` events
 *   (live offer lookup: an expired or withdrawn offer becomes `withdrawn`);
 * - effects are carried out in order: `write` stores the record (synced) and then appends its
 *   ledger entry through the node's ledger service (cosigning, checkpoints), both before any later
 *   `reply` or `send`; `reply` is the request's answer; `send` goes out over the order protocol
 *   with a deadline, its answer stepped in as a message; `wake` arms one timer, cleared on stop and
 *   re-armed from the stored records on start.
 *
 * With an aggregator (order-v1 §10), a hold is served through it (it holds a bundle's parts before
 * the machine signs), every write tells it the order's fate, a customer's abort during a bundle's
 * preparation is noted, and a part's status request about a sub-order is answered by it.
 *
 * A crash between the store write and the ledger append leaves a committed record whose entry the
 * ledger lacks: start appends it (the record holds the certificate), so the two agree again.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import type { Telemetry } from '../metrics/telemetry.js'
import { describeError, isFulcrumError } from '../errors/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import type { ProtocolDialer } from '../network/index.js'
import type { EntryBody } from '../ledger/index.js'
import type { VerifiedRecord } from '../offers/index.js'
import {
  GRACE_MS, OrderError, ProviderStatus, checkHold, ed25519Verifier, nextWake, providerState, providerStep, verifyMessage
} from '../orders/index.js'
import type {
  LiveOffer, OrderMessage, ProviderContext, ProviderEvent, ProviderOrder as MachineOrder, ProviderPolicy, ProviderState
} from '../orders/index.js'
import { sendOrderMessage } from './client.js'
import { MAX_CONCURRENT_FORWARDS, STATUS_QUERY_TIMEOUT_MS } from './constants.js'
import type { ProviderOrder, ProviderStore } from './store.js'
import type { Aggregator } from './aggregator.js'

/** What the provider driver needs. */
export interface ProviderDriverComponents {
  libp2p: ProtocolDialer
  identity: Identity
  store: ProviderStore
  /** The provider's own records in its catalog (offers and withdrawals). */
  ownRecords: () => Promise<VerifiedRecord[]>
  /** The node's ledger: append is durable on return; `has` tells if an id is in it. */
  /** `verified`: the machine has just checked every signature of this certificate. */
  ledger: { append: (entry: Uint8Array, options: { verified: boolean }) => Promise<unknown>, has: (id: string) => Promise<boolean> }
  /** The policy in force, read at every step (the operator may change it). */
  policy: () => ProviderPolicy
  now: () => number
  logger: Logger
  /** Told every state an order enters (metrics). */
  telemetry?: Telemetry
  /** Serves holds for this node's bundle offers (order-v1 §10) and learns every order's fate. */
  aggregator?: Pick<Aggregator, 'serveHold' | 'onParent' | 'noteAbort' | 'answerStatus'>
}

/** Largest machine record the store keeps: an agreement body is at most 64 KiB, the entry as much again. */
const MAX_MACHINE_RECORD_BYTES = 256 * 1024

/** setTimeout's longest delay (2^31 - 1 ms, about 24 days); a later wake re-arms when this one fires. */
const MAX_TIMER_MS = 0x7fffffff

/** The machine's record as the store keeps it (the view the API lists, plus the record itself). */
export function storedOrder (rec: MachineOrder, prev: ProviderOrder | undefined, now: number): ProviderOrder {
  const refused = rec.status === ProviderStatus.Released && rec.code === OrderError.APPROVAL_DENIED
  const out: ProviderOrder = {
    id: rec.order,
    customer: rec.customer,
    status: refused ? 'refused' : rec.status,
    reservations: rec.lines.map(l => ({ offer: l.offer, quantity: l.quantity })),
    expiresAt: 'expiresAt' in rec ? rec.expiresAt : (prev?.expiresAt ?? rec.commitBy + GRACE_MS),
    createdAt: prev?.createdAt ?? now,
    updatedAt: now,
    state: encodeCanonical(rec as unknown as CanonicalValue)
  }
  if (rec.status === ProviderStatus.Committed) out.entry = rec.entry
  const code = rec.status === ProviderStatus.Expired ? OrderError.HOLD_EXPIRED : rec.status === ProviderStatus.Released ? (rec.code ?? 'ORDER_ABORTED') : undefined
  if (code !== undefined) out.code = code
  return out
}

/** The machine's record of a stored order. */
export function machineOrder (stored: ProviderOrder): MachineOrder | undefined {
  return stored.state === undefined ? undefined : decodeCanonical(stored.state, MAX_MACHINE_RECORD_BYTES) as unknown as MachineOrder
}

/** Live offers from the provider's own catalog records: expired and withdrawn ones are `withdrawn`. */
export function liveOffers (records: VerifiedRecord[], previous: Iterable<LiveOffer>, now: number): LiveOffer[] {
  const out = new Map<string, LiveOffer>()
  for (const o of previous) out.set(o.id, { ...o, withdrawn: true })
  for (const r of records) {
    if (r.record.kind === 'offer') {
      const o = r.record.body
      out.set(o.id, { id: o.id, seq: o.seq, hash: r.digest, price: { ...o.price }, capacity: o.capacity, withdrawn: o.expiresAt <= now })
    } else {
      // a withdrawn offer the machine never saw: it is refused as withdrawn before anything else is looked at
      const w = r.record.body
      out.set(w.id, { ...(out.get(w.id) ?? { id: w.id, price: { amount: '0', currency: 'EUR', unit: 'month' }, capacity: 0 }), seq: w.seq, hash: r.digest, withdrawn: true })
    }
  }
  return [...out.values()]
}

/** See module doc. */
export class ProviderDriver {
  private state: ProviderState
  private queue: Promise<unknown> = Promise.resolve()
  private timer: ReturnType<typeof setTimeout> | undefined
  private wakeAt: number | undefined
  private stopped = true
  private readonly background = new Set<Promise<void>>()

  constructor (private readonly c: ProviderDriverComponents) {
    this.state = providerState(c.identity.peerId)
  }

  private get ctx (): ProviderContext {
    return { signer: this.c.identity, verifier: ed25519Verifier, policy: this.c.policy() }
  }

  /** Rebuilds the machine from the store, completes a commit whose ledger append a crash cut off, arms the timer. */
  async start (): Promise<void> {
    const records: MachineOrder[] = []
    for (const stored of await this.c.store.all()) {
      const rec = machineOrder(stored)
      if (rec === undefined) continue
      if (rec.status === ProviderStatus.Committed && !await this.c.ledger.has(rec.order)) await this.c.ledger.append(rec.entry, { verified: false })
      records.push(rec)
    }
    this.state = providerState(this.c.identity.peerId, [], records)
    this.stopped = false
    this.arm(nextWake(this.state))
  }

  /** Clears the timer, waits for the step in progress and the messages being sent. */
  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.wakeAt = undefined
    await this.queue.catch(() => {})
    await Promise.allSettled([...this.background])
  }

  /** Steps a request from `peer` and returns the machine's answer. */
  async request (message: OrderMessage, peer: string): Promise<OrderMessage> {
    const agg = this.c.aggregator
    if (message.kind === 'hold' && agg !== undefined) {
      return await agg.serveHold(message, { precheck: async () => await this.precheck(message, peer), step: async () => await this.stepRequest(message, peer) })
    }
    if (message.kind === 'abort') agg?.noteAbort(message)
    if (message.kind === 'status-request' && agg !== undefined) {
      const answer = await agg.answerStatus(message, peer) // a part asking about a sub-order of this node
      if (answer !== undefined) return answer
    }
    return await this.stepRequest(message, peer)
  }

  private async stepRequest (message: OrderMessage, peer: string): Promise<OrderMessage> {
    const reply = await this.step({ type: 'message', message, peer }, true)
    if (reply === undefined) throw new Error(`the provider machine gave no answer to ${message.kind}`)
    return reply
  }

  /** Steps an operator decision on a pending order (throws the machine's `ORDER_*` error if it does not apply). */
  async operator (event: Extract<ProviderEvent, { type: 'approve' | 'deny' }>): Promise<void> {
    await this.step(event, false)
  }

  /** Steps a `tick` now (the timer does this at the machine's wake times). */
  async tick (): Promise<void> {
    await this.step({ type: 'tick' }, false)
  }

  private async step (event: ProviderEvent, refreshOffers: boolean): Promise<OrderMessage | undefined> {
    return await this.enqueue(async () => await this.run(event, refreshOffers))
  }

  private async enqueue<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => {})
    return await run
  }

  /**
   * The machine's checks of a new hold, without a step (an aggregator holds a bundle's parts only
   * for a hold the machine would grant): `step` when it is not a new, well-addressed, signed hold.
   */
  private async precheck (hold: OrderMessage<'hold'>, peer: string): Promise<{ code: string, reason: string } | 'step' | undefined> {
    return await this.enqueue(async () => {
      const now = this.c.now()
      await this.refreshOffers(now)
      if (hold.body.to !== this.state.self || hold.body.from !== peer || this.state.orders.has(hold.body.order) || hold.body.body.id !== hold.body.order) return 'step'
      try {
        verifyMessage(hold, ed25519Verifier)
      } catch {
        return 'step'
      }
      try {
        checkHold(this.state, this.ctx.policy, hold.body.body, hold.body.from, now)
        return undefined
      } catch (err) {
        if (isFulcrumError(err)) return { code: err.code, reason: err.message }
        throw err
      }
    })
  }

  private async refreshOffers (now: number): Promise<void> {
    let state = this.state
    for (const offer of liveOffers(await this.c.ownRecords(), state.offers.values(), now)) {
      state = providerStep(this.ctx, state, { type: 'offer', offer }, now).state
    }
    this.state = state
  }

  /** One step: carries its effects out in order; the new state is kept only once every write is durable. */
  private async run (event: ProviderEvent, refreshOffers: boolean): Promise<OrderMessage | undefined> {
    const now = this.c.now()
    if (refreshOffers) await this.refreshOffers(now)
    const state = this.state
    const { state: next, effects } = providerStep(this.ctx, state, event, now)
    let reply: OrderMessage | undefined
    const sends: Array<{ to: string, message: OrderMessage }> = []
    for (const e of effects) {
      switch (e.type) {
        case 'write': await this.write(e.record, e.entry, now); break
        case 'delete': await this.c.store.remove(e.order); break
        case 'reply': reply = e.message; break
        case 'send': sends.push({ to: e.to, message: e.message }); break
        case 'wake': break
      }
    }
    this.state = next
    this.arm(nextWake(next))
    if (sends.length > 0) this.track(this.sendAll(sends))
    return reply
  }

  /** Store first (synced), then the ledger: a crash between them is completed by {@link start}. */
  private async write (rec: MachineOrder, entry: Uint8Array | undefined, now: number): Promise<void> {
    const stored = storedOrder(rec, await this.c.store.get(rec.order), now)
    await this.c.store.put(stored)
    if (entry !== undefined && !await this.c.ledger.has(rec.order)) await this.c.ledger.append(entry, { verified: true })
    this.c.telemetry?.orderState(stored.status)
    this.c.logger.info('order ' + stored.status, { order: rec.order, peer: rec.customer, status: stored.status, ...(stored.code === undefined ? {} : { code: stored.code }) })
    await this.c.aggregator?.onParent(rec.order, rec.status)
  }

  private arm (at: number | undefined): void {
    if (this.stopped || at === undefined || (this.wakeAt !== undefined && this.wakeAt <= at && this.timer !== undefined)) return
    clearTimeout(this.timer)
    this.wakeAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.wakeAt = undefined
      if (this.stopped) return
      this.tick().catch(err => { this.c.logger.warn('order tick failed', { error: describeError(err) }) })
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.c.now())))
    this.timer.unref?.()
  }

  /** Sends the step's requests (a few at a time, each with a deadline) and steps their answers in. */
  private async sendAll (sends: Array<{ to: string, message: OrderMessage }>): Promise<void> {
    for (let i = 0; i < sends.length; i += MAX_CONCURRENT_FORWARDS) {
      await Promise.all(sends.slice(i, i + MAX_CONCURRENT_FORWARDS).map(async ({ to, message }) => {
        try {
          const answer = await sendOrderMessage(this.c.libp2p, peerIdFromString(to), message, { signal: AbortSignal.timeout(STATUS_QUERY_TIMEOUT_MS) })
          if (!this.stopped) await this.step({ type: 'message', message: answer }, false)
        } catch (err) {
          this.c.logger.debug('order message not delivered', { order: message.body.order, peer: to, kind: message.kind, error: describeError(err) })
        }
      }))
    }
  }

  private track (p: Promise<void>): void {
    const t = p.finally(() => { this.background.delete(t) })
    this.background.add(t)
  }
}

/** The agreement body a stored order was held with (ended orders keep only its hash). */
export function bodyOf (stored: ProviderOrder): EntryBody | undefined {
  const rec = machineOrder(stored)
  return rec !== undefined && 'body' in rec ? rec.body : undefined
}
