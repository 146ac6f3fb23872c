import { strict as assert } from 'node:assert'
import { ApiServer, ApiClient, ApiError, MAX_BODY_BYTES } from '../../../src/api/index.js'
import type { ApiBackend } from '../../../src/api/index.js'
import { FulcrumError, isFulcrumError } from '../../../src/errors/index.js'
import { OfferError } from '../../../src/offers/index.js'
import { silentLogger } from '../../../src/logging/index.js'

const TOKEN = 'secret-token-of-some-length'
const record = { v: 1 as const, kind: 'offer' as const, body: { id: 'x' }, signature: 'sig' }

const backend: ApiBackend = {
  publish: async (body) => {
    if ((body as { bad?: boolean }).bad === true) throw new FulcrumError(OfferError.BAD_DECIMAL, 'bad price', { path: 'price.amount' })
    return { decision: 'store', record }
  },
  withdraw: async (id) => id === 'x' ? { decision: 'store', record } : undefined,
  ownOffers: async () => [record],
  search: async (filter, limit) => ({ records: [record], ...(limit === 1 ? { nextCursor: 'c' } : {}), ...(filter.type === 'boom' ? (() => { throw new Error('boom') })() : {}) }),
  peers: async () => [{ peerId: 'p', addresses: ['/ip4/127.0.0.1/tcp/1'] }],
  appendEntry: async (body) => {
    if ((body as { type?: unknown }).type !== 'agreement') throw new FulcrumError('LEDGER_MALFORMED_ENTRY', 'not an entry', { path: 'type' })
    return { index: 0, leafHash: 'AA==', existing: false, size: 1, cosigners: [] }
  },
  orders: async () => ({ orders: [] }),
  order: async () => undefined,
  decideOrder: async (id) => { throw new FulcrumError('ORDER_STORE_UNKNOWN_ORDER', `no order ${id}`) },
  terminateOrder: async (id, options) => {
    if (id !== 'ord-known') throw new FulcrumError('ORDER_UNKNOWN_ORDER', `no order ${id}`)
    return { id: 'term-x', agreement: id, initiator: 'p', createdAt: 0, effectiveAt: (options.notice ?? 0) * 86_400_000, reason: options.reason ?? '', complete: false, signedBy: ['p'], waitingFor: [], refusals: [] }
  },
  offer: async (id) => id === 'x' ? { record, own: true } : undefined,
  status: async () => { throw new Error('not used') },
  requestStop: () => ({ pid: 1 }),
  checkpoint: async () => ({ origin: 'o', size: 0, root: 'AA==', checkpoint: 'c' }),
  entries: async () => ({ size: 0, entries: [] }),
  inclusionProof: async () => { throw new FulcrumError('LOG_OUT_OF_RANGE', 'empty') },
  consistencyProof: async () => { throw new FulcrumError('LOG_OUT_OF_RANGE', 'empty') },
  agreements: async () => ({ agreements: [] }),
  agreement: async () => undefined
}

describe('api: local control API', () => {
  let server: ApiServer
  let url: string
  let client: ApiClient
  before(async () => {
    server = new ApiServer(backend, TOKEN, silentLogger)
    url = await server.start(0)
    client = new ApiClient(url, TOKEN)
  })
  after(async () => { await server.stop() })

  const raw = async (method: string, path: string, init: { token?: string, body?: string, type?: string } = {}): Promise<{ status: number, code?: string }> => {
    const headers = { authorization: `Bearer ${init.token ?? TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': init.type ?? 'application/json' }) }
    const res = await fetch(`${url}${path}`, { method, headers, ...(init.body === undefined ? {} : { body: init.body }) })
    const json = await res.json() as { error?: { code: string } }
    return { status: res.status, ...(json.error === undefined ? {} : { code: json.error.code }) }
  }

  it('listens on 127.0.0.1 only', () => { assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/) })

  it('appends ledger entries and answers a malformed one with its code and path', async () => {
    assert.deepEqual(await client.call('POST', '/v1/ledger/entries', { type: 'agreement', body: {}, sigs: [] }), { index: 0, leafHash: 'AA==', existing: false, size: 1, cosigners: [] })
    await assert.rejects(client.call('POST', '/v1/ledger/entries', { type: 'bogus', body: {}, sigs: [] }), (e: unknown) => isFulcrumError(e, 'LEDGER_MALFORMED_ENTRY') && e.path === 'type')
    // The route's schema: a missing field is the entry's code, naming the field, before the backend sees it.
    await assert.rejects(client.call('POST', '/v1/ledger/entries', { type: 'agreement', sigs: [] }), (e: unknown) => isFulcrumError(e, 'LEDGER_MALFORMED_ENTRY') && e.path === 'body')
  })

  it('serves health, peers, own offers, publish, withdraw and search', async () => {
    assert.deepEqual(await client.call('GET', '/v1/ledger/checkpoint'), { origin: 'o', size: 0, root: 'AA==', checkpoint: 'c' })
    assert.deepEqual(await client.call('GET', '/v1/peers'), { peers: [{ peerId: 'p', addresses: ['/ip4/127.0.0.1/tcp/1'] }] })
    assert.deepEqual(await client.call('GET', '/v1/offers'), { offers: [record] })
    assert.deepEqual(await client.call('POST', '/v1/offers', { id: 'x' }), { decision: 'store', record })
    assert.deepEqual(await client.call('DELETE', '/v1/offers/x'), { decision: 'store', record })
    assert.deepEqual(await client.call('POST', '/v1/search', { filter: {}, limit: 1 }), { records: [record], nextCursor: 'c' })
  })

  it('terminates an order: notice and reason pass through; unknown order 404, a bad body 400', async () => {
    const view = { id: 'term-x', agreement: 'ord-known', initiator: 'p', createdAt: 0, complete: false, signedBy: ['p'], waitingFor: [], refusals: [] }
    assert.deepEqual(await client.call('POST', '/v1/orders/ord-known/terminate', { notice: 30, reason: 'moving' }), { ...view, effectiveAt: 30 * 86_400_000, reason: 'moving' })
    assert.deepEqual(await client.call('POST', '/v1/orders/ord-known/terminate', {}), { ...view, effectiveAt: 0, reason: '' })
    assert.deepEqual(await raw('POST', '/v1/orders/ord-nope/terminate', { body: '{}' }), { status: 404, code: 'ORDER_UNKNOWN_ORDER' })
    assert.deepEqual(await raw('POST', '/v1/orders/ord-known/terminate', { body: '{"notice":-1}' }), { status: 400, code: ApiError.BAD_REQUEST })
    assert.deepEqual(await raw('POST', '/v1/orders/ord-known/terminate', { body: '{"notice":"30"}' }), { status: 400, code: ApiError.BAD_REQUEST })
    assert.deepEqual(await raw('POST', '/v1/orders/ord-known/terminate', { body: '{"days":30}' }), { status: 400, code: ApiError.BAD_REQUEST })
    assert.deepEqual(await raw('GET', '/v1/orders/ord-known/terminate'), { status: 405, code: ApiError.METHOD_NOT_ALLOWED })
  })

  it('refuses a missing or wrong token with 401 API_UNAUTHORIZED, on known and unknown paths alike', async () => {
    for (const path of ['/v1/ledger/checkpoint', '/v1/offers', '/v1/nope', '/nope']) {
      assert.deepEqual(await raw('GET', path, { token: 'wrong' }), { status: 401, code: ApiError.UNAUTHORIZED }, path)
      assert.deepEqual(await raw('GET', path, { token: '' }), { status: 401, code: ApiError.UNAUTHORIZED }, path)
    }
    assert.deepEqual(await raw('POST', '/v1/stop', { token: 'wrong' }), { status: 401, code: ApiError.UNAUTHORIZED })
  })

  it('answers /health and the OpenAPI document without a token, and /health tells nothing but liveness', async () => {
    const health = await fetch(`${url}/health`)
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok' })
    const doc = await fetch(`${url}/v1/openapi.json`)
    assert.equal(doc.status, 200)
    assert.equal((await doc.json() as { openapi: string }).openapi, '3.1.0')
    assert.deepEqual(await raw('POST', '/health', { token: 'wrong' }), { status: 401, code: ApiError.UNAUTHORIZED })
    assert.deepEqual(await raw('POST', '/health'), { status: 405, code: ApiError.METHOD_NOT_ALLOWED })
  })

  it('answers unknown routes 404, wrong methods 405, bad JSON 400 and large bodies 413 with codes', async () => {
    assert.deepEqual(await raw('GET', '/v1/nope'), { status: 404, code: ApiError.NOT_FOUND })
    assert.deepEqual(await raw('PUT', '/v1/offers'), { status: 405, code: ApiError.METHOD_NOT_ALLOWED })
    assert.deepEqual(await raw('POST', '/v1/offers', { body: '{nope' }), { status: 400, code: ApiError.BAD_REQUEST })
    assert.deepEqual(await raw('POST', '/v1/offers', { body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }) }), { status: 413, code: ApiError.BODY_TOO_LARGE })
  })

  it('refuses a body that is not application/json with 415 API_UNSUPPORTED_MEDIA_TYPE, on every route', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      assert.deepEqual(await raw('POST', '/v1/offers', { body: '{"id":"x"}', type }), { status: 415, code: ApiError.UNSUPPORTED_MEDIA_TYPE }, type)
      assert.deepEqual(await raw('POST', '/v1/search', { body: '{}', type }), { status: 415, code: ApiError.UNSUPPORTED_MEDIA_TYPE }, type)
    }
    assert.deepEqual(await raw('DELETE', '/v1/offers/x', { body: 'x', type: 'text/plain' }), { status: 415, code: ApiError.UNSUPPORTED_MEDIA_TYPE })
    assert.deepEqual(await raw('POST', '/v1/search', { body: '{}', type: 'application/json; charset=utf-8' }), { status: 200 })
  })

  it('refuses to start with an empty, blank or short token (API_BAD_TOKEN)', () => {
    for (const token of ['', '   ', '\n', 'short']) {
      assert.throws(() => new ApiServer(backend, token, silentLogger), (e: unknown) => isFulcrumError(e, ApiError.BAD_TOKEN), JSON.stringify(token))
    }
  })

  it('answers a malformed search body or path segment 400 with a code, never 500', async () => {
    assert.deepEqual(await raw('POST', '/v1/search', { body: '{"filter":"x"}' }), { status: 400, code: OfferError.BAD_FILTER })
    assert.deepEqual(await raw('POST', '/v1/search', { body: '{"filter":{"maxPrice":null}}' }), { status: 400, code: OfferError.BAD_FILTER })
    assert.deepEqual(await raw('POST', '/v1/search', { body: '{"limit":"x"}' }), { status: 400, code: ApiError.BAD_REQUEST })
    assert.deepEqual(await raw('POST', '/v1/search', { body: '[]' }), { status: 400, code: ApiError.BAD_REQUEST })
    assert.deepEqual(await raw('DELETE', '/v1/offers/%E0%A4%A'), { status: 400, code: ApiError.BAD_REQUEST })
  })

  it('passes the code of a domain error (422) and its path through to the client', async () => {
    await assert.rejects(client.call('POST', '/v1/offers', { bad: true }), (e: unknown) => isFulcrumError(e, OfferError.BAD_DECIMAL) && e.path === 'price.amount')
    await assert.rejects(client.call('DELETE', '/v1/offers/y'), (e: unknown) => isFulcrumError(e, ApiError.NOT_FOUND))
  })

  it('hides unexpected failures behind 500 API_INTERNAL', async () => {
    assert.deepEqual(await raw('POST', '/v1/search', { body: JSON.stringify({ filter: { type: 'boom' } }) }), { status: 500, code: ApiError.INTERNAL })
  })

  it('reports an unreachable daemon as API_UNREACHABLE', async () => {
    await assert.rejects(new ApiClient('http://127.0.0.1:9', TOKEN).call('GET', '/v1/status'), (e: unknown) => isFulcrumError(e, ApiError.UNREACHABLE))
  })
})
