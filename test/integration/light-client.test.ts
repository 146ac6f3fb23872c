/**
 * The browser light client (src/client/light-client.ts) run in Node with its browser parts: the
 * customer's key, orders, ledger and audit baselines in a `memory-level` database (the
 * abstract-level store the page uses with IndexedDB), offers and provider signatures verified
 * with @noble/ed25519 (`portable`), against real provider nodes on 127.0.0.1 (TCP here: the page's
 * WebSockets transport is the page's part). Only SHA-256 and the customer's own signatures use
 * node:crypto in this process (byte-identical to noble: test/unit/platform/).
 */
import { strict as assert } from 'node:assert'
import { cp, rm } from 'node:fs/promises'
import { MemoryLevel } from 'memory-level'
import { LightClient, openCustomerState } from '../../src/client/browser.js'
import type { CustomerState, ProgressEvent, StateDatabase } from '../../src/client/browser.js'
import { createLightLibp2pNode } from '../../src/network/index.js'
import { bytesEqual } from '../../src/ledger/index.js'
import { createLibp2pNode } from '../../src/network/index.js'
import { MerkleLog } from '../../src/log/index.js'
import { LedgerService, MemoryStateStore } from '../../src/ledger-protocol/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { asStore } from '../../src/storage/index.js'
import { createIdentity } from '../../src/identity/index.js'
import type { Identity } from '../../src/identity/index.js'
import { startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { ledgerLeaf, orderFederation, publishOffer } from './orders-fixtures.js'

/** A customer of the light client: memory-level state and a light node under its key. */
async function lightCustomer (): Promise<{ state: CustomerState, node: Awaited<ReturnType<typeof createLightLibp2pNode>>, client: (peers: string[]) => LightClient, close: () => Promise<void> }> {
  const state = await openCustomerState(new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as StateDatabase)
  const node = await createLightLibp2pNode({ seed: state.identity.seed })
  return {
    state,
    node,
    client: (peers) => new LightClient({ node, state, peers, portable: true }),
    close: async () => { await node.stop(); await state.close() }
  }
}

/** Picks the offer `id` of each member from a search through `client`, one unit each, and plans it for a month. */
async function planFor (client: LightClient, members: Member[], id: (i: number) => string): Promise<Parameters<LightClient['placeOrder']>[0]> {
  const picks = []
  for (const [i, m] of members.entries()) {
    const found = await client.search({ provider: m.node.identity.peerId })
    const offer = found.offers.find(o => o.record.body.id === id(i))
    assert.ok(offer !== undefined, `offer ${id(i)} found and verified`)
    picks.push({ offer, quantity: 1 })
  }
  const outcome = client.planPicks(picks, 1)
  assert.ok(outcome.ok, JSON.stringify(outcome))
  return outcome.plan
}

describe('light client (browser path) against provider nodes', function () {
  this.timeout(120_000)
  const { providers } = orderFederation(3)
  let customer: Awaited<ReturnType<typeof lightCustomer>>
  before(async () => { customer = await lightCustomer() })
  after(async () => { await customer?.close() })

  it('places a three-provider order with per-provider progress; every party\'s ledger holds the agreement', async () => {
    await Promise.all(providers.map(async (m, i) => await publishOffer(m, `web-${i}`, { capacity: 3 })))
    const client = customer.client(providers.map(m => m.node.multiaddrs()[0] as string))
    const plan = await planFor(client, providers, i => `web-${i}`)
    const events: ProgressEvent[] = []
    const outcome = await client.placeOrder(plan, { quote: {}, onProgress: e => { events.push(e) } })
    assert.equal(outcome.status, 'committed', JSON.stringify(outcome.providers))
    const log = customer.state.log
    const mine = await log.leaf((await log.indexOfDocument(outcome.orderId)) as number)
    for (const [i, m] of providers.entries()) {
      const leaf = await ledgerLeaf(m.node, outcome.orderId)
      assert.ok(leaf !== undefined && bytesEqual(leaf, mine), `provider ${i} holds the same entry`)
      const steps = events.filter(e => e.provider === m.node.identity.peerId).map(e => e.step)
      assert.deepEqual(steps, ['quote', 'quoted', 'hold', 'held', 'commit', 'committed'], `provider ${i}'s progress`)
    }
    const { agreements, checkpoint } = await client.agreements()
    const mineView = agreements.find(a => a.agreement.id === outcome.orderId)
    assert.ok(mineView?.verified === true && checkpoint.size === log.size)
    assert.deepEqual([...mineView.agreement.parties].sort(), [customer.state.identity.peerId, ...providers.map(m => m.node.identity.peerId)].sort())
  })

  it('plans an order document (requirements) against the providers\' verified offers, and names a bad document\'s problems', async () => {
    const client = customer.client(providers.map(m => m.node.multiaddrs()[0] as string))
    const { outcome, sources } = await client.planDocument({ version: 1, items: [{ name: 'vm', type: 'compute.vm', quantity: 2 }], term: { months: 2 } })
    assert.ok(outcome.ok, JSON.stringify(outcome))
    assert.ok(providers.some(m => m.node.identity.peerId === outcome.plan.items[0]?.record.body.provider))
    assert.equal(outcome.plan.items[0]?.quantity, 2)
    assert.equal(sources.length, 3)
    await assert.rejects(client.planDocument({ version: 1, items: [], term: { months: 0 } }), (err: unknown) => (err as { code?: string }).code === 'CLIENT_BAD_DOCUMENT')
  })

  it('audits each provider: signature, consistency with what it saw before, inclusion of the agreement', async () => {
    const client = customer.client(providers.map(m => m.node.multiaddrs()[0] as string))
    for (const m of providers) {
      const first = await client.auditProvider(m.node.identity.peerId)
      assert.ok(first.ok, JSON.stringify(first))
      assert.deepEqual(first.checks.map(c => [c.name, c.status]), [['signature', 'passed'], ['consistency', 'passed'], ['inclusion', 'passed']])
      assert.equal(first.checks[2]?.agreements?.length, 1)
      assert.equal(first.previous, undefined)
    }
    // The providers' ledgers grow (a second order); the next audit proves each extends the one seen.
    await Promise.all(providers.map(async (m, i) => await publishOffer(m, `web-b-${i}`)))
    const outcome = await client.placeOrder(await planFor(client, providers, i => `web-b-${i}`))
    assert.equal(outcome.status, 'committed')
    for (const m of providers) {
      const again = await client.auditProvider(m.node.identity.peerId)
      assert.ok(again.ok, JSON.stringify(again))
      assert.ok(again.previous !== undefined && again.checkpoint !== undefined && again.checkpoint.size > again.previous.size)
      assert.equal(again.checks[2]?.agreements?.length, 2)
    }
  })

  it('catches a provider ledger served with a checkpoint of another key, or with other bytes under the agreement id', async () => {
    const client = customer.client([])
    const p = providers[0] as Member
    const provider = p.node.identity
    const log = customer.state.log
    const agreement = (await log.indexOfDocument((await client.agreements()).agreements[0]?.agreement.id ?? '')) as number
    const mine = await log.leaf(agreement)
    /** A node serving a ledger under `signer`'s key in which the agreement's id names `leaf`. */
    const rogueLedger = async (signer: Identity, leaf: Uint8Array): Promise<{ addrs: string[], stop: () => Promise<void> }> => {
      const rogueLog = await MerkleLog.openOn(asStore(new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as never), { signer })
      await rogueLog.append(leaf, [(await client.agreements()).agreements[0]?.agreement.id ?? ''])
      const node = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
      const service = new LedgerService({ libp2p: node, log: rogueLog, identity: signer, state: new MemoryStateStore(), logger: silentLogger, now: Date.now }, { gossip: false })
      await service.start()
      return { addrs: node.getMultiaddrs().map(String), stop: async () => { await service.stop(); await node.stop(); await rogueLog.close() } }
    }
    const otherKey = await rogueLedger(createIdentity(), mine)
    try {
      const r = await client.auditProvider(provider.peerId, otherKey.addrs)
      assert.deepEqual(r.checks.map(c => [c.name, c.status, c.code]), [['signature', 'failed', 'AUDIT_BAD_CHECKPOINT_SIGNATURE'], ['consistency', 'skipped', undefined], ['inclusion', 'skipped', undefined]])
      assert.equal(r.ok, false)
    } finally {
      await otherKey.stop()
    }
    const tampered = mine.slice()
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1 // a party's signature, changed
    const otherBytes = await rogueLedger(provider, tampered)
    try {
      const r = await client.auditProvider(provider.peerId, otherBytes.addrs)
      const inclusion = r.checks.find(c => c.name === 'inclusion')
      assert.equal(inclusion?.status, 'failed')
      assert.equal(inclusion?.code, 'AUDIT_BODY_MISMATCH')
    } finally {
      await otherBytes.stop()
    }
  })

  it('catches a provider whose ledger goes backwards: a rollback, the agreement missing, and it stays caught', async () => {
    let x = await startMember([])
    const backup = `${x.dir}-backup`
    /** Restarts x on its data dir; `restore`: from the backup taken earlier (its whole state, ledger and order store, as an operator restoring a backup). */
    const restart = async (action: 'backup' | 'restore'): Promise<void> => {
      const dir = x.dir
      await x.node.stop()
      if (action === 'restore') {
        await rm(dir, { recursive: true, force: true })
        await cp(backup, dir, { recursive: true })
      } else {
        await cp(dir, backup, { recursive: true })
      }
      x = { ...(await startMember([], {}, dir)), cleanup: x.cleanup }
    }
    try {
      const id = x.node.identity.peerId
      await publishOffer(x, 'rb-1')
      let client = customer.client([x.node.multiaddrs()[0] as string])
      assert.equal((await client.placeOrder(await planFor(client, [x], () => 'rb-1'))).status, 'committed')
      await restart('backup') // a backup holding the first agreement only
      await publishOffer(x, 'rb-2')
      client = customer.client([x.node.multiaddrs()[0] as string])
      const second = await client.placeOrder(await planFor(client, [x], () => 'rb-2'))
      assert.equal(second.status, 'committed')
      const good = await client.auditProvider(id, x.node.multiaddrs())
      assert.ok(good.ok, JSON.stringify(good, null, 1))

      await restart('restore')
      const bad = await client.auditProvider(id, x.node.multiaddrs())
      assert.equal(bad.ok, false)
      const byName = Object.fromEntries(bad.checks.map(c => [c.name, c]))
      assert.equal(byName.signature?.status, 'passed') // the older checkpoint is genuinely signed
      assert.equal(byName.consistency?.status, 'failed')
      assert.equal(byName.consistency?.code, 'AUDIT_ROLLBACK')
      assert.ok(bad.checkpoint !== undefined && bad.previous !== undefined && bad.checkpoint.size < bad.previous.size)
      assert.equal(byName.inclusion?.status, 'failed')
      assert.deepEqual(byName.inclusion?.agreements?.filter(a => !a.ok).map(a => [a.id, a.code]), [[second.orderId, 'AUDIT_NOT_INCLUDED']])
      // the baseline did not move back: auditing again still reports the rollback
      const still = await client.auditProvider(id, x.node.multiaddrs())
      assert.equal(still.checks.find(c => c.name === 'consistency')?.code, 'AUDIT_ROLLBACK')
    } finally {
      await stopAll([x])
      await rm(backup, { recursive: true, force: true })
    }
  })
})
