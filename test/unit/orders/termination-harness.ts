/** Termination machines under test: one per party of a four-party agreement (customer + 3 providers), with a 30-day minimum notice. */
import type { Identity } from '../../../src/identity/index.js'
import type { EntryBody } from '../../../src/ledger/index.js'
import {
  DEFAULT_COMMIT_WINDOW_MS, buildAgreementBody, ed25519Verifier, signMessage, terminationState, terminationStep
} from '../../../src/orders/index.js'
import type {
  MessageBodies, MessageKind, OrderMessage, TerminationEvent, TerminationRecord, TerminationState, TerminationStep
} from '../../../src/orders/index.js'
import { customer, planOf, providers, T0 } from './fixtures.js'

export const DAY = 86_400_000
/** The agreement: committed at T0, 30 days' minimum notice. */
export const agreement: EntryBody = buildAgreementBody({
  plan: { ...planOf(), term: { months: 12, noticeDays: 30 } }, customer: customer.peerId, orderId: 'ord-term1', createdAt: T0, commitBy: T0 + DEFAULT_COMMIT_WINDOW_MS
})
export const parties: Identity[] = [customer, ...providers]
/** When the tests terminate: a day after the agreement. */
export const T1 = T0 + DAY

/** A signed message of `kind` from `from` to `to` about the agreement (or `order`). */
export function tmsg<K extends MessageKind> (kind: K, from: Identity, to: Identity, rest: Omit<MessageBodies[K], 'order' | 'from' | 'to'>, order = agreement.id): OrderMessage<K> {
  return signMessage(kind, { order, from: from.peerId, to: to.peerId, ...rest } as MessageBodies[K], from)
}

/** One party's machine, with the entries it appended to its "ledger". */
export class Party {
  state: TerminationState
  last: TerminationStep = { state: undefined as never, effects: [] }
  readonly ledger: Uint8Array[] = []
  readonly writes: TerminationRecord[] = []
  /** `known`: the agreement in this party's ledger, or 'none'. */
  constructor (readonly id: Identity, known: EntryBody | 'none' = agreement) {
    this.state = terminationState(id.peerId, known === 'none' ? undefined : known)
  }

  step (event: TerminationEvent, now = T1): TerminationStep {
    this.last = terminationStep({ signer: this.id, verifier: ed25519Verifier }, this.state, event, now)
    this.state = this.last.state
    for (const e of this.last.effects) {
      if (e.type === 'write') {
        this.writes.push(e.record)
        if (e.entry !== undefined) this.ledger.push(e.entry)
      }
    }
    return this.last
  }

  /** Steps a request from its signer (the transport peer). */
  request (m: OrderMessage, now = T1): TerminationStep { return this.step({ type: 'message', message: m, peer: m.body.from }, now) }

  get sends (): Array<{ to: string, message: OrderMessage }> {
    return this.last.effects.flatMap(e => e.type === 'send' ? [{ to: e.to, message: e.message }] : [])
  }

  get reply (): OrderMessage | undefined {
    const r = this.last.effects.find(e => e.type === 'reply')
    return r?.type === 'reply' ? r.message : undefined
  }

  /** Restarts from what was written: volatile state (last sends) is lost. */
  restart (): void {
    const latest = new Map(this.writes.map(r => [r.id, r]))
    this.state = terminationState(this.id.peerId, this.state.agreement, latest.values())
  }
}

export const types = (s: TerminationStep): string[] => s.effects.map(e => e.type === 'send' || e.type === 'reply' ? `${e.type}:${e.message.kind}` : e.type)
export const codeOf = (m: OrderMessage | undefined): string | undefined => m?.kind === 'refused' ? m.body.code : undefined
