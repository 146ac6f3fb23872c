import { strict as assert } from 'node:assert'
import type { KadDHT } from '@libp2p/kad-dht'
import { DhtIndex } from '../../../src/discovery/dht-index.js'
import { silentLogger } from '../../../src/logging/index.js'

/** A DHT whose provide stores the record on no peer for the first `failures` calls, then on one. */
function flakyDht (failures: number): { dht: KadDHT, calls: () => number, reached: (n: number) => Promise<void> } {
  let calls = 0
  const waiters: Array<{ n: number, resolve: () => void }> = []
  const dht = {
    routingTable: { size: 1 },
    async * provide () {
      calls++
      for (const w of waiters.filter(w => w.n <= calls)) w.resolve()
      if (calls > failures) yield { name: 'PEER_RESPONSE', messageName: 'ADD_PROVIDER' }
    }
  } as unknown as KadDHT
  return { dht, calls: () => calls, reached: async (n) => { if (calls < n) await new Promise<void>(resolve => waiters.push({ n, resolve })) } }
}

describe('discovery: DHT index provide retries', () => {
  it('retries a provide that reached no peer until one stores it', async () => {
    const fake = flakyDht(2)
    const index = new DhtIndex(fake.dht, silentLogger, Date.now, { first: 1, max: 4 })
    index.start()
    index.serve('compute.vm', 'IT')
    await fake.reached(3)
    // The third provide succeeded; status turns true once its result is recorded.
    for (let i = 0; i < 100 && index.status()[0]?.provided !== true; i++) await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(index.status(), [{ type: 'compute.vm', country: 'IT', provided: true, failures: 0 }])
    index.stop()
  })
})
