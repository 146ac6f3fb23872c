import { strict as assert } from 'node:assert'
import { FulcrumError, isFulcrumError } from '../../../src/errors/index.js'
import { LogError } from '../../../src/log/index.js'
import { ledgerHandler, wireError } from '../../../src/ledger-protocol/handlers.js'
import type { LedgerLogView } from '../../../src/ledger-protocol/handlers.js'
import { decodeAnswer, encodeRequest } from '../../../src/ledger-protocol/codec.js'
import type { LedgerRequest } from '../../../src/ledger-protocol/codec.js'
import { LedgerProtocolError } from '../../../src/ledger-protocol/errors.js'

/** A log of `size` entries whose reads fail with `fail` (a storage failure) when given. */
function fakeLog (size: number, fail?: string): LedgerLogView {
  const read = async <T>(value: T): Promise<T> => { if (fail !== undefined) throw new FulcrumError(fail, 'level: IO error: /secret/path/ledger/000123.ldb'); return value }
  return {
    size,
    leaves: async (start, end) => await read(Array.from({ length: end - start }, () => new Uint8Array([1]))),
    leaf: async () => await read(new Uint8Array([1])),
    indexOfLeafHash: async () => await read(undefined),
    indexOfDocument: async () => await read(undefined),
    inclusionProof: async () => await read([]),
    consistencyProof: async () => await read([])
  }
}

/** The code a peer sees for `req` against `log`. */
async function remoteCode (log: LedgerLogView, req: LedgerRequest): Promise<string> {
  const handler = ledgerHandler({ log, latestNote: () => '', cosign: async () => { throw new Error('unused') } })
  const answer = await handler(encodeRequest(req), { peer: 'p', signal: new AbortController().signal, index: 0 })
  try {
    decodeAnswer(answer, ['leaves', 'index', 'leaf', 'proof'])
  } catch (err) {
    assert.ok(isFulcrumError(err, LedgerProtocolError.REMOTE))
    return (err.cause as { code: string }).code
  }
  return 'none'
}

describe('ledger-protocol: error codes on the wire', () => {
  it('answers a range outside the log with LEDGER_PROTO_OUT_OF_RANGE, never LOG_OUT_OF_RANGE', async () => {
    assert.equal(await remoteCode(fakeLog(3), { op: 'entries', start: 5, end: 9 }), LedgerProtocolError.OUT_OF_RANGE)
    assert.equal(await remoteCode(fakeLog(3), { op: 'inclusion', size: 9, index: 0 }), LedgerProtocolError.OUT_OF_RANGE)
  })

  it('answers an unknown entry with LEDGER_PROTO_NOT_FOUND', async () => {
    assert.equal(await remoteCode(fakeLog(3), { op: 'inclusion', size: 3, id: 'nope' }), LedgerProtocolError.NOT_FOUND)
  })

  it('answers a store failure with LEDGER_PROTO_UNAVAILABLE and none of its local details', async () => {
    for (const code of [LogError.IO, LogError.CLOSED, LogError.CORRUPT]) {
      const handler = ledgerHandler({ log: fakeLog(3, code), latestNote: () => '', cosign: async () => { throw new Error('unused') } })
      const answer = await handler(encodeRequest({ op: 'entries', start: 0, end: 2 }), { peer: 'p', signal: new AbortController().signal, index: 0 })
      assert.ok(!new TextDecoder().decode(answer).includes('secret'), 'no local path on the wire')
      assert.equal(await remoteCode(fakeLog(3, code), { op: 'entries', start: 0, end: 2 }), LedgerProtocolError.UNAVAILABLE)
    }
  })

  it('maps every code: LEDGER_* kept, LOG_* renamed or hidden', () => {
    assert.equal(wireError(new FulcrumError('LEDGER_BAD_SIGNATURE', 'x')).code, 'LEDGER_BAD_SIGNATURE')
    assert.equal(wireError(new FulcrumError(LedgerProtocolError.CONFLICT, 'x')).code, LedgerProtocolError.CONFLICT)
    assert.equal(wireError(new FulcrumError(LogError.OUT_OF_RANGE, 'x')).code, LedgerProtocolError.OUT_OF_RANGE)
    assert.equal(wireError(new FulcrumError(LogError.NOT_FOUND, 'x')).code, LedgerProtocolError.NOT_FOUND)
    for (const code of Object.values(LogError).filter(c => c !== LogError.OUT_OF_RANGE && c !== LogError.NOT_FOUND)) {
      assert.equal(wireError(new FulcrumError(code, 'x')).code, LedgerProtocolError.UNAVAILABLE)
    }
  })
})
