import { strict as assert } from 'node:assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cli } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'
import { commands } from '../../../src/cli/commands/index.js'
import { MAX_TABLE_WIDTH, formatTime, peerCell, renderTable } from '../../../src/cli/table.js'

/** A peer that is never dialled: the filter is checked before any network use. */
const PEER = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB'
const ID = '12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB'

describe('cli polish: one set of rules for every command', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  before(async () => { tmp = await tempDir() })
  after(async () => { await tmp.cleanup() })

  it('`fulcrum` alone prints the help on stderr and exits 2; `--help` on a group lists its commands and exits 0', async () => {
    const bare = await cli([])
    assert.equal(bare.code, 2)
    assert.match(bare.err, /^usage: fulcrum <command>/)
    assert.match(bare.err, /offer sign/)
    for (const group of ['offer', 'ledger', 'audit', 'order', 'config']) {
      const help = await cli([group, '--help'])
      assert.equal(help.code, 0, group)
      assert.match(help.out, new RegExp(`^  ${group} \\S+`, 'm'))
      assert.doesNotMatch(help.out, group === 'offer' ? /ledger export/ : /offer sign/)
    }
    assert.equal((await cli(['ledger', '-h'])).code, 0)
  })

  it('accepts --json on every command, and --help on every command exits 0', async () => {
    for (const name of Object.keys(commands)) {
      const r = await cli([...name.split(' '), '--json', '--help'])
      assert.equal(r.code, 0, name)
      assert.match(r.out, new RegExp(`^usage: fulcrum ${name} `), name)
    }
  })

  it('repeats the bad value, lists the allowed ones and names the flag: service types', async () => {
    const r = await cli(['search', '--peer', PEER, '--type', 'compute.vmm'])
    assert.equal(r.code, 2)
    assert.match(r.err, /^fulcrum search: OFFER_BAD_FILTER: --type: unknown service type 'compute\.vmm' \(known: compute\.vm, .*db\.postgresql/)
    assert.doesNotMatch(r.err, /filter\./)
  })

  it('repeats a bad country and shows countries in upper case, suggesting the upper-case form', async () => {
    const lower = await cli(['search', '--peer', PEER, '--country', 'it'])
    assert.equal(lower.code, 2)
    assert.match(lower.err, /OFFER_BAD_FILTER: --country: 'it' is neither an ISO 3166-1 alpha-2 country code in upper case \(IT, DE, FR, \.\.\.\) nor EU \(did you mean 'IT'\?/)
    const unknown = await cli(['search', '--peer', PEER, '--jurisdiction', 'XX'])
    assert.match(unknown.err, /OFFER_BAD_FILTER: --jurisdiction: 'XX' is neither/)
    const currency = await cli(['search', '--peer', PEER, '--max-price', '1', '--currency', 'eur'])
    assert.match(currency.err, /OFFER_BAD_FILTER: --currency: 'eur' is not an ISO 4217 currency code in upper case, e\.g\. EUR.*did you mean 'EUR'/)
    const unit = await cli(['search', '--peer', PEER, '--max-price', '1', '--currency', 'EUR', '--price-unit', 'fortnight'])
    assert.match(unit.err, /OFFER_BAD_FILTER: --price-unit: unknown billing unit 'fortnight' \(known: hour, month/)
    const cert = await cli(['search', '--peer', PEER, '--cert', 'iso-9002'])
    assert.match(cert.err, /OFFER_BAD_FILTER: --cert: unknown certification 'iso-9002' \(known: iso-27001/)
  })

  it('repeats the bad value of numeric and enumerated flags', async () => {
    assert.match((await cli(['search', '--peer', PEER, '--min-vcpu', 'four'])).err, /CLI_USAGE: --min-vcpu must be an unsigned integer, got 'four'/)
    assert.match((await cli(['search', '--peer', PEER, '--min-spec', 'gpu'])).err, /CLI_USAGE: --min-spec must be KEY=N .* got 'gpu'/)
    assert.match((await cli(['start', '--data-dir', tmp.path, '--log-level', 'loud'])).err, /CLI_USAGE: --log-level must be one of debug, info, warn, error, got 'loud'/)
    assert.match((await cli(['start', '--data-dir', tmp.path, '--api-port', '99999'])).err, /CLI_USAGE: --api-port must be a port number .* got '99999'/)
    assert.match((await cli(['offer', 'verify', 'x.json', '--at', 'yesterday'])).err, /CLI_USAGE: --at must be an ISO 8601 time .* got 'yesterday'/)
  })

  it('maps malformed JSON to INPUT_BAD_JSON and exit 2 in every command that reads a JSON file', async () => {
    const broken = join(tmp.path, 'broken.json')
    await writeFile(broken, '{ "id": ')
    const data = join(tmp.path, 'dd')
    assert.equal((await cli(['init', '--data-dir', data])).code, 0)
    const runs = [
      ['offer', 'sign', broken, '--data-dir', data],
      ['offer', 'verify', broken],
      ['ledger', 'sign', broken, '--data-dir', data],
      ['ledger', 'append', broken, '--data-dir', data],
      ['audit', 'bundle', broken],
      ['audit', 'evidence', broken],
      ['order', 'plan', broken, '--peer', PEER],
      ['order', 'place', broken, '--data-dir', data, '--peer', PEER]
    ]
    for (const argv of runs) {
      const r = await cli(argv)
      assert.equal(r.code, 2, argv.join(' '))
      assert.match(r.err, /: INPUT_BAD_JSON: /, argv.join(' '))
    }
  })

  it('gives every error a code: a missing directory or an existing file is CLI_IO, never a raw ENOENT or EEXIST', async () => {
    const data = join(tmp.path, 'io')
    assert.equal((await cli(['init', '--data-dir', data])).code, 0)
    const draft = new URL('../../../config/examples/milan-vm.json', import.meta.url).pathname
    const r = await cli(['offer', 'sign', draft, '--data-dir', data, '--out', join(tmp.path, 'no', 'such', 'dir', 'offer.json')])
    assert.equal(r.code, 2)
    assert.match(r.err, /^fulcrum offer sign: CLI_IO: .*no such file or directory \[ENOENT\]$/m)
    const again = await cli(['init', '--data-dir', data])
    assert.equal(again.code, 2)
    assert.match(again.err, /^fulcrum init: [A-Z]+_[A-Z_]+: /)
    assert.doesNotMatch(again.err, /^fulcrum init: E[A-Z]+:/m)
  })

  it('prints tables with a header, within 100 columns, shortened peer ids unless --wide, times as ISO 8601 UTC', () => {
    const rows = [[peerCell(ID), 'x'.repeat(150), formatTime(Date.UTC(2026, 11, 2, 10, 0, 0, 123))]]
    const [head, row] = renderTable(['PEER', 'DESCRIPTION', 'TIME'], rows)
    assert.match(head ?? '', /^PEER +DESCRIPTION +TIME$/)
    assert.ok((row ?? '').length <= MAX_TABLE_WIDTH)
    assert.match(row ?? '', /^12D3KooW…dBfeSB +x+… +2026-12-02T10:00:00Z$/)
    const [, wide] = renderTable(['PEER', 'DESCRIPTION', 'TIME'], [[peerCell(ID, true), 'x'.repeat(150), 'now']], true)
    assert.ok((wide ?? '').startsWith(ID))
    assert.ok((wide ?? '').includes('x'.repeat(150)))
    // Only the flexible columns give way: an id that scripts look rows up by stays whole.
    const id = `ord-${'a'.repeat(60)}`
    const [, kept] = renderTable(['ORDER', 'ITEMS'], [[id, 'y'.repeat(80)]], false, [1])
    assert.ok((kept ?? '').startsWith(`${id}  y`))
    assert.ok((kept ?? '').length <= MAX_TABLE_WIDTH)
  })
})
