import { strict as assert } from 'node:assert'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { initDataDir } from '../../src/datadir/index.js'
import { completeOffer, recordFromJson, signOffer, verifyRecord } from '../../src/offers/index.js'
import { createIdentity } from '../../src/identity/index.js'
import { cli } from '../helpers/cli.js'
import { testIdentity } from '../helpers/offers.js'
import { tempDir } from '../helpers/tmp.js'
import { startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'

const ORDERS = 'config/examples/orders'

/** Starts a provider node whose key comes from `seed`, publishing the example offer drafts `files`. */
async function provider (dir: string, seed: Uint8Array, files: string[], bootstrap: string[]): Promise<Member> {
  await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] }, seed)
  const member = await startMember(bootstrap, {}, dir)
  for (const f of files) {
    const draft = JSON.parse(await readFile(join('config/examples', f), 'utf8')) as unknown
    const offer = completeOffer(draft, { provider: member.node.identity.peerId, now: Date.now() })
    await member.node.discovery.publish(signOffer(offer, member.node.identity))
  }
  return member
}

describe('cli: fulcrum order plan against three provider nodes (integration)', function () {
  this.timeout(60_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let members: Member[] = []
  let peers: string[] = []

  before(async () => {
    tmp = await tempDir('fulcrum-order-plan-')
    const milan = await provider(join(tmp.path, 'milan'), createIdentity().seed, ['milan-vm.json', 'zurich-vm.json'], [])
    members.push(milan)
    const boot = [milan.node.multiaddrs()[0] as string]
    members.push(await provider(join(tmp.path, 'frankfurt'), createIdentity().seed, ['frankfurt-object-storage.json', 'warsaw-block-storage.json'], boot))
    // Paris has the key that config/examples/orders/pinned-offer.json pins.
    members.push(await provider(join(tmp.path, 'paris'), testIdentity(3).seed, ['paris-postgresql.json'], boot))
    peers = members.flatMap(m => ['--peer', m.node.multiaddrs()[0] as string])
  })
  after(async () => {
    await stopAll(members)
    members = []
    await tmp.cleanup()
  })

  it('plans the three-provider example to Milan, Frankfurt and Paris, as a table and as JSON', async () => {
    const table = await cli(['order', 'plan', join(ORDERS, 'three-providers.json'), ...peers])
    assert.equal(table.code, 0, table.err)
    assert.match(table.out, /^ITEM +PROVIDER +OFFER +LOCATION +QUANTITY +UNIT PRICE +PER MONTH/)
    assert.match(table.out, /app +\S+ +mil-vm-4x16 +IT IT-MI MIL1 +2 +0\.052 EUR\/hour +75\.92 EUR/)
    assert.match(table.out, /total 470\.9616 EUR\/month; 470\.9616 EUR for the 1-month term/)

    const json = await cli(['order', 'plan', join(ORDERS, 'three-providers.json'), ...peers, '--json'])
    assert.equal(json.code, 0, json.err)
    const out = JSON.parse(json.out) as { ok: boolean, items: Array<{ name: string, offer: string, provider: string, quantity: number, record: unknown }>, term: unknown, total: unknown, costs: { term: string } }
    assert.deepEqual(out.items.map(i => `${i.name}=${i.offer}`), ['app=mil-vm-4x16', 'backups=fra-s3-standard', 'db=par-pg16-8x32'])
    assert.deepEqual(out.items.map(i => i.provider), members.map(m => m.node.identity.peerId))
    assert.deepEqual(out.total, { amount: '470.9616', currency: 'EUR', unit: 'month' })
    assert.deepEqual(out.term, { months: 1, noticeDays: 1 })
    // Each item carries its signed offer: the output is a saved plan that verifies on its own.
    for (const item of out.items) assert.equal(verifyRecord(recordFromJson(item.record), Date.now()).record.body.id, item.offer)
  })

  it('plans the order with a pinned offer', async () => {
    const r = await cli(['order', 'plan', join(ORDERS, 'pinned-offer.json'), ...peers, '--json'])
    assert.equal(r.code, 0, r.err)
    const out = JSON.parse(r.out) as { items: Array<{ name: string, offer: string }>, costs: { term: string } }
    assert.deepEqual(out.items.map(i => `${i.name}=${i.offer}`), ['app=mil-vm-4x16', 'db=par-pg16-8x32'])
    assert.equal(out.costs.term, '6034.56')
  })

  it('exits 1 for the unsatisfiable example, naming the nearest offer and what it lacks', async () => {
    const r = await cli(['order', 'plan', join(ORDERS, 'unsatisfiable.json'), ...peers])
    assert.equal(r.code, 1)
    assert.equal(r.out, '')
    assert.match(r.err, /^fulcrum order plan: ORDER_PLAN_NO_CANDIDATE: db: no db\.postgresql in FR with c5-type2, iso-27001 .*the nearest is .*\/par-pg16-8x32 at 389 EUR\/month, which lacks c5-type2$/m)
    const json = await cli(['order', 'plan', join(ORDERS, 'unsatisfiable.json'), ...peers, '--json'])
    assert.equal(json.code, 1)
    const out = JSON.parse(json.out) as { ok: boolean, reasons: Array<{ code: string, item: string, nearest: { id: string } }> }
    assert.deepEqual(out.reasons.map(x => [x.code, x.item, x.nearest.id]), [['ORDER_PLAN_NO_CANDIDATE', 'db', 'par-pg16-8x32']])
  })

  it('exits 1 over budget with the cheapest total', async () => {
    const r = await cli(['order', 'plan', join(ORDERS, 'over-budget.json'), ...peers])
    assert.equal(r.code, 1)
    assert.match(r.err, /ORDER_PLAN_OVER_BUDGET: budget: the cheapest combination meeting every other constraint costs 464\.92 EUR\/month/)
  })

  it('exits 2 with every problem of an invalid document, and when no node answers', async () => {
    const file = join(tmp.path, 'bad.json')
    await writeFile(file, JSON.stringify({ items: [{ name: 'a', type: 'compute.vms', quantity: 1, countries: ['XX'] }], term: { months: 1 } }))
    const bad = await cli(['order', 'plan', file, ...peers])
    assert.equal(bad.code, 2)
    assert.match(bad.err, /ORDER_DOC_UNKNOWN_SERVICE_TYPE: items\[0\]\.type: .*"compute\.vms"/)
    assert.match(bad.err, /ORDER_DOC_UNKNOWN_COUNTRY: items\[0\]\.countries\[0\]: .*"XX"/)
    const none = await cli(['order', 'plan', join(ORDERS, 'three-providers.json'), '--peer', `/ip4/127.0.0.1/tcp/9/p2p/${createIdentity().peerId}`])
    assert.equal(none.code, 2)
    assert.match(none.err, /CLIENT_ALL_PEERS_FAILED/)
    const missing = await cli(['order', 'plan', join(tmp.path, 'nope.json'), ...peers])
    assert.deepEqual([missing.code, /INPUT_UNREADABLE/.test(missing.err)], [2, true])
    const usage = await cli(['order', 'plan'])
    assert.deepEqual([usage.code, /CLI_USAGE/.test(usage.err)], [2, true])
  })
})
