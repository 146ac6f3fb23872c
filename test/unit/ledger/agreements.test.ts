import { strict as assert } from 'node:assert'
import { agreementViews, encodeEntry, LedgerError } from '../../../src/ledger/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { signedEntry, testBody, testIdentity } from './fixtures.js'

describe('ledger: agreement views', () => {
  const a = testIdentity(1)
  const b = testIdentity(2)
  const terms = {
    order: 'ord-1',
    items: [{ name: 'app', offer: { provider: a.peerId, id: 'vm', seq: 3 }, quantity: 2, price: { amount: '0.04', currency: 'EUR', unit: 'hour' } }],
    term: { months: 1 }
  }
  const agreement = signedEntry('agreement', testBody('ord-1', [a, b], { terms }), [a, b])
  const termination = (effectiveAt?: number): ReturnType<typeof signedEntry> => signedEntry('termination', {
    id: 'ord-1.end', agreement: 'ord-1', parties: agreement.body.parties, createdAt: 1_790_000_100_000, reason: 'moving',
    ...(effectiveAt === undefined ? {} : { effectiveAt })
  }, [a, b])

  it('shows an agreement with its items, term, and active state', () => {
    const [v] = agreementViews([{ index: 0, entry: agreement }], 0)
    assert.equal(v?.state, 'active')
    assert.deepEqual(v?.items, [{ name: 'app', provider: a.peerId, offer: { provider: a.peerId, id: 'vm', seq: 3 }, quantity: 2, price: { amount: '0.04', currency: 'EUR', unit: 'hour' } }])
    assert.deepEqual(v?.term, { months: 1 })
  })

  it('is terminating during the notice period and terminated after it', () => {
    const t = termination(1_790_000_200_000)
    const entries = [{ index: 0, entry: agreement }, { index: 1, entry: t }]
    assert.equal(agreementViews(entries, 1_790_000_150_000)[0]?.state, 'terminating')
    assert.equal(agreementViews(entries, 1_790_000_200_000)[0]?.state, 'terminated')
    assert.equal(agreementViews([{ index: 0, entry: agreement }, { index: 1, entry: termination() }], 1_790_000_100_000)[0]?.endsAt, 1_790_000_100_000)
  })

  it('encodes a termination with a notice period, and refuses one effective before it was signed', () => {
    assert.ok(encodeEntry(termination(1_790_000_200_000)).length > 0)
    assert.throws(() => encodeEntry(termination(1)), e => isFulcrumError(e, LedgerError.MALFORMED_ENTRY) && e.path === 'body.effectiveAt')
  })
})
