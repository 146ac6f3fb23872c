import { strict as assert } from 'node:assert'
import { ledgerHandler } from '../../../src/ledger-protocol/handlers.js'
import type { LedgerLogView } from '../../../src/ledger-protocol/handlers.js'
import { decodeAnswer, encodeRequest } from '../../../src/ledger-protocol/codec.js'
import { isFulcrumError } from '../../../src/errors/index.js'

/** A log view of `size` leaves whose proofs are one fixed hash (the handler's checks come first). */
function logOf (size: number): LedgerLogView {
  const h = new Uint8Array(32)
  return {
    size,
    leaves: async (s, e) => Array.from({ length: e - s }, () => Uint8Array.of(1)),
    leaf: async () => Uint8Array.of(1),
    indexOfLeafHash: async () => undefined,
    indexOfDocument: async () => undefined,
    inclusionProof: async () => [h],
    consistencyProof: async () => [h]
  }
}

describe('ledger-protocol handlers', () => {
  const handler = ledgerHandler({ log: logOf(4), latestNote: () => '', cosign: async () => { throw new Error('unused') } })
  const ask = async (req: Parameters<typeof encodeRequest>[0]): Promise<Record<string, unknown>> =>
    decodeAnswer(await handler(encodeRequest(req), { peer: 'p', signal: new AbortController().signal, index: 0 }), ['proof'])

  it('refuses a consistency proof from size 0, as ledger-v1 §1 says', async () => {
    await assert.rejects(ask({ op: 'consistency', size1: 0, size2: 4 }), (e: unknown) => isFulcrumError(e, 'LEDGER_PROTO_REMOTE') && (e.cause as { code: string }).code === 'LEDGER_PROTO_OUT_OF_RANGE')
    await assert.rejects(ask({ op: 'consistency', size1: 0, size2: 0 }), (e: unknown) => isFulcrumError(e, 'LEDGER_PROTO_REMOTE'))
  })

  it('serves a consistency proof between two non-empty sizes', async () => {
    assert.equal((await ask({ op: 'consistency', size1: 2, size2: 4 })).proof instanceof Array, true)
  })
})
