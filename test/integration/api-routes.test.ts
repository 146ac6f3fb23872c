/**
 * Every operation of the committed OpenAPI document (protocols/api-v1.openapi.json) called against
 * a real node (a provider with manual approval, a peer, two customers' orders, an agreement in the
 * ledger): each answers its documented success status with a body that validates against the
 * documented schema (converted from the document's JSON Schema, not taken from the code), and its
 * documented error cases answer a documented status with a valid error body and the stable code.
 */
import { strict as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { ApiClient } from '../../src/api/index.js'
import type { OrderJson } from '../../src/api/index.js'
import { loadApiToken, initDataDir } from '../../src/datadir/index.js'
import { entryToJson } from '../../src/ledger/index.js'
import { catalogView } from '../../src/node/catalog-view.js'
import { verified } from '../helpers/offers.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'
import { startMember, stopAll } from './discovery-federation.js'
import type { Member } from './discovery-federation.js'
import { customer, place, planOf, publishOffer, waitFor } from './orders-fixtures.js'
import type { Customer } from './orders-fixtures.js'
import { signedEntry, testBody, testIdentity } from '../unit/ledger/fixtures.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
interface Call { path: string, body?: unknown, status?: number, code?: string }

const DOC_URL = new URL('../../protocols/api-v1.openapi.json', import.meta.url)

/** `schema` with every `#/components/schemas/X` reference replaced by X (the API's schemas are not recursive). */
function deref (schema: unknown, components: Json): unknown {
  if (Array.isArray(schema)) return schema.map(s => deref(s, components))
  if (typeof schema !== 'object' || schema === null) return schema
  const ref = (schema as Json).$ref
  if (typeof ref === 'string') return deref(components[ref.replace('#/components/schemas/', '')], components)
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, deref(v, components)]))
}

describe('api: every documented route against a real node', function () {
  this.timeout(120_000)
  let doc: Json
  let provider: Member
  let peer: Member
  let api: ApiClient
  let token: string
  let stopRequests = 0
  const customers: Customer[] = []
  const seen = new Set<string>()

  /** Calls an operation, checks the status is the expected one and documented, and the body validates. */
  async function call (operationId: string, c: Call): Promise<Json> {
    const [path, ops] = Object.entries(doc.paths as Json).find(([, o]) => Object.values(o as Json).some(op => (op as Json).operationId === operationId)) ?? []
    assert.ok(path !== undefined, `no operation ${operationId} in the document`)
    const [method, op] = Object.entries(ops as Json).find(([, o]) => (o as Json).operationId === operationId) as [string, Json]
    assert.ok(c.path.split('?')[0]?.split('/').length === path.split('/').length, `${c.path} is not ${path}`)
    const headers: Record<string, string> = { ...(op.security?.length === 0 ? {} : { authorization: `Bearer ${token}` }), ...(c.body === undefined ? {} : { 'content-type': 'application/json' }) }
    const res = await fetch(`${api.url}${c.path}`, { method: method.toUpperCase(), headers, ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }) })
    const json = await res.json() as Json
    const success = Object.keys(op.responses as Json).find(s => s.startsWith('2')) as string
    const expected = c.status ?? Number(success)
    assert.equal(res.status, expected, `${operationId} ${c.path}: ${JSON.stringify(json).slice(0, 300)}`)
    const documented = (op.responses as Json)[String(res.status)]
    assert.ok(documented !== undefined, `${operationId} answered ${res.status}, which the document does not list`)
    const schema = z.fromJSONSchema(deref(documented.content['application/json'].schema, doc.components.schemas) as never)
    const parsed = schema.safeParse(json)
    assert.ok(parsed.success, `${operationId} ${res.status} body does not match the document: ${parsed.success ? '' : parsed.error.message} ${JSON.stringify(json).slice(0, 300)}`)
    if (c.code !== undefined) assert.equal(json.error?.code, c.code, operationId)
    if (res.status < 300) seen.add(operationId)
    return json
  }

  before(async () => {
    doc = JSON.parse(await readFile(DOC_URL, 'utf8')) as Json
    const tmp = await tempDir('fulcrum-routes-')
    await initDataDir(tmp.path, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    provider = await startMember([], { api: true, onStopRequest: () => { stopRequests++ }, config: { renewOwnOffers: false, apiPort: 0, orders: { approval: 'manual' } } }, tmp.path)
    provider.cleanup = tmp.cleanup
    peer = await startMember([provider.node.multiaddrs()[0] as string])
    api = await ApiClient.forDataDir(tmp.path)
    token = await loadApiToken(tmp.path)
  })
  after(async () => {
    for (const c of customers.splice(0)) await c.close()
    await stopAll([peer, provider].filter(m => m !== undefined))
  })

  it('answers each documented operation with its documented status and schema', async () => {
    // Public routes, without a token.
    assert.deepEqual(await call('getHealth', { path: '/health' }), { status: 'ok' })
    assert.deepEqual(await call('getOpenApi', { path: '/v1/openapi.json' }), doc)

    // Offers: publish a draft, show it, list it; a peer's offer is known by gossip.
    const draft = JSON.parse(await readFile(new URL('../../config/examples/milan-vm.json', import.meta.url), 'utf8')) as Json
    const published = await call('publishOffer', { path: '/v1/offers', body: draft })
    assert.equal(published.decision, 'store')
    const own = await call('getOffer', { path: `/v1/offers/${encodeURIComponent(draft.id as string)}` })
    assert.equal(own.own, true)
    assert.equal((await call('listOwnOffers', { path: '/v1/offers' })).offers.length, 1)
    const peerOffer = await publishOffer(peer, 'peer-vm')
    await until(() => provider.node.catalog.seqOf(peer.node.identity.peerId, 'peer-vm') !== undefined, 'the peer\'s offer')
    const theirs = await call('getOffer', { path: '/v1/offers/peer-vm' })
    assert.equal(theirs.own, false)
    assert.equal(theirs.record.signature, Buffer.from(peerOffer.signature).toString('base64'))
    assert.equal((await call('search', { path: '/v1/search', body: { filter: { provider: peer.node.identity.peerId }, limit: 1 } })).records.length, 1)
    assert.equal((await call('listPeers', { path: '/v1/peers' })).peers[0]?.peerId, peer.node.identity.peerId)

    // Orders: one approved (committed, so an agreement is in the ledger), one refused; pages of one.
    const offer = await publishOffer(provider, 'manual', { capacity: 5 })
    const [a, b] = [await customer(), await customer()]
    customers.push(a, b)
    for (const [c, decision] of [[a, 'approveOrder'], [b, 'refuseOrder']] as const) {
      const outcome = place(c, planOf([offer]), [provider])
      await waitFor(async () => (await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders/approvals')).orders.length === 1, 30_000, 'a pending hold')
      const [pending] = (await call('listApprovals', { path: '/v1/orders/approvals?limit=10' })).orders as OrderJson[]
      await call(decision, { path: `/v1/orders/${pending?.id ?? ''}/${decision === 'approveOrder' ? 'approve' : 'refuse'}` })
      await outcome
    }
    const first = await call('listOrders', { path: '/v1/orders?limit=1' })
    assert.equal(first.orders.length, 1)
    const second = await call('listOrders', { path: `/v1/orders?limit=1&cursor=${encodeURIComponent(first.nextCursor as string)}` })
    assert.equal(second.orders.length, 1)
    assert.equal(second.nextCursor, undefined, JSON.stringify([first, second].map(p => p.orders.map((o: Json) => [o.id, o.status]))))
    assert.notEqual(second.orders[0].id, first.orders[0].id)
    // the pages come in order-id order (random ids): the committed order is found by its status
    const committedRows = (await call('listOrders', { path: '/v1/orders?status=committed' })).orders as OrderJson[]
    assert.equal(committedRows.length, 1)
    const committed = await call('getOrder', { path: `/v1/orders/${encodeURIComponent(committedRows[0]?.id ?? '')}` })
    assert.equal(committed.id, committedRows[0]?.id)
    const term = await call('terminateOrder', { path: `/v1/orders/${encodeURIComponent(committed.id as string)}/terminate`, body: { notice: 1, reason: 'api' } })
    assert.deepEqual([term.complete, term.waitingFor], [false, [committed.customer]]) // a light-client customer pulls it later
    assert.equal((await call('getOrder', { path: `/v1/orders/${encodeURIComponent(committed.id as string)}` })).terminations[0].id, term.id)

    // Ledger: the committed order's agreement, then an entry appended here with the peer (who cosigns).
    const deal = signedEntry('agreement', testBody('api-deal', [provider.node.identity, peer.node.identity]), [provider.node.identity, peer.node.identity])
    const appended = await call('appendEntry', { path: '/v1/ledger/entries', body: entryToJson(deal) })
    assert.deepEqual(appended.cosigners, [peer.node.identity.peerId])
    const cp = await call('getCheckpoint', { path: '/v1/ledger/checkpoint' })
    assert.equal(cp.size, appended.size)
    const entries = await call('listEntries', { path: '/v1/ledger/entries?start=0&limit=1' })
    assert.equal(entries.entries.length, 1)
    assert.equal(entries.next, 1)
    const proof = await call('inclusionProof', { path: `/v1/ledger/proofs/inclusion?id=api-deal&size=${cp.size as number}` })
    assert.equal(proof.leafIndex, appended.index)
    assert.equal((await call('inclusionProof', { path: '/v1/ledger/proofs/inclusion?index=0' })).leafIndex, 0)
    await call('consistencyProof', { path: `/v1/ledger/proofs/consistency?size1=1&size2=${cp.size as number}` })
    const agreements = await call('listAgreements', { path: '/v1/ledger/agreements' })
    assert.deepEqual(agreements.agreements.map((x: Json) => x.id).includes('api-deal'), true)
    assert.equal((await call('getAgreement', { path: '/v1/ledger/agreements/api-deal' })).state, 'active')

    const status = await call('getStatus', { path: '/v1/status' })
    assert.equal(status.peerId, provider.node.identity.peerId)
    assert.deepEqual([status.offers.own, status.orders.committed, status.orders.refused, status.ledger.size], [2, 1, 1, cp.size])
    assert.ok(status.peers.connected >= 1) // the peer, and customers still connected
    assert.ok(status.offers.known >= 3)

    await call('withdrawOffer', { path: `/v1/offers/${encodeURIComponent(draft.id as string)}` })
    assert.equal(stopRequests, 0)
    assert.deepEqual(await call('stopNode', { path: '/v1/stop' }), { status: 'stopping', pid: process.pid })
    await until(() => stopRequests === 1, 'the stop request')

    const all = Object.values(doc.paths as Json).flatMap(ops => Object.values(ops as Json).map(op => (op as Json).operationId as string))
    assert.deepEqual(all.filter(id => !seen.has(id)), [], 'operations never called successfully')
  })

  it('answers the documented error cases with a documented status, a valid error body and the code', async () => {
    // Two other providers using one offer id: the id alone is ambiguous, a provider picks one.
    const view = catalogView(provider.node.catalog)
    const [x, y] = [testIdentity(41), testIdentity(42)]
    const now = Date.now()
    for (const who of [x, y]) assert.equal(view.insert(verified(who, { id: 'shared-id', seq: now, issuedAt: now, expiresAt: now + 3_600_000 }, now), now).decision, 'store')
    await call('getOffer', { path: '/v1/offers/shared-id', status: 409, code: 'API_AMBIGUOUS' })
    assert.equal((await call('getOffer', { path: `/v1/offers/shared-id?provider=${x.peerId}` })).own, false)
    await call('getOffer', { path: '/v1/offers/nope', status: 404, code: 'API_NOT_FOUND' })
    await call('getOffer', { path: '/v1/offers/x?color=red', status: 400, code: 'API_BAD_REQUEST' })
    await call('withdrawOffer', { path: '/v1/offers/nope', status: 404, code: 'API_NOT_FOUND' })
    await call('publishOffer', { path: '/v1/offers', body: { id: 'bad', service: { type: 'nope' } }, status: 422 })
    await call('publishOffer', { path: '/v1/offers', body: [1], status: 400, code: 'OFFER_MALFORMED' })
    await call('search', { path: '/v1/search', body: { filter: { maxPrice: 'x' } }, status: 400, code: 'OFFER_BAD_FILTER' })
    await call('search', { path: '/v1/search', body: { cursor: 'not-a-cursor' }, status: 400, code: 'CATALOG_BAD_CURSOR' })
    await call('listOrders', { path: '/v1/orders?status=lost', status: 400, code: 'API_BAD_REQUEST' })
    await call('listOrders', { path: '/v1/orders?limit=0', status: 400, code: 'API_BAD_REQUEST' })
    await call('listOrders', { path: '/v1/orders?limit=1&limit=2', status: 400, code: 'API_BAD_REQUEST' })
    await call('getOrder', { path: '/v1/orders/nope', status: 404, code: 'API_NOT_FOUND' })
    await call('approveOrder', { path: '/v1/orders/nope/approve', status: 404, code: 'ORDER_STORE_UNKNOWN_ORDER' })
    await call('terminateOrder', { path: '/v1/orders/nope/terminate', body: {}, status: 404, code: 'ORDER_UNKNOWN_ORDER' })
    await call('terminateOrder', { path: '/v1/orders/nope/terminate', body: { notice: -1 }, status: 400, code: 'API_BAD_REQUEST' })
    const committedId = ((await api.call<{ orders: OrderJson[] }>('GET', '/v1/orders?status=committed')).orders[0] as OrderJson).id
    await call('terminateOrder', { path: `/v1/orders/${encodeURIComponent(committedId)}/terminate`, body: { notice: 2 }, status: 409, code: 'ORDER_ALREADY_TERMINATED' })
    await call('listEntries', { path: '/v1/ledger/entries?start=99999', status: 400, code: 'LOG_OUT_OF_RANGE' })
    await call('listEntries', { path: '/v1/ledger/entries?start=-1', status: 400, code: 'API_BAD_REQUEST' })
    await call('appendEntry', { path: '/v1/ledger/entries', body: { type: 'agreement', sigs: [] }, status: 400, code: 'LEDGER_MALFORMED_ENTRY' })
    await call('inclusionProof', { path: '/v1/ledger/proofs/inclusion', status: 400, code: 'API_BAD_REQUEST' })
    await call('inclusionProof', { path: '/v1/ledger/proofs/inclusion?id=nope', status: 404, code: 'LOG_NOT_FOUND' })
    await call('inclusionProof', { path: '/v1/ledger/proofs/inclusion?index=99999', status: 400, code: 'LOG_OUT_OF_RANGE' })
    await call('consistencyProof', { path: '/v1/ledger/proofs/consistency?size1=0', status: 400, code: 'LOG_OUT_OF_RANGE' })
    await call('getAgreement', { path: '/v1/ledger/agreements/nope', status: 404, code: 'API_NOT_FOUND' })
    token = 'wrong-token-of-enough-length'
    try {
      await call('getStatus', { path: '/v1/status', status: 401, code: 'API_UNAUTHORIZED' })
      await call('getHealth', { path: '/health' })
    } finally {
      token = await loadApiToken(provider.dir)
    }
  })
})
