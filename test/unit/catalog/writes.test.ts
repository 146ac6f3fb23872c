import { strict as assert } from 'node:assert'
import { PendingWrites } from '../../../src/catalog/writes.js'
import type { Store } from '../../../src/storage/index.js'

/** A store that records its batches and holds them until `release` (the disk write in flight). */
function fakeStore (): { db: Store, batches: Array<Array<{ type: string }>>, release: () => void } {
  const batches: Array<Array<{ type: string }>> = []
  let release = (): void => {}
  const db = {
    batch: async (ops: Array<{ type: string }>) => {
      batches.push(ops)
      await new Promise<void>(resolve => { release = resolve })
    },
    getMany: async (keys: unknown[]) => keys.map(() => undefined)
  } as unknown as Store
  return { db, batches, release: () => { release() } }
}

describe('catalog: pending writes', () => {
  it('flushSoon writes nothing in the calling turn, then one batch for every record put until then', async () => {
    const store = fakeStore()
    const writes = new PendingWrites(store.db)
    writes.putRecord('p/a', Uint8Array.of(1))
    const first = writes.flushSoon()
    writes.putRecord('p/b', Uint8Array.of(2))
    const second = writes.flushSoon()
    assert.equal(store.batches.length, 0, 'the batch waits for the next turn of the event loop')
    // A gossip validator's caller relays in promise jobs after the validator returns: they run first.
    for (let i = 0; i < 20; i++) await Promise.resolve()
    assert.equal(store.batches.length, 0, 'promise jobs queued meanwhile run before the batch')
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(store.batches.length, 1)
    assert.equal(store.batches[0]?.length, 2)
    let settled = false
    void first.then(() => { settled = true })
    await Promise.resolve()
    assert.equal(settled, false, 'persisted settles only once the batch is written')
    store.release()
    await Promise.all([first, second])
    assert.equal(settled, true)
  })

  it('answers reads of a record from memory until its deferred batch is written', async () => {
    const store = fakeStore()
    const writes = new PendingWrites(store.db)
    writes.putRecord('p/a', Uint8Array.of(7))
    const persisted = writes.flushSoon()
    assert.deepEqual(await writes.read(['p/a', 'p/b']), [Uint8Array.of(7), undefined])
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(await writes.read(['p/a']), [Uint8Array.of(7)], 'still pending while the batch is in flight')
    store.release()
    await persisted
  })

  it('a flush (close) writes what flushSoon had scheduled, and the scheduled flush then has nothing to write', async () => {
    const store = fakeStore()
    const writes = new PendingWrites(store.db)
    writes.putRecord('p/a', Uint8Array.of(1))
    const soon = writes.flushSoon()
    const now = writes.flush()
    assert.equal(store.batches.length, 1)
    store.release()
    await now
    await soon
    assert.equal(store.batches.length, 1)
  })
})
