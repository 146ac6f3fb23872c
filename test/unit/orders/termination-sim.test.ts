/**
 * Termination delivery under a seeded, hostile network: messages dropped (up to 30%), duplicated,
 * reordered; parties restarted (volatile state lost); one or two parties terminating at once; in
 * half the runs the customer is a light client that nobody can reach and that pulls with
 * `termination-query`. After each run: every termination that one party appended is appended by
 * every party, byte for byte, and no party ever signed two different bodies under one id.
 * `FULCRUM_TSIM_SEEDS=N` runs more seeds; a failing seed is printed.
 */
import { strict as assert } from 'node:assert'
import { bytesEqual, decodeEntry } from '../../../src/ledger/index.js'
import { TERMINATION_RETRY_MS } from '../../../src/orders/index.js'
import type { OrderMessage } from '../../../src/orders/index.js'
import { Rng } from './sim/rng.js'
import { DAY, Party, T1, parties, tmsg } from './termination-harness.js'

interface Flight { to: string, message: OrderMessage, answers?: OrderMessage, from: string }

/** Runs one seed; returns how many terminations were appended (by every party). */
function run (seed: number): number {
  const rng = new Rng(seed)
  const drop = rng.int(0, 30) / 100
  const light = rng.int(0, 1) === 1
  const byId = new Map(parties.map(p => [p.peerId, new Party(p)]))
  const customer = parties[0]!.peerId
  const net: Flight[] = []
  let now = T1
  const enqueue = (from: string, p: Party): void => {
    for (const e of p.last.effects) if (e.type === 'send') net.push({ to: e.to, message: e.message, from })
  }
  const starters = rng.int(1, 2)
  const starts = new Map<number, string>()
  for (let i = 0; i < starters; i++) starts.set(rng.int(0, 20), parties[rng.int(0, parties.length - 1)]!.peerId)
  for (let round = 0; round < 200; round++) {
    const who = starts.get(round)
    if (who !== undefined) {
      const p = byId.get(who)!
      try { p.step({ type: 'start', request: { noticeMs: rng.int(30, 60) * DAY, reason: 'sim' } }, now) } catch { /* already terminating: a refused start changes nothing */ }
      enqueue(who, p)
    }
    if (rng.int(0, 99) < 3) byId.get(parties[rng.int(0, parties.length - 1)]!.peerId)!.restart()
    if (light && rng.int(0, 4) === 0) {
      const provider = parties[rng.int(1, parties.length - 1)]!
      net.push({ to: provider.peerId, message: tmsg('termination-query', parties[0]!, provider, {}), from: customer })
    }
    for (let n = Math.min(net.length, rng.int(1, 6)); n > 0; n--) {
      const f = net.splice(rng.int(0, net.length - 1), 1)[0]!
      if (rng.int(0, 99) < drop * 100 || (light && f.to === customer && f.answers === undefined)) continue
      if (rng.int(0, 9) === 0) net.push(f) // duplicated
      const target = byId.get(f.to)!
      if (f.answers === undefined) {
        target.step({ type: 'message', message: f.message, peer: f.from }, now)
        const reply = target.reply
        if (reply !== undefined) net.push({ to: f.from, message: reply, answers: f.message, from: f.to })
      } else {
        target.step({ type: 'message', message: f.message, answers: f.answers }, now)
      }
      enqueue(f.to, target)
    }
    now += rng.int(0, Math.floor(TERMINATION_RETRY_MS / 2))
    for (const [id, p] of byId) { p.step({ type: 'tick' }, now); enqueue(id, p) }
  }
  return check(byId)
}

function check (byId: Map<string, Party>): number {
  const entries = new Map<string, Uint8Array>()
  for (const p of byId.values()) {
    for (const rec of p.writes) {
      const first = p.writes.find(r => r.id === rec.id)!
      assert.deepEqual(rec.body, first.body, 'a party signed two bodies under one id')
    }
    for (const e of p.ledger) {
      const id = decodeEntry(e).body.id
      const seen = entries.get(id)
      if (seen !== undefined) assert.ok(bytesEqual(seen, e), 'two different entries for one termination')
      else entries.set(id, e)
    }
  }
  for (const [id, entry] of entries) {
    for (const p of byId.values()) {
      assert.ok(p.ledger.some(e => bytesEqual(e, entry)), `${p.id.peerId.slice(-6)} lacks termination ${id}`)
    }
  }
  return entries.size
}

describe('orders: termination delivery under loss, duplication, reordering and restarts', () => {
  const seeds = Number(process.env.FULCRUM_TSIM_SEEDS ?? 40)
  const only = process.env.FULCRUM_TSIM_SEED
  it(`every appended termination reaches every party, identical (${only ?? seeds} seeds)`, () => {
    let runs = 0
    let completed = 0
    for (let s = 1; s <= seeds; s++) {
      const seed = only === undefined ? s : Number(only)
      runs++
      try { if (run(seed) > 0) completed++ } catch (err) {
        throw new Error(`seed ${seed} failed (replay: FULCRUM_TSIM_SEED=${seed} npx mocha test/unit/orders/termination-sim.test.ts): ${(err as Error).message}`)
      }
      if (only !== undefined) break
    }
    // the network is hostile but retries win: nearly every run must end with its terminations appended
    assert.ok(completed >= runs * 0.9, `only ${completed} of ${runs} runs appended a termination`)
  })
})
