import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { createLibp2pNode } from '../../src/network/index.js'
import type { FulcrumLibp2p } from '../../src/network/index.js'
import type { Identity } from '../../src/identity/index.js'
import { isFulcrumError } from '../../src/errors/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { MerkleLog } from '../../src/log/index.js'
import {
  cosignerVerifierKey, encodeEntry, leafHash, parseNote, verifyConsistency, verifyCosignature, verifyEvidence
} from '../../src/ledger/index.js'
import {
  LEDGER_LIMITS, LEDGER_PROTOCOL, LedgerClient, LedgerService, MemoryStateStore, auditAgreement, auditPeer, encodeRequest, ledgerHandler
} from '../../src/ledger-protocol/index.js'
import type { LedgerLogView } from '../../src/ledger-protocol/index.js'
import { serveProtocol } from '../../src/network/index.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'
import { signedEntry, testBody, testIdentity } from '../unit/ledger/fixtures.js'

interface Member { id: Identity, libp2p: FulcrumLibp2p, log: MerkleLog, service: LedgerService, state: MemoryStateStore }


describe('ledger protocol: nodes on 127.0.0.1', function () {
  this.timeout(240_000)
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const members: Member[] = []

  async function member (id: Identity, dir: string, followLogs: string[] = []): Promise<Member> {
    const libp2p = await createLibp2pNode({ seed: id.seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const log = await MerkleLog.open(join(tmp.path, dir), { signer: id })
    const state = new MemoryStateStore()
    const service = new LedgerService({ libp2p, log, identity: id, state, logger: silentLogger, now: Date.now }, { announceIntervalMs: 200, followLogs })
    await service.start()
    const m = { id, libp2p, log, service, state }
    members.push(m)
    return m
  }

  const [provider, customer, auditor] = [testIdentity(50), testIdentity(51), testIdentity(52)]
  let a: Member, b: Member, c: Member

  before(async () => {
    tmp = await tempDir()
    a = await member(provider, 'a')
    b = await member(customer, 'b')
    c = await member(auditor, 'c', [provider.peerId])
    for (const [x, y] of [[a, b], [a, c], [b, c]] as Array<[Member, Member]>) await x.libp2p.dial(y.libp2p.getMultiaddrs())
  })
  after(async () => {
    for (const m of members.splice(0)) {
      await m.service.stop()
      await m.libp2p.stop()
      await m.log.close()
    }
    await tmp.cleanup()
  })

  const deal = (n: number): ReturnType<typeof signedEntry> => signedEntry('agreement', testBody(`deal-${n}`, [provider, customer]), [provider, customer])

  it('re-announces its checkpoint after waits of 0.5 to 1.5 intervals (nodes started together do not stay in step)', async () => {
    const d = await member(testIdentity(53), 'd')
    const at: number[] = []
    const announce = d.service.announce.bind(d.service)
    d.service.announce = async () => { at.push(performance.now()); await announce() }
    await until(() => at.length >= 9, '9 announcements')
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number))
    // The interval is 200 ms: every wait is at least 100 ms, and (drawn uniformly up to 300 ms) some are below 200 ms.
    assert.ok(gaps.every(g => g >= 99), `gaps ${gaps.map(g => g.toFixed(0)).join(', ')}`)
    assert.ok(gaps.some(g => g < 190), `no wait below the interval: ${gaps.map(g => g.toFixed(0)).join(', ')}`)
  })

  it('announces no checkpoint while its log is empty (nothing to witness), and announces once it holds an entry', async () => {
    const e = await member(testIdentity(54), 'e')
    let rounds = 0
    let published = 0
    const announce = e.service.announce.bind(e.service)
    e.service.announce = async () => { rounds++; await announce() }
    const publish = e.service.gossip.publish.bind(e.service.gossip)
    e.service.gossip.publish = async (note) => { published++; await publish(note) }
    await until(() => rounds >= 3, '3 announcement rounds')
    assert.equal(published, 0)
    await e.log.append(encodeEntry(deal(90)))
    await until(() => published > 0, 'an announcement once the log holds an entry')
  })

  it('appends an agreement in both parties\' logs, each cosigned by the other (tlog-cosignature)', async () => {
    const ra = await a.service.append(deal(1))
    assert.deepEqual(ra.cosigners, [customer.peerId])
    const rb = await b.service.append(deal(1))
    assert.deepEqual(rb.cosigners, [provider.peerId])
    const note = parseNote(a.service.latestNote())
    assert.equal(verifyCosignature(note, cosignerVerifierKey(customer.peerId)).name, `fulcrum/witness/v1/${customer.peerId}`)
    // The customer, as a witness, now holds the provider's checkpoint.
    assert.equal((await b.service.witness.latest(provider.peerId))?.checkpoint.size, 1)
  })

  it('after a restart (no memory of what the witness saw) a cosign request conflicts once, then succeeds', async () => {
    const restarted = new LedgerService({ libp2p: a.libp2p, log: a.log, identity: provider, state: new MemoryStateStore(), logger: silentLogger, now: Date.now })
    assert.deepEqual(await restarted.collectCosignatures([customer.peerId]), [customer.peerId])
    verifyCosignature(parseNote(restarted.latestNote()), cosignerVerifierKey(customer.peerId))
    // A node that never heard of this log and is not reachable gives no cosignature, without failing the caller.
    assert.deepEqual(await restarted.collectCosignatures([testIdentity(59).peerId]), [])
  })

  it('serves checkpoints, entries, inclusion proofs by index, hash and id, and consistency proofs', async () => {
    await a.service.append(deal(2))
    await a.service.append(deal(3))
    const client = await LedgerClient.connect(c.libp2p, a.libp2p.getMultiaddrs(), provider.peerId)
    try {
      const cp = await client.checkpoint()
      assert.equal(cp.checkpoint.size, 3)
      const leaves = await client.entries(0, 3)
      assert.deepEqual(leaves[1], encodeEntry(deal(2)))
      assert.equal((await client.inclusion({ index: 2 }, cp)).index, 2)
      assert.equal((await client.inclusion({ leafHash: leafHash(leaves[1] as Uint8Array) }, cp)).index, 1)
      assert.equal((await client.inclusion({ id: 'deal-3' }, cp)).index, 2)
      await assert.rejects(client.inclusion({ id: 'nope' }, cp), (e: unknown) => isFulcrumError(e, 'LEDGER_PROTO_REMOTE'))
      const proof = await client.consistency(1, 3)
      assert.ok(verifyConsistency(1, 3, proof, await a.log.rootAt(1), cp.checkpoint.root))
      await assert.rejects(client.consistency(2, 9), (e: unknown) => isFulcrumError(e, 'LEDGER_PROTO_REMOTE'))
    } finally { await client.close() }
  })

  it('answers a malformed request with LEDGER_PROTO_BAD_MESSAGE and keeps serving', async () => {
    const { openSession } = await import('../../src/network/index.js')
    const { decodeAnswer, LEDGER_PROTOCOL } = await import('../../src/ledger-protocol/index.js')
    const session = await openSession(c.libp2p, a.libp2p.getMultiaddrs(), LEDGER_PROTOCOL)
    try {
      const answer = await session.request(new TextEncoder().encode('not cbor'))
      assert.throws(() => decodeAnswer(answer, []), (e: unknown) => isFulcrumError(e, 'LEDGER_PROTO_REMOTE') && (e.cause as { code: string }).code === 'LEDGER_PROTO_BAD_MESSAGE')
      const again = await session.request(encodeRequest({ op: 'checkpoint' }))
      assert.ok(typeof decodeAnswer(again, ['checkpoint']).checkpoint === 'string')
    } finally { await session.close() }
  })

  it('audits a peer: first run trusts and verifies all, the next verifies only what is new', async () => {
    const store = new MemoryStateStore()
    const audit = async (): Promise<Awaited<ReturnType<typeof auditPeer>>> => {
      const client = await LedgerClient.connect(c.libp2p, a.libp2p.getMultiaddrs(), provider.peerId)
      try { return await auditPeer(client, store, Date.now) } finally { await client.close() }
    }
    const first = await audit()
    assert.deepEqual([first.findings, first.newEntries, first.size], [[], 3, 3])
    await a.service.append(deal(4))
    const second = await audit()
    assert.deepEqual([second.findings, second.previousSize, second.newEntries], [[], 3, 1])
  })

  it('checks an agreement in every party\'s log, and reports a party whose log lacks it', async () => {
    const clients = await Promise.all([[a, provider], [b, customer]].map(async ([m, id]) =>
      await LedgerClient.connect(c.libp2p, (m as Member).libp2p.getMultiaddrs(), (id as Identity).peerId)))
    try {
      const ok = await auditAgreement('deal-1', clients)
      assert.deepEqual(ok.findings, [])
      const missing = await auditAgreement('deal-2', clients)
      assert.deepEqual(missing.findings.map(f => [f.code, f.peer]), [['AUDIT_NOT_INCLUDED', customer.peerId]])
    } finally { await Promise.all(clients.map(async x => { await x.close() })) }
  })

  it('gossips checkpoints to witnesses, which follow the log with consistency proofs', async () => {
    await a.service.append(deal(5))
    await until(async () => (await c.service.witness.latest(provider.peerId))?.checkpoint.size === a.log.size, 'the auditor to witness the provider')
  })

  it('turns a forked history signed by the same key into verifiable evidence (split view, fork, rollback)', async () => {
    // A second log under the provider's key with a different history, served by another process-local node.
    const forkLog = await MerkleLog.open(join(tmp.path, 'fork'), { signer: provider })
    const forkNode = await createLibp2pNode({ seed: testIdentity(53).seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const fork = new LedgerService({ libp2p: forkNode, log: forkLog, identity: provider, state: new MemoryStateStore(), logger: silentLogger, now: Date.now }, { gossip: false })
    await fork.start()
    try {
      for (const n of [1, 2, 3, 4]) await forkLog.append(encodeEntry(n === 2 ? signedEntry('agreement', testBody('deal-2', [provider, customer], { createdAt: 1 }), [provider, customer]) : deal(n)))
      const witness = new MemoryStateStore()
      const auditVia = async (node: FulcrumLibp2p): Promise<Awaited<ReturnType<typeof auditPeer>>> => {
        const client = await LedgerClient.connect(c.libp2p, node.getMultiaddrs(), provider.peerId)
        try { return await auditPeer(client, witness, Date.now) } finally { await client.close() }
      }
      assert.deepEqual((await auditVia(a.libp2p)).findings, [])
      const honestSize = a.log.size // 5: the fork (4 entries) is a rollback for this auditor
      const rollback = await auditVia(forkNode)
      // Suspicious, but the fork node cannot serve a proof up to size 5: no evidence (an older checkpoint proves nothing).
      assert.deepEqual(rollback.findings.map(f => f.code), ['AUDIT_ROLLBACK'])
      assert.equal(rollback.evidence, undefined)
      for (const n of [6, 7]) await forkLog.append(encodeEntry(deal(n)))
      const forked = await auditVia(forkNode) // 6 entries, not an extension of the honest 5
      assert.deepEqual(forked.findings.map(f => f.code), ['AUDIT_INCONSISTENT'])
      assert.equal(honestSize, 5)
      assert.equal(witness.evidence.length, 1)
      for (const ev of witness.evidence) verifyEvidence(JSON.parse(JSON.stringify(ev)))
      // A witness shown two checkpoints of the same size with different roots keeps a split-view evidence file.
      while (a.log.size < forkLog.size) await a.service.append(deal(100 + a.log.size))
      const seen = await c.service.observe(provider.peerId, a.service.latestNote())
      assert.notEqual(seen.status, 'violation')
      const split = await c.service.observe(provider.peerId, forkLog.checkpoint() as string)
      assert.ok(split.status === 'violation' && split.finding.code === 'AUDIT_SPLIT_VIEW')
      assert.equal(verifyEvidence(c.state.evidence.at(-1)).kind, 'split-view')
    } finally {
      await fork.stop()
      await forkNode.stop()
      await forkLog.close()
    }
  })

  it('finds a node that serves entries or proofs that do not match its own signed root', async () => {
    const rogue = await createLibp2pNode({ seed: testIdentity(54).seed, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const forged = encodeEntry(signedEntry('agreement', testBody('deal-1', [provider, customer], { createdAt: 42 }), [provider, customer]))
    const view: LedgerLogView = {
      get size () { return a.log.size },
      leaves: async (start, end) => (await a.log.leaves(start, end)).map((l, i) => start + i === 0 ? forged : l),
      leaf: async (i) => i === 0 ? forged : await a.log.leaf(i),
      indexOfLeafHash: async (h) => await a.log.indexOfLeafHash(h),
      indexOfDocument: async (id) => await a.log.indexOfDocument(id),
      inclusionProof: async (i, n) => await a.log.inclusionProof(i, n),
      consistencyProof: async (m, n) => await a.log.consistencyProof(m, n)
    }
    const unserve = await serveProtocol(rogue, LEDGER_PROTOCOL, ledgerHandler({ log: view, latestNote: () => a.service.latestNote(), cosign: async () => { throw new Error('no') } }), LEDGER_LIMITS)
    try {
      const client = await LedgerClient.connect(c.libp2p, rogue.getMultiaddrs(), provider.peerId)
      try {
        const audit = await auditPeer(client, new MemoryStateStore(), Date.now)
        assert.deepEqual(audit.findings.map(f => f.code), ['AUDIT_ROOT_MISMATCH'])
        const agreement = await auditAgreement('deal-1', [client])
        assert.deepEqual(agreement.findings.map(f => f.code), ['AUDIT_BAD_PROOF'])
      } finally { await client.close() }
    } finally {
      await unserve()
      await rogue.stop()
    }
  })
})
