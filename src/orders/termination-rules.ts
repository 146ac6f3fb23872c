/**
 * Terminations of an order's agreement (protocols/order-v1.md §5.3), the rules without the
 * messaging: the termination's id, its body with the notice period, the checks a party makes
 * before it signs one, and the complete ledger entry. Pure.
 *
 * A termination is a ledger-v1 `termination` entry naming the agreement, with the agreement's
 * parties and every party's signature. Either party may terminate: the others' signatures
 * acknowledge the notice (a party must sign a termination that follows these rules; it cannot
 * veto it). Each party terminates at most once per agreement: the id is derived from the agreement
 * and the initiator, so a second, different termination by the same party is a conflict.
 */
import { base32 } from 'multiformats/bases/base32'
import { FulcrumError } from '../errors/index.js'
import { encodeEntry, entrySigningBytes, sha256 } from '../ledger/index.js'
import type { EntryBody } from '../ledger/index.js'
import { parseTerms } from './agreement.js'
import { DAY_MS, MAX_NOTICE_DAYS, ORDER_CLOCK_SKEW_MS, TERMINATION_LAPSE_MS, TERMINATION_MAX_AGE_MS } from './constants.js'
import { OrderError } from './errors.js'
import type { TerminationSig, Verifier } from './messages.js'

/** Domain tag of a termination id's hash. */
const ID_TAG = 'fulcrum/order/termination-id/v1'
const utf8 = new TextEncoder()

/** A party's durable knowledge of one termination: the body and the signatures gathered so far. */
export interface TerminationRecord {
  /** The termination entry's id ({@link terminationId} of the agreement and the initiator). */
  id: string
  agreement: string
  initiator: string
  body: EntryBody
  /** Signatures over the body, by party (verified). */
  sigs: Record<string, Uint8Array>
  /** Every party signed: the complete entry is in this party's ledger. */
  complete: boolean
  /** For each other party, the signers it is known to have (from its own messages). */
  known: Record<string, string[]>
  /** Parties that refused it, with their code (they are not asked again). */
  refusals: Array<{ party: string, code: string, reason: string }>
}

/** `term-` and 26 base32 characters of SHA-256(tag ‖ 0 ‖ agreement id ‖ 0 ‖ initiator): one id per party and agreement. */
export function terminationId (agreement: string, initiator: string): string {
  const bytes = utf8.encode(`${ID_TAG}\u0000${agreement}\u0000${initiator}`)
  return `term-${base32.baseEncode(sha256(bytes)).slice(0, 26)}`
}

/** The party whose termination id this is, or undefined. */
export function initiatorOf (agreement: EntryBody, id: string): string | undefined {
  return agreement.parties.find(p => terminationId(agreement.id, p) === id)
}

/** The shortest notice the agreement's terms allow, in ms (0 when they set none). */
export function minNoticeMs (agreement: EntryBody): number {
  return (parseTerms(agreement).term.noticeDays ?? 0) * DAY_MS
}

/** What the initiator asks for: a notice in ms (the terms' minimum applies if longer) and a reason. */
export interface TerminationRequest { noticeMs: number, reason: string }

/**
 * The termination body `initiator` signs at `now`: `effectiveAt = now + max(noticeMs, the terms'
 * minimum)`. Throws `ORDER_NOT_A_PARTY` if the initiator is not a party, `ORDER_BAD_DEADLINE` for
 * a notice that is negative or over MAX_NOTICE_DAYS.
 */
export function buildTermination (agreement: EntryBody, initiator: string, now: number, req: TerminationRequest): EntryBody {
  if (!agreement.parties.includes(initiator)) throw new FulcrumError(OrderError.NOT_A_PARTY, 'only a party may terminate the agreement')
  if (!Number.isSafeInteger(req.noticeMs) || req.noticeMs < 0 || req.noticeMs > MAX_NOTICE_DAYS * DAY_MS) {
    throw new FulcrumError(OrderError.BAD_DEADLINE, `the notice must be 0..${MAX_NOTICE_DAYS} days`, { path: 'notice' })
  }
  return {
    id: terminationId(agreement.id, initiator),
    agreement: agreement.id,
    parties: [...agreement.parties],
    createdAt: now,
    reason: req.reason,
    effectiveAt: now + Math.max(req.noticeMs, minNoticeMs(agreement))
  }
}

/** When a termination takes effect. */
export const effectiveAtOf = (body: EntryBody): number => body.effectiveAt ?? body.createdAt

/** True once an incomplete termination can no longer complete anywhere (another may replace it). */
export function lapsed (rec: TerminationRecord, now: number): boolean {
  return !rec.complete && now >= rec.body.createdAt + TERMINATION_LAPSE_MS
}

/**
 * Checks a termination body against the agreement it names and returns its initiator:
 * the agreement id (`ORDER_UNKNOWN_ORDER`), the parties (`ORDER_BAD_TERMS`), the id
 * (`ORDER_BAD_TERMS`: it must be one party's {@link terminationId}).
 */
export function checkTerminationBody (agreement: EntryBody, body: EntryBody): string {
  if (body.agreement !== agreement.id) throw new FulcrumError(OrderError.UNKNOWN_ORDER, `no agreement ${String(body.agreement)} here`, { path: 'body.termination.agreement' })
  if (body.parties.length !== agreement.parties.length || body.parties.some((p, i) => p !== agreement.parties[i])) {
    throw new FulcrumError(OrderError.BAD_TERMS, 'the parties are not the agreement\'s', { path: 'body.termination.parties' })
  }
  const initiator = initiatorOf(agreement, body.id)
  if (initiator === undefined) throw new FulcrumError(OrderError.BAD_TERMS, 'the id is not a party\'s termination id', { path: 'body.termination.id' })
  return initiator
}

/** Verifies each signature (a party's, over the body) and keeps the first per party. Throws `ORDER_BAD_SIGNATURE`. */
export function verifiedSigs (body: EntryBody, sigs: readonly TerminationSig[], verifier: Verifier): Record<string, Uint8Array> {
  const signing = entrySigningBytes('termination', body)
  const out: Record<string, Uint8Array> = {}
  sigs.forEach((s, i) => {
    if (!body.parties.includes(s.party) || !verifier(s.party, signing, s.sig)) {
      throw new FulcrumError(OrderError.BAD_SIGNATURE, `signature ${i} is not ${s.party}'s over this termination`, { path: `body.sigs[${i}]` })
    }
    out[s.party] ??= s.sig
  })
  return out
}

/**
 * What a party checks before it signs a termination it did not sign yet: the notice is at least the
 * terms' minimum (`ORDER_NOTICE_TOO_SHORT`); `createdAt` is not ahead of its clock by more than the
 * skew nor older than TERMINATION_MAX_AGE_MS (`ORDER_BAD_DEADLINE`: no backdating); no other
 * termination it knows ends the agreement as early or earlier (`ORDER_ALREADY_TERMINATED`).
 */
export function checkSignable (agreement: EntryBody, body: EntryBody, others: Iterable<TerminationRecord>, now: number): void {
  const notice = effectiveAtOf(body) - body.createdAt
  const min = minNoticeMs(agreement)
  if (notice < min) throw new FulcrumError(OrderError.NOTICE_TOO_SHORT, `notice ${notice} ms, the terms require ${min} ms`, { path: 'body.termination.effectiveAt' })
  if (body.createdAt > now + ORDER_CLOCK_SKEW_MS) throw new FulcrumError(OrderError.BAD_DEADLINE, 'createdAt is in the future', { path: 'body.termination.createdAt' })
  if (body.createdAt < now - TERMINATION_MAX_AGE_MS) throw new FulcrumError(OrderError.BAD_DEADLINE, 'the termination is too old to sign', { path: 'body.termination.createdAt' })
  for (const o of others) {
    if (o.id === body.id || lapsed(o, now)) continue
    if (effectiveAtOf(o.body) <= effectiveAtOf(body)) {
      throw new FulcrumError(OrderError.ALREADY_TERMINATED, `termination ${o.id} by ${o.initiator} ends it at ${effectiveAtOf(o.body)}`)
    }
  }
}

/** The complete ledger entry (leaf bytes). Precondition: every party signed. */
export function terminationEntry (rec: TerminationRecord): Uint8Array {
  return encodeEntry({
    type: 'termination',
    body: rec.body,
    sigs: rec.body.parties.map(p => {
      const s = rec.sigs[p]
      if (s === undefined) throw new FulcrumError(OrderError.PARTIAL_COMMIT, `no signature of ${p}`)
      return s
    })
  })
}

/** The signatures of a record as a message carries them, in the order of the parties. */
export function sigList (rec: TerminationRecord): TerminationSig[] {
  return rec.body.parties.flatMap(p => rec.sigs[p] === undefined ? [] : [{ party: p, sig: rec.sigs[p] }])
}
