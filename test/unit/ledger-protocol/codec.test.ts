import { strict as assert } from 'node:assert'
import { encodeCanonical } from '../../../src/encoding/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { decodeAnswer, decodeRequest, encodeError, encodeRequest } from '../../../src/ledger-protocol/index.js'
import type { LedgerRequest } from '../../../src/ledger-protocol/index.js'

const bad = (e: unknown): boolean => isFulcrumError(e, 'LEDGER_PROTO_BAD_MESSAGE')

describe('ledger-protocol: message codec', () => {
  it('round-trips every request type', () => {
    const reqs: LedgerRequest[] = [
      { op: 'checkpoint' },
      { op: 'entries', start: 3, end: 10 },
      { op: 'inclusion', size: 5, index: 2 },
      { op: 'inclusion', size: 5, leafHash: new Uint8Array(32).fill(1) },
      { op: 'inclusion', size: 5, id: 'deal-1' },
      { op: 'consistency', size1: 2, size2: 5 },
      { op: 'cosign', checkpoint: 'note', oldSize: 0, proof: [new Uint8Array(32)] }
    ]
    for (const r of reqs) assert.deepEqual(decodeRequest(encodeRequest(r)), r)
  })

  it('rejects unknown versions, ops and fields, wrong types and ambiguous selectors', () => {
    const cases: unknown[] = [
      { v: 2, op: 'checkpoint' },
      { v: 1, op: 'delete' },
      { v: 1, op: 'checkpoint', extra: 1 },
      { v: 1, op: 'entries', start: -1, end: 2 },
      { v: 1, op: 'entries', start: 0 },
      { v: 1, op: 'entries', start: 0, end: 2, size1: 1 },
      { v: 1, op: 'inclusion', size: 5 },
      { v: 1, op: 'inclusion', size: 5, index: 1, id: 'x' },
      { v: 1, op: 'inclusion', size: 5, leafHash: new Uint8Array(31) },
      { v: 1, op: 'cosign', checkpoint: 'n', oldSize: 0, proof: [new Uint8Array(33)] },
      'not a map'
    ]
    for (const c of cases) assert.throws(() => decodeRequest(encodeCanonical(c as never)), bad, JSON.stringify(c, (_k, v: unknown) => v instanceof Uint8Array ? `bytes(${v.length})` : v))
    assert.throws(() => decodeRequest(new Uint8Array([0xff])), bad)
  })

  it('turns error answers into coded errors, a conflict carrying the witness size', () => {
    assert.throws(() => decodeAnswer(encodeError({ code: 'LOG_NOT_FOUND', message: 'no' }), []),
      (e: unknown) => isFulcrumError(e, 'LEDGER_PROTO_REMOTE') && (e.cause as { code: string }).code === 'LOG_NOT_FOUND')
    assert.throws(() => decodeAnswer(encodeError({ code: 'LEDGER_PROTO_CONFLICT', message: 'seen 7', size: 7 }), []),
      (e: unknown) => isFulcrumError(e, 'LEDGER_PROTO_CONFLICT') && (e.cause as { size: number }).size === 7)
  })
})
