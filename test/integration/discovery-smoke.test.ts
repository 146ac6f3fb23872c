import { strict as assert } from 'node:assert'
import { startFederation, stopAll, liveOffer, holds, waitFor } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'

describe('discovery smoke', function () {
  this.timeout(30_000)
  let fed: Member[] = []
  afterEach(async () => { await stopAll(fed); fed = [] })

  it('propagates an offer to 5 nodes', async () => {
    fed = await startFederation(5)
    const a = fed[0] as Member
    const rec = liveOffer(a.node.identity, 'vm-1')
    const t = Date.now()
    await a.node.discovery.publish(rec)
    await waitFor(() => fed.every(m => holds(m, a.node.identity.peerId, 'vm-1')), 5000, 'propagation')
    console.log('propagated in', Date.now() - t, 'ms')
    assert.ok(true)
  })
})
