/**
 * Runs the pure termination machine (src/orders/termination.ts) for a party, on a provider's daemon
 * or a customer's light client (protocols/order-v1.md §5.3). The host says where agreements and
 * records live and how a message reaches a party; the driver carries the effects out in order:
 * `write` stores the record (synced), then appends a complete entry to the party's ledger, both
 * before any `reply` or `send`; `send` goes out with a deadline and its answer is stepped in (with
 * the request it answers); `wake` arms one timer when the host wants retries in the background.
 * Steps run one at a time.
 */
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { describeError } from '../errors/index.js'
import type { EntryBody } from '../ledger/index.js'
import { ed25519Verifier, signMessage, terminationId, terminationState, terminationStep } from '../orders/index.js'
import type {
  OrderMessage, TerminationEvent, TerminationRecord, TerminationRequest, TerminationState
} from '../orders/index.js'
import { STATUS_QUERY_TIMEOUT_MS } from './constants.js'

/** Where a party's agreements and termination records live, and how it reaches the others. */
export interface TerminationHost {
  /** The agreement body with this id if it is committed in this party's ledger. */
  agreement: (id: string) => Promise<EntryBody | undefined>
  /** Stored termination records of one agreement, or of all. */
  records: (agreement?: string) => Promise<TerminationRecord[]>
  put: (rec: TerminationRecord) => Promise<void>
  /** Appends a complete termination entry to this party's ledger (idempotent). */
  append: (entry: Uint8Array) => Promise<void>
  /** Sends a request to a party and returns its verified answer; throws on a network failure. */
  send: (to: string, message: OrderMessage, signal: AbortSignal) => Promise<OrderMessage>
}

/** What the driver needs. */
export interface TerminationDriverComponents {
  identity: Identity
  host: TerminationHost
  now: () => number
  logger?: Logger
  /** Arm a timer for retries (a daemon); a light client retries on its next command instead. */
  background?: boolean
}

/** setTimeout's longest delay; a later wake re-arms when this one fires. */
const MAX_TIMER_MS = 0x7fffffff

/** See module doc. */
export class TerminationDriver {
  private readonly states = new Map<string, TerminationState>()
  private queue: Promise<unknown> = Promise.resolve()
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly inflight = new Set<Promise<void>>()
  private stopped = false

  constructor (private readonly c: TerminationDriverComponents) {}

  /** Arms the retries of every stored termination that some party still lacks (a daemon's start). */
  async resume (): Promise<void> {
    const ids = new Set((await this.c.host.records()).map(r => r.agreement))
    for (const id of ids) await this.tick(id)
  }

  /** Stops the timers and waits for the messages in flight. */
  async stop (): Promise<void> {
    this.stopped = true
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    await this.queue.catch(() => {})
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight])
  }

  /** Steps a request from `peer` and returns the answer. */
  async request (message: OrderMessage, peer: string): Promise<OrderMessage> {
    const reply = await this.step(message.body.order, { type: 'message', message, peer })
    if (reply === undefined) throw new Error(`the termination machine gave no answer to ${message.kind}`)
    return reply
  }

  /**
   * Terminates the agreement `id` as this party (throws the machine's `ORDER_*` code when it may
   * not), then sends it to the others and waits for their answers (each within its deadline).
   */
  async terminate (id: string, request: TerminationRequest): Promise<TerminationRecord> {
    await this.step(id, { type: 'start', request })
    await this.settle()
    const own = (await this.records(id)).find(r => r.id === terminationId(id, this.c.identity.peerId))
    if (own === undefined) throw new Error('the termination was not recorded')
    return own
  }

  /** Asks each of `parties` for the terminations of agreement `id` they know, and steps the answers in. */
  async query (id: string, parties: readonly string[]): Promise<void> {
    const self = this.c.identity.peerId
    await Promise.all(parties.filter(p => p !== self).map(async p => {
      await this.deliver(p, signMessage('termination-query', { order: id, from: self, to: p }, this.c.identity))
    }))
    await this.settle()
  }

  /** Re-sends what is due for agreement `id` now. */
  async tick (id: string): Promise<void> {
    await this.step(id, { type: 'tick' })
  }

  /** The current records of agreement `id` (as the machine holds them). */
  async records (id: string): Promise<TerminationRecord[]> {
    return [...(await this.stateOf(id)).records.values()]
  }

  /** Waits until no message is in flight (answers stepped in, and what they caused sent). */
  async settle (): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight])
  }

  private async stateOf (id: string): Promise<TerminationState> {
    const cached = this.states.get(id)
    if (cached?.agreement !== undefined) return cached
    return terminationState(this.c.identity.peerId, await this.c.host.agreement(id), await this.c.host.records(id))
  }

  private async step (id: string, event: TerminationEvent): Promise<OrderMessage | undefined> {
    const run = this.queue.then(async () => await this.run(id, event))
    this.queue = run.catch(() => {})
    return await run
  }

  /** One step; the new state is kept only once every write is durable. */
  private async run (id: string, event: TerminationEvent): Promise<OrderMessage | undefined> {
    const now = this.c.now()
    const { state, effects } = terminationStep({ signer: this.c.identity, verifier: ed25519Verifier }, await this.stateOf(id), event, now)
    let reply: OrderMessage | undefined
    const sends: Array<{ to: string, message: OrderMessage }> = []
    let wake: number | undefined
    for (const e of effects) {
      if (e.type === 'write') {
        await this.c.host.put(e.record)
        if (e.entry !== undefined) await this.c.host.append(e.entry)
        this.c.logger?.info(e.record.complete ? 'termination recorded' : 'termination signed', { order: id, termination: e.record.id })
      } else if (e.type === 'reply') reply = e.message
      else if (e.type === 'send') sends.push({ to: e.to, message: e.message })
      else if (e.type === 'wake') wake = e.at
    }
    if (state.agreement !== undefined) this.states.set(id, state)
    this.arm(id, wake)
    for (const s of sends) this.track(this.deliver(s.to, s.message))
    return reply
  }

  /** Sends one request and steps its answer in; a failure is logged (the machine retries). */
  private async deliver (to: string, message: OrderMessage): Promise<void> {
    try {
      const answer = await this.c.host.send(to, message, AbortSignal.timeout(STATUS_QUERY_TIMEOUT_MS))
      if (!this.stopped) await this.step(message.body.order, { type: 'message', message: answer, answers: message })
    } catch (err) {
      this.c.logger?.debug('termination message not delivered', { order: message.body.order, peer: to, kind: message.kind, error: describeError(err) })
    }
  }

  private track (p: Promise<void>): void {
    const t = p.finally(() => { this.inflight.delete(t) })
    this.inflight.add(t)
  }

  private arm (id: string, at: number | undefined): void {
    clearTimeout(this.timers.get(id))
    this.timers.delete(id)
    if (this.c.background !== true || this.stopped || at === undefined) return
    const timer = setTimeout(() => {
      this.timers.delete(id)
      if (!this.stopped) this.tick(id).catch(err => { this.c.logger?.warn('termination tick failed', { order: id, error: describeError(err) }) })
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.c.now())))
    timer.unref?.()
    this.timers.set(id, timer)
  }
}

/** A termination as the CLI and the API show it. */
export interface TerminationView {
  id: string
  agreement: string
  initiator: string
  createdAt: number
  effectiveAt: number
  reason: string
  /** Every party signed: the entry is in this party's ledger. */
  complete: boolean
  signedBy: string[]
  /** Parties whose signature is still missing and that did not refuse. */
  waitingFor: string[]
  refusals: Array<{ party: string, code: string, reason: string }>
}

/** The view of a record. */
export function terminationView (rec: TerminationRecord): TerminationView {
  const signedBy = rec.body.parties.filter(p => rec.sigs[p] !== undefined)
  return {
    id: rec.id,
    agreement: rec.agreement,
    initiator: rec.initiator,
    createdAt: rec.body.createdAt,
    effectiveAt: rec.body.effectiveAt ?? rec.body.createdAt,
    reason: rec.body.reason ?? '',
    complete: rec.complete,
    signedBy,
    waitingFor: rec.body.parties.filter(p => rec.sigs[p] === undefined && !rec.refusals.some(r => r.party === p)),
    refusals: rec.refusals
  }
}
