import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { cli } from '../../helpers/cli.js'

const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string }
const draft = fileURLToPath(new URL('../../../config/examples/milan-vm.json', import.meta.url))

describe('fulcrum command line', () => {
  it('prints its version', async () => {
    assert.deepEqual(await cli(['--version']), { code: 0, out: `fulcrum ${pkg.version}`, err: '' })
  })

  it('lists the subcommands of a group named alone, with CLI_USAGE and exit 2', async () => {
    const r = await cli(['ledger'])
    assert.equal(r.code, 2)
    assert.match(r.err, /^fulcrum: CLI_USAGE: 'ledger' needs a subcommand/)
    assert.match(r.err, /ledger export/)
    assert.doesNotMatch(r.err, /offer sign/)
  })

  it('names an unknown command without its flags', async () => {
    const r = await cli(['offer', 'lst', '--data-dir', 'x'])
    assert.equal(r.code, 2)
    assert.match(r.err, /unknown command 'offer lst'\n/)
  })

  it('reports an unknown flag with the code first and without node:util advice', async () => {
    const r = await cli(['id', '--verbose'])
    assert.equal(r.code, 2)
    assert.equal(r.err.split('\n')[0], "fulcrum id: CLI_USAGE: Unknown option '--verbose'")
  })

  it('says that an unsigned draft is a draft when asked to verify it (exit 1, OFFER_UNSIGNED)', async () => {
    const r = await cli(['offer', 'verify', draft, '--json'])
    assert.equal(r.code, 1)
    assert.equal((JSON.parse(r.out) as { error: { code: string } }).error.code, 'OFFER_UNSIGNED')
  })

  it('treats a malformed search filter as a usage error (exit 2)', async () => {
    const r = await cli(['search', '--peer', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB', '--max-price', '1'])
    assert.equal(r.code, 2)
    assert.match(r.err, /OFFER_BAD_FILTER: --currency: /)
  })

  it('says a data dir was never initialised when a daemon command is pointed at it', async () => {
    const r = await cli(['offer', 'list', '--data-dir', '/nonexistent/fulcrum'])
    assert.equal(r.code, 2)
    assert.match(r.err, /DATADIR_NOT_INITIALISED/)
  })
})
