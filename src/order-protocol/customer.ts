/**
 * The customer's side of order-v1 (protocols/order-v1.md §Customer): the customer coordinates a
 * two-phase commit with presumed abort. It sends the agreement body to every provider at once,
 * decides COMMIT only when every provider held and `now < commitBy - COMMIT_MARGIN_MS`, writes the
 * certificate to its own store and ledger first (the commit point), then delivers it to every
 * provider until each acknowledges or its hold would have lapsed. Anything else decides ABORT,
 * durably, and releases the holds. A customer that crashed resumes from its store
 * ({@link resumeOrders}): a decided commit is delivered again, an undecided order is aborted.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Identity } from '../identity/index.js'
import { decodeCanonical, encodeCanonical } from '../encoding/index.js'
import type { CanonicalValue } from '../encoding/index.js'
import { bodyHash, bytesEqual, encodeEntry, entrySigningBytes } from '../ledger/index.js'
import type { EntryBody } from '../ledger/index.js'
import { appendEntry } from '../log/index.js'
import type { MerkleLog } from '../log/index.js'
import { isFulcrumError } from '../errors/index.js'
import type { ProtocolDialer } from '../network/index.js'
import {
  COMMIT_MARGIN_MS, DEFAULT_COMMIT_WINDOW_MS, GRACE_MS, OrderError, RETRY_INTERVAL_MS, assembleCertificate, buildAgreementBody, ed25519Verifier,
  newOrderId, parseTerms, providersOf, signMessage
} from '../orders/index.js'
import type { MessageBodies, MessageKind, OrderMessage, Plan } from '../orders/index.js'
import { sendOrderMessage } from './client.js'
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

interface State { body: EntryBody, sigs: Record<string, Uint8Array>, providers: Record<string, ProviderOutcome>, entry?: Uint8Array }

const encodeState = (s: State): Uint8Array => encodeCanonical(s as unknown as CanonicalValue)
const decodeState = (b: Uint8Array): State => decodeCanonical(b, 512 * 1024) as State

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
  const state: State = { body, sigs: {}, providers: {} }
  const record: CustomerOrder = { id: orderId, status: 'holding', addresses, createdAt: now, updatedAt: now, state: encodeState(state) }
  await c.store.put(record)
  const providers = providersOf(parseTerms(body))
  const stop = new AbortController()
  await Promise.all(providers.map(async p => {
    const outcome = await holdOne(c, record, body, p, stop.signal)
    state.providers[p] = outcome.result
    if (outcome.sig !== undefined) state.sigs[p] = outcome.sig
    else stop.abort()
  }))
  const deadline = parseTerms(body).commitBy - COMMIT_MARGIN_MS
  if (providers.every(p => state.sigs[p] !== undefined) && c.now() < deadline) {
    const sigs = new Map(Object.entries(state.sigs))
    sigs.set(c.identity.peerId, c.identity.sign(entrySigningBytes('agreement', body)))
    state.entry = encodeEntry(assembleCertificate(body, sigs))
    await save(c, record, 'committing', state)
    await appendEntry(c.log, c.identity.peerId, state.entry)
    return await deliver(c, record, state)
  }
  for (const p of providers) if (state.sigs[p] !== undefined && state.providers[p]?.state === 'held') state.providers[p] = { state: 'held', code: OrderError.LATE_COMMIT, reason: 'the commit deadline passed' }
  return await abortOrder(c, record, state)
}

/** Resumes every order left undecided or undelivered by a crash (see module doc). */
export async function resumeOrders (c: CustomerComponents): Promise<OrderOutcome[]> {
  const out: OrderOutcome[] = []
  for (const record of await c.store.list()) {
    const state = decodeState(record.state)
    if (record.status === 'holding' || record.status === 'aborting') out.push(await abortOrder(c, record, state))
    else if (record.status === 'committing' && state.entry !== undefined) {
      await appendEntry(c.log, c.identity.peerId, state.entry)
      out.push(await deliver(c, record, state))
    }
  }
  return out
}

/** The outcome recorded for an order. */
export function outcomeOf (record: CustomerOrder): OrderOutcome {
  const state = decodeState(record.state)
  const status = record.status === 'committed' || record.status === 'committing' ? record.status : 'aborted'
  return { orderId: record.id, status, providers: state.providers, ...(state.entry === undefined ? {} : { entry: state.entry }) }
}

/** The agreement body of a stored order. */
export function orderBody (record: CustomerOrder): EntryBody {
  return decodeState(record.state).body
}

async function save (c: CustomerComponents, record: CustomerOrder, status: string, state: State): Promise<void> {
  record.status = status
  record.updatedAt = c.now()
  record.state = encodeState(state)
  await c.store.put(record)
}

function targetOf (record: CustomerOrder, peer: string): Multiaddr[] {
  return (record.addresses[peer] ?? []).map(a => multiaddr(a.includes('/p2p/') ? a : `${a}/p2p/${peer}`))
}

function message<K extends MessageKind> (c: CustomerComponents, kind: K, order: string, to: string, rest: Omit<MessageBodies[K], 'order' | 'from' | 'to'>): OrderMessage {
  return signMessage(kind, { order, from: c.identity.peerId, to, ...rest } as MessageBodies[K], c.identity) as unknown as OrderMessage
}

/** Asks one provider to hold until it holds, refuses, or the decision deadline passes. */
async function holdOne (c: CustomerComponents, record: CustomerOrder, body: EntryBody, peer: string, stop: AbortSignal): Promise<{ result: ProviderOutcome, sig?: Uint8Array }> {
  const deadline = parseTerms(body).commitBy - COMMIT_MARGIN_MS
  const wanted = bodyHash('agreement', body)
  const signing = entrySigningBytes('agreement', body)
  const msg = message(c, 'hold', body.id, peer, { body })
  let lastCode: string = 'NET_TIMEOUT'
  let told = false
  c.progress?.({ order: body.id, provider: peer, step: 'hold' })
  while (c.now() < deadline && !stop.aborted) {
    try {
      const signal = AbortSignal.any([stop, AbortSignal.timeout(Math.max(1, deadline - c.now()))])
      const answer = await sendOrderMessage(c.dialer, targetOf(record, peer), msg, { signal })
      if (answer.kind === 'held') {
        if (!bytesEqual(answer.body.bodyHash, wanted) || !ed25519Verifier(peer, signing, answer.body.entrySig)) {
          return refused(c, body.id, peer, OrderError.BAD_SIGNATURE, 'the provider signed another body')
        }
        c.progress?.({ order: body.id, provider: peer, step: 'held' })
        return { result: { state: 'held' }, sig: answer.body.entrySig }
      }
      if (answer.kind === 'refused') return refused(c, body.id, peer, answer.body.code, answer.body.reason)
      if (answer.kind === 'status' && answer.body.state === 'pending') {
        if (!told) c.progress?.({ order: body.id, provider: peer, step: 'pending' })
        told = true
      } else {
        return refused(c, body.id, peer, OrderError.BAD_MESSAGE, `unexpected ${answer.kind} answer`)
      }
    } catch (err) {
      if (!isFulcrumError(err)) throw err
      if (err.code.startsWith('ORDER_')) return refused(c, body.id, peer, err.code, err.message)
      lastCode = err.code
    }
    await sleep(RETRY_INTERVAL_MS, undefined, { signal: stop }).catch(() => {})
  }
  if (stop.aborted) return { result: { state: 'not-asked', code: 'ORDER_ABORTED', reason: 'another provider refused' } }
  c.progress?.({ order: body.id, provider: peer, step: 'unreachable', code: lastCode })
  return { result: { state: 'no-answer', code: lastCode, reason: 'no hold before the decision deadline' } }
}

function refused (c: CustomerComponents, order: string, peer: string, code: string, reason: string): { result: ProviderOutcome } {
  c.progress?.({ order, provider: peer, step: 'refused', code, reason })
  return { result: { state: 'refused', code, reason } }
}

/** Delivers the certificate to every provider not yet acknowledged, retrying until their holds would lapse. */
async function deliver (c: CustomerComponents, record: CustomerOrder, state: State): Promise<OrderOutcome> {
  const entry = state.entry as Uint8Array
  const terms = parseTerms(state.body)
  const until = terms.commitBy + GRACE_MS
  await Promise.all(providersOf(terms).filter(p => state.providers[p]?.state !== 'committed').map(async peer => {
    const msg = message(c, 'commit', record.id, peer, { entry })
    c.progress?.({ order: record.id, provider: peer, step: 'commit' })
    while (c.now() < until) {
      try {
        const answer = await sendOrderMessage(c.dialer, targetOf(record, peer), msg, { signal: AbortSignal.timeout(Math.max(1, until - c.now())) })
        if (answer.kind === 'committed') {
          state.providers[peer] = { state: 'committed' }
          c.progress?.({ order: record.id, provider: peer, step: 'committed' })
          return
        }
        if (answer.kind === 'refused') {
          state.providers[peer] = { state: 'commit-refused', code: answer.body.code, reason: answer.body.reason }
          c.progress?.({ order: record.id, provider: peer, step: 'refused', code: answer.body.code, reason: answer.body.reason })
          return
        }
      } catch (err) {
        if (!isFulcrumError(err)) throw err
        state.providers[peer] = { state: 'held', code: err.code, reason: 'commit not acknowledged yet' }
      }
      await sleep(RETRY_INTERVAL_MS)
    }
  }))
  const done = providersOf(terms).every(p => state.providers[p]?.state === 'committed')
  await save(c, record, done ? 'committed' : 'committing', state)
  return { orderId: record.id, status: done ? 'committed' : 'committing', providers: state.providers, entry }
}

/** Decides abort durably, then releases every provider (best effort: holds also lapse by themselves). */
async function abortOrder (c: CustomerComponents, record: CustomerOrder, state: State): Promise<OrderOutcome> {
  await save(c, record, 'aborting', state)
  await Promise.all(providersOf(parseTerms(state.body)).map(async peer => {
    try {
      const answer = await sendOrderMessage(c.dialer, targetOf(record, peer), message(c, 'abort', record.id, peer, { reason: 'the order did not complete' }),
        { signal: AbortSignal.timeout(RETRY_INTERVAL_MS * 3) })
      if (answer.kind === 'status') c.progress?.({ order: record.id, provider: peer, step: 'released' })
    } catch {}
  }))
  await save(c, record, 'aborted', state)
  return { orderId: record.id, status: 'aborted', providers: state.providers }
}
