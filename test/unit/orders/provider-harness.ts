/** A provider machine under test: real Ed25519, provider 0 of the fixtures, its offer vm-0 (capacity 10). */
import type { Identity } from '../../../src/identity/index.js'
import { encodeEntry, signEntryBody } from '../../../src/ledger/index.js'
import type { EntryBody } from '../../../src/ledger/index.js'
import { encodeRecord, sha256 } from '../../../src/offers/index.js'
import {
  DEFAULT_POLICY, assembleCertificate, ed25519Verifier, providerState, providerStep, signMessage
} from '../../../src/orders/index.js'
import type {
  LiveOffer, MessageBodies, MessageKind, OrderMessage, ProviderEffect, ProviderEvent, ProviderPolicy, ProviderState, ProviderStep
} from '../../../src/orders/index.js'
import { customer, offerOf, providers, T0 } from './fixtures.js'

export const self = providers[0]!
export const liveOf = (i = 0, overrides: Partial<LiveOffer> = {}): LiveOffer => {
  const r = offerOf(i)
  return { id: r.body.id, seq: r.body.seq, hash: sha256(encodeRecord(r)), price: r.body.price, capacity: r.body.capacity, ...overrides }
}

/** A message of `kind` from `signer` to provider 0 (or `to`). */
export function msg<K extends MessageKind> (kind: K, signer: Identity, order: string, rest: Omit<MessageBodies[K], 'order' | 'from' | 'to'>, to = self.peerId): OrderMessage<K> {
  return signMessage(kind, { order, from: signer.peerId, to, ...rest } as MessageBodies[K], signer)
}
export const holdMsg = (body: EntryBody, signer: Identity = customer): OrderMessage<'hold'> => msg('hold', signer, body.id, { body })

/** The complete certificate of `body`, every party signing (or `skip` not). */
export function certificate (body: EntryBody, skip?: string): Uint8Array {
  const all = [customer, ...providers]
  const sigs = new Map(all.map(p => [p.peerId, p.peerId === skip ? new Uint8Array(64) : signEntryBody('agreement', body, p)]))
  return encodeEntry(assembleCertificate(body, sigs))
}

/** Drives one provider machine, keeping its state and the effects of the last step. */
export class ProviderHarness {
  state: ProviderState
  last: ProviderStep = { state: undefined as never, effects: [] }
  now = T0
  constructor (public policy: ProviderPolicy = DEFAULT_POLICY, offers: LiveOffer[] = [liveOf()]) {
    this.state = providerState(self.peerId, offers)
  }

  step (event: ProviderEvent, now = this.now): ProviderEffect[] {
    this.last = providerStep({ signer: self, verifier: ed25519Verifier, policy: this.policy }, this.state, event, now)
    this.state = this.last.state
    return this.last.effects
  }

  send (m: OrderMessage, now = this.now): ProviderEffect[] { return this.step({ type: 'message', message: m }, now) }

  /** The single reply of the last step. */
  reply (): OrderMessage {
    const r = this.last.effects.filter(e => e.type === 'reply')
    if (r.length !== 1) throw new Error(`expected one reply, got ${r.length}`)
    return (r[0] as { message: OrderMessage }).message
  }

  /** The code of the last step's refusal (or the kind of its reply if it was no refusal). */
  code (): string {
    const m = this.reply()
    return m.kind === 'refused' ? m.body.code : m.kind
  }

  writes (): ProviderEffect[] { return this.last.effects.filter(e => e.type === 'write') }
  sends (): Array<ProviderEffect & { type: 'send' }> { return this.last.effects.filter(e => e.type === 'send') as never }
  status (order: string): string | undefined { return this.state.orders.get(order)?.status }
}
