import { strict as assert } from 'node:assert'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { initDataDir } from '../../src/datadir/index.js'
import { completeOffer, recordToJson, signOffer } from '../../src/offers/index.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'
import { holds, startFederation, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { publishOffer, waitFor } from './orders-fixtures.js'

const EXAMPLES = new URL('../../config/examples/', import.meta.url)

describe('cli: fulcrum order place|status|list and ledger list|show from a customer data dir, no daemon', function () {
  this.timeout(120_000)
  let providers: Member[]
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string

  before(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'customer')
    await initDataDir(dir)
    providers = await startFederation(3, { config: { renewOwnOffers: false } })
    const files = ['milan-vm.json', 'frankfurt-object-storage.json', 'paris-postgresql.json']
    for (const [i, m] of providers.entries()) {
      const draft = JSON.parse(await readFile(new URL(files[i] as string, EXAMPLES), 'utf8')) as Record<string, unknown>
      const addresses = m.node.multiaddrs().map(a => a.replace(/\/p2p\/[^/]+$/, ''))
      await m.node.discovery.publish(signOffer(completeOffer({ ...draft, addresses }, { provider: m.node.identity.peerId, now: Date.now() }), m.node.identity))
    }
    const first = providers[0] as Member
    const ids = ['mil-vm-4x16', 'fra-s3-standard', 'par-pg16-8x32']
    await waitFor(() => providers.every((m, i) => holds(first, m.node.identity.peerId, ids[i] as string)), 10_000, 'offers at the first node')
  })
  after(async () => {
    await stopAll(providers)
    await tmp.cleanup()
  })

  it('plans an order document against a peer, places it with three providers, and finds it in the customer\'s ledger', async () => {
    const peer = (providers[0] as Member).node.multiaddrs()[0] as string
    const placed = await cli(['order', 'place', new URL('orders/three-providers.json', EXAMPLES).pathname, '--peer', peer, '--data-dir', dir, '--json'])
    assert.equal(placed.code, 0, placed.err)
    const { agreementId, status } = JSON.parse(placed.out) as { agreementId: string, status: string }
    assert.equal(status, 'committed')
    const list = JSON.parse((await cli(['order', 'list', '--data-dir', dir, '--json'])).out) as { orders: Array<{ agreementId: string, status: string }> }
    assert.deepEqual(list.orders.map(o => [o.agreementId, o.status]), [[agreementId, 'committed']])
    const status2 = await cli(['order', 'status', agreementId, '--data-dir', dir])
    assert.match(status2.out, new RegExp(`^committed ${agreementId}`))
    const ledger = JSON.parse((await cli(['ledger', 'list', '--data-dir', dir, '--json'])).out) as { agreements: Array<{ id: string, state: string, items: Array<{ name: string }> }> }
    assert.deepEqual(ledger.agreements.map(a => [a.id, a.state, a.items.map(i => i.name)]), [[agreementId, 'active', ['app', 'backups', 'db']]])
    const show = await cli(['ledger', 'show', agreementId, '--data-dir', dir])
    assert.match(show.out, /- db: .* offer par-pg16-8x32@\d+ 1 x /)
  })

  it('terminates the agreement with a notice of at least the terms\' minimum: complete in the customer\'s ledger, shown by order list and ledger list|show', async () => {
    const { orders } = JSON.parse((await cli(['order', 'list', '--data-dir', dir, '--json'])).out) as { orders: Array<{ agreementId: string }> }
    const agreementId = orders[0]?.agreementId as string
    const before = Date.now()
    const ended = await cli(['order', 'terminate', agreementId, '--notice', '0.5', '--reason', 'project over', '--data-dir', dir, '--json'])
    assert.equal(ended.code, 0, ended.err)
    const view = JSON.parse(ended.out) as { complete: boolean, effectiveAt: number, signedBy: string[], reason: string }
    assert.equal(view.complete, true)
    assert.equal(view.signedBy.length, 4)
    assert.equal(view.reason, 'project over')
    assert.ok(view.effectiveAt >= before + 86_400_000, 'the document\'s term.noticeDays (1) is the minimum') // the terms' minimum beats --notice 0.5
    const listed = JSON.parse((await cli(['order', 'list', '--data-dir', dir, '--json'])).out) as { orders: Array<{ agreementId: string, termination: string, endsAt: number }> }
    assert.deepEqual(listed.orders.filter(o => o.agreementId === agreementId).map(o => [o.termination, o.endsAt]), [['terminating', view.effectiveAt]])
    const ledger = JSON.parse((await cli(['ledger', 'list', '--data-dir', dir, '--json'])).out) as { agreements: Array<{ id: string, state: string, endsAt: number }> }
    assert.deepEqual(ledger.agreements.filter(a => a.id === agreementId).map(a => [a.state, a.endsAt]), [['terminating', view.effectiveAt]])
    assert.match((await cli(['ledger', 'show', agreementId, '--data-dir', dir])).out, /termination term-\S+ \(entry \d+\): signed .*, effective .*: project over/)
    for (const m of providers) {
      await waitFor(async () => (await m.node.orders.terminationsOf(agreementId)).some(t => t.complete), 10_000, 'the provider records it')
      assert.equal((await m.node.orders.terminationsOf(agreementId)).length, 1)
    }
    const again = await cli(['order', 'terminate', agreementId, '--data-dir', dir])
    assert.equal(again.code, 1)
    assert.match(again.err, /ORDER_ALREADY_TERMINATED/)
    assert.equal((await cli(['order', 'terminate', 'ord-unknown', '--data-dir', dir])).code, 2)
    assert.equal((await cli(['order', 'terminate', agreementId, '--notice', '-1', '--data-dir', dir])).code, 2)
  })

  it('exits 1 with each provider\'s code when a saved plan cannot be held, and 2 on usage errors', async () => {
    const m = providers[1] as Member
    const record = await publishOffer(m, 'tiny', { capacity: 1, addresses: m.node.multiaddrs().map(a => a.replace(/\/p2p\/[^/]+$/, '')) })
    const plan = { items: [{ name: 'x', record: recordToJson(record), quantity: 1 }], term: { months: 1 }, total: { amount: '1', currency: 'EUR', unit: 'month' } }
    await writeFile(join(tmp.path, 'plan.json'), JSON.stringify(plan))
    assert.equal((await cli(['order', 'place', join(tmp.path, 'plan.json'), '--data-dir', dir])).code, 0)
    const second = await cli(['order', 'place', join(tmp.path, 'plan.json'), '--data-dir', dir, '--json'])
    assert.equal(second.code, 1, second.err)
    const out = JSON.parse(second.out) as { status: string, providers: Record<string, { code: string }> }
    assert.equal(out.status, 'aborted')
    assert.equal(out.providers[m.node.identity.peerId]?.code, 'ORDER_QUANTITY_ABOVE_CAPACITY')
    assert.equal((await cli(['order', 'place', new URL('orders/three-providers.json', EXAMPLES).pathname, '--data-dir', dir])).code, 2)
    assert.equal((await cli(['order', 'place', join(tmp.path, 'missing.json'), '--data-dir', dir])).code, 2)
  })
})
