import { strict as assert } from 'node:assert'
import type { PeerId } from '@libp2p/interface'
import { SyncScheduler, MAX_QUEUED_SYNCS } from '../../../src/discovery/sync/schedule.js'

/** A stand-in peer id: the scheduler only calls toString(). */
const peer = (name: string): PeerId => ({ toString: () => name }) as unknown as PeerId

/** A scheduler whose syncs end when the test says so. */
function harness (options: { minResyncMs?: number } = {}) {
  let clock = 1_000_000
  const connected = new Set<string>()
  const started: string[] = []
  const finish = new Map<string, Array<(fail?: boolean) => void>>()
  const scheduler = new SyncScheduler({
    run: async (p) => {
      started.push(p.toString())
      await new Promise<void>((resolve, reject) => {
        const list = finish.get(p.toString()) ?? []
        list.push((fail) => { if (fail === true) reject(new Error('sync failed')); else resolve() })
        finish.set(p.toString(), list)
      })
    },
    connected: (p) => connected.has(p.toString()),
    now: () => clock,
    minResyncMs: options.minResyncMs ?? 5_000
  })
  /** Ends the oldest running sync with `name` and lets the scheduler react. */
  const end = async (name: string, fail = false): Promise<void> => {
    const f = finish.get(name)?.shift()
    assert.ok(f !== undefined, `no sync with ${name} is running`)
    f(fail)
    // The scheduler's `finally` runs a few microtasks later: wait for a macrotask turn.
    await new Promise(resolve => setImmediate(resolve))
  }
  return { scheduler, started, connected, end, advance: (ms: number) => { clock += ms } }
}

describe('discovery: sync scheduling', () => {
  it('runs one sync at a time; a peer asked for meanwhile is synced when the running one ends', async () => {
    const h = harness()
    for (const n of ['a', 'b', 'c']) h.connected.add(n)
    h.scheduler.request(peer('a'))
    h.scheduler.request(peer('b'))
    h.scheduler.request(peer('c'))
    assert.deepEqual(h.started, ['a'])
    assert.deepEqual(h.scheduler.waiting, ['b', 'c'])
    await h.end('a')
    assert.deepEqual(h.started, ['a', 'b'])
    const unhandled: unknown[] = []
    const onUnhandled = (err: unknown): void => { unhandled.push(err) }
    process.on('unhandledRejection', onUnhandled)
    try {
      await h.end('b', true)
      await new Promise(resolve => setImmediate(resolve))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    // A failed sync does not stop the queue, and its error goes nowhere unhandled.
    assert.deepEqual(unhandled, [])
    assert.deepEqual(h.started, ['a', 'b', 'c'])
    await h.end('c')
    assert.equal(h.scheduler.busy, false)
  })

  it('queues a peer once, skips a queued peer that disconnected, and bounds the queue', async () => {
    const h = harness()
    h.connected.add('a')
    h.scheduler.request(peer('a'))
    h.scheduler.request(peer('gone'))
    h.scheduler.request(peer('gone'))
    for (let i = 0; i < MAX_QUEUED_SYNCS + 5; i++) { h.connected.add(`p${i}`); h.scheduler.request(peer(`p${i}`)) }
    assert.equal(h.scheduler.waiting.length, MAX_QUEUED_SYNCS)
    assert.equal(h.scheduler.waiting.filter(n => n === 'gone').length, 1)
    await h.end('a')
    // 'gone' is not connected any more: the next connected peer runs instead.
    assert.deepEqual(h.started, ['a', 'p0'])
  })

  it('syncs a peer at most once per minResyncMs, whether asked directly or from the queue', async () => {
    const h = harness({ minResyncMs: 5_000 })
    h.connected.add('a')
    h.connected.add('b')
    h.scheduler.request(peer('a'))
    await h.end('a')
    h.scheduler.request(peer('a'))
    assert.deepEqual(h.started, ['a'], 'asked again too soon')
    h.scheduler.request(peer('b'))
    h.advance(4_000)
    h.scheduler.request(peer('a'))
    assert.deepEqual(h.scheduler.waiting, [], 'queued although synced 4 s ago')
    h.advance(1_000)
    h.scheduler.request(peer('a'))
    assert.deepEqual(h.scheduler.waiting, ['a'])
    await h.end('b')
    assert.deepEqual(h.started, ['a', 'b', 'a'])
  })

  it('after stop, queued peers are dropped and nothing new starts', async () => {
    const h = harness()
    h.connected.add('a')
    h.connected.add('b')
    h.scheduler.request(peer('a'))
    h.scheduler.request(peer('b'))
    h.scheduler.stop()
    h.scheduler.request(peer('c'))
    await h.end('a')
    assert.deepEqual(h.started, ['a'])
    assert.equal(h.scheduler.busy, false)
  })
})
