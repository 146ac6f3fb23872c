import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runBin } from '../helpers/bin.js'
import { tempDir } from '../helpers/tmp.js'

const example = fileURLToPath(new URL('../../config/examples/paris-postgresql.json', import.meta.url))

describe('the fulcrum executable (e2e)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir() })
  after(async () => { await dir.cleanup() })

  it('initialises a data dir, signs an example offer and verifies it, with exit codes 0, 1 and 2', async () => {
    const dataDir = join(dir.path, 'provider')
    const init = await runBin(['init', '--data-dir', dataDir])
    assert.equal(init.code, 0, init.stderr)
    const id = JSON.parse((await runBin(['id', '--data-dir', dataDir, '--json'])).stdout) as { peerId: string }
    const signedPath = join(dir.path, 'offer.json')
    assert.equal((await runBin(['offer', 'sign', example, '--data-dir', dataDir, '--out', signedPath])).code, 0)
    const ok = await runBin(['offer', 'verify', signedPath, '--json'])
    assert.equal(ok.code, 0)
    assert.equal((JSON.parse(ok.stdout) as { provider: string }).provider, id.peerId)
    const expired = await runBin(['offer', 'verify', signedPath, '--at', '2099-01-01T00:00:00Z'])
    assert.equal(expired.code, 1)
    assert.match(expired.stdout, /OFFER_EXPIRED/)
    const usage = await runBin(['offer', 'verify'])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /CLI_USAGE/)
  })

  it('exits 2 with the help when run alone, 0 for --help on a command group, and names a missing file CLI_IO or INPUT_UNREADABLE, never a raw errno', async () => {
    const bare = await runBin([])
    assert.equal(bare.code, 2)
    assert.match(bare.stderr, /^usage: fulcrum <command>/)
    const group = await runBin(['ledger', '--help'])
    assert.equal(group.code, 0)
    assert.match(group.stdout, /^ {2}ledger export /m)
    const missing = await runBin(['offer', 'verify', join(dir.path, 'missing.json')])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /^fulcrum offer verify: INPUT_UNREADABLE: cannot read .*missing\.json: no such file or directory \[ENOENT\]$/m)
  })
})
