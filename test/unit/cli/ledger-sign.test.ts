import { strict as assert } from 'node:assert'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadIdentity } from '../../../src/datadir/index.js'
import { cli } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

describe('fulcrum ledger sign: parties sign an entry in turn, then append it', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let a: string
  let b: string
  let outsider: string
  let draft: string
  before(async () => {
    dir = await tempDir()
    ;[a, b, outsider] = ['a', 'b', 'c'].map(n => join(dir.path, n)) as [string, string, string]
    for (const d of [a, b, outsider]) assert.equal((await cli(['init', '--data-dir', d])).code, 0)
    const parties = (await Promise.all([a, b].map(loadIdentity))).map(i => i.peerId).sort()
    draft = join(dir.path, 'draft.json')
    await writeFile(draft, JSON.stringify({
      type: 'agreement',
      body: { id: 'deal-42', parties, createdAt: 1_790_000_000_000, terms: { offer: 'x/y', quantity: 2, price: '389', currency: 'EUR' } }
    }))
  })
  after(async () => { await dir.cleanup() })

  it('collects one signature per party, refuses an incomplete entry, then appends to both ledgers', async () => {
    const half = join(dir.path, 'half.json')
    const first = await cli(['ledger', 'sign', draft, '--data-dir', a, '--out', half])
    assert.equal(first.code, 0, first.err)
    assert.match(first.err, /1 of 2 signatures: 1 party still to sign/)
    const incomplete = await cli(['ledger', 'append', half, '--data-dir', a])
    assert.equal(incomplete.code, 1)
    assert.match(incomplete.err, /LEDGER_MALFORMED_ENTRY: sigs\[\d\]: party \d has not signed yet/)

    const full = join(dir.path, 'full.json')
    const second = await cli(['ledger', 'sign', half, '--data-dir', b, '--out', full])
    assert.equal(second.code, 0, second.err)
    assert.match(second.err, /2 of 2 signatures: ready for `fulcrum ledger append`/)
    for (const d of [a, b]) {
      const r = await cli(['ledger', 'append', full, '--data-dir', d, '--json'])
      assert.equal(r.code, 0, r.err)
      assert.equal((JSON.parse(r.out) as { index: number }).index, 0)
    }
  })

  it('refuses a signer that is not a party, and a body changed after someone signed it', async () => {
    const notParty = await cli(['ledger', 'sign', draft, '--data-dir', outsider])
    assert.equal(notParty.code, 1)
    assert.match(notParty.err, /LEDGER_MALFORMED_ENTRY: body\.parties: .* is not a party/)

    const half = join(dir.path, 'tampered.json')
    assert.equal((await cli(['ledger', 'sign', draft, '--data-dir', a, '--out', half])).code, 0)
    const entry = JSON.parse(await readFile(half, 'utf8')) as { body: { terms: { price: string } } }
    entry.body.terms.price = '1'
    await writeFile(half, JSON.stringify(entry))
    const tampered = await cli(['ledger', 'sign', half, '--data-dir', b])
    assert.equal(tampered.code, 1)
    assert.match(tampered.err, /LEDGER_BAD_ENTRY_SIGNATURE: sigs\[\d\]/)
  })

  it('reports a malformed body with its path, and a missing file as an I/O error', async () => {
    const bad = join(dir.path, 'bad.json')
    await writeFile(bad, JSON.stringify({ type: 'agreement', body: { id: 'x', parties: ['nobody'], createdAt: 1 } }))
    const r = await cli(['ledger', 'sign', bad, '--data-dir', a])
    assert.equal(r.code, 1)
    assert.match(r.err, /LEDGER_MALFORMED_ENTRY/)
    assert.equal((await cli(['ledger', 'sign', join(dir.path, 'missing.json'), '--data-dir', a])).code, 2)
  })
})
