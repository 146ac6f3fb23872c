import { strict as assert } from 'node:assert'
import { ExitCode, errorKind, exitCode, httpStatus } from '../../../src/errors/index.js'
import { ApiError } from '../../../src/api/index.js'
import { OfferError } from '../../../src/offers/index.js'
import { LedgerError } from '../../../src/ledger/index.js'
import { LogError } from '../../../src/log/errors.js'
import { CatalogError } from '../../../src/catalog/errors.js'
import { AuditError } from '../../../src/audit/index.js'
import { DataDirError } from '../../../src/datadir/index.js'
import { NetworkError } from '../../../src/network/errors.js'
import { LedgerProtocolError } from '../../../src/ledger-protocol/errors.js'
import { EncodingError } from '../../../src/encoding/index.js'
import { IdentityError } from '../../../src/identity/index.js'

describe('errors: one table from code to HTTP status and exit code', () => {
  it('gives not found 404, conflict 409, malformed 400, invalid 422, busy 503, too large 413', () => {
    assert.equal(httpStatus(LogError.NOT_FOUND), 404)
    assert.equal(httpStatus(ApiError.NOT_FOUND), 404)
    assert.equal(httpStatus(LogError.DUPLICATE_ID), 409)
    assert.equal(httpStatus(LedgerError.MALFORMED_ENTRY), 400)
    assert.equal(httpStatus(OfferError.BAD_FILTER), 400)
    assert.equal(httpStatus(OfferError.BAD_SIGNATURE), 422)
    assert.equal(httpStatus(LedgerError.BAD_ENTRY_SIGNATURE), 422)
    assert.equal(httpStatus(DataDirError.LOCKED), 503)
    assert.equal(httpStatus(ApiError.BODY_TOO_LARGE), 413)
    assert.equal(httpStatus(ApiError.UNSUPPORTED_MEDIA_TYPE), 415)
    assert.equal(httpStatus(LogError.CORRUPT), 503)
  })

  it('gives the CLI exit codes: invalid content 1, usage and environment 2', () => {
    assert.equal(exitCode(OfferError.BAD_SIGNATURE), ExitCode.INVALID)
    assert.equal(exitCode(OfferError.BAD_FILTER), ExitCode.ERROR)
    assert.equal(exitCode('CONFIG_INVALID'), ExitCode.INVALID)
    assert.equal(exitCode(DataDirError.LOCKED), ExitCode.ERROR)
    assert.equal(exitCode('CLI_USAGE'), ExitCode.ERROR)
  })

  it('falls back to the module of an unlisted code, and to internal for an unknown module', () => {
    assert.equal(errorKind('OFFER_SOMETHING_NEW'), 'invalid')
    assert.equal(errorKind('LEDGER_PROTO_SOMETHING_NEW'), 'peer')
    assert.equal(errorKind('ORDER_HOLD_EXPIRED'), 'invalid')
    assert.equal(errorKind('NOPE'), 'internal')
  })

  it('answers 500 only for failures of the node itself, never for a code that input can cause', () => {
    const tables = [ApiError, OfferError, LedgerError, LogError, CatalogError, AuditError, DataDirError, NetworkError, LedgerProtocolError, EncodingError, IdentityError]
    const internal = Object.values(tables).flatMap(t => Object.values(t)).filter(c => httpStatus(c) === 500)
    assert.deepEqual(internal.sort(), [ApiError.INTERNAL, CatalogError.IO, LogError.IO, LogError.READ_ONLY].sort())
  })
})
