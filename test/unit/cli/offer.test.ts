import { strict as assert } from 'node:assert'
import { readdirSync, statSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cli } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

const examples = fileURLToPath(new URL('../../../config/examples/', import.meta.url))
const exampleFiles = readdirSync(examples).filter(f => f.endsWith('.json'))

describe('fulcrum init, id, offer sign, offer verify', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let dataDir: string
  before(async () => {
    dir = await tempDir()
    dataDir = join(dir.path, 'node')
    assert.equal((await cli(['init', '--data-dir', dataDir])).code, 0)
  })
  after(async () => { await dir.cleanup() })

  it('creates a key file readable by its owner only, and never prints the key', async () => {
    assert.equal(statSync(join(dataDir, 'identity.json')).mode & 0o777, 0o600)
    const seed = (JSON.parse(await readFile(join(dataDir, 'identity.json'), 'utf8')) as { seed: string }).seed
    const id = await cli(['id', '--data-dir', dataDir, '--json'])
    assert.equal(id.code, 0)
    assert.ok(!id.out.includes(seed))
    assert.match((JSON.parse(id.out) as { peerId: string }).peerId, /^12D3KooW/)
  })

  it('refuses to initialise a data dir twice', async () => {
    const again = await cli(['init', '--data-dir', dataDir])
    assert.equal(again.code, 2)
    assert.match(again.err, /DATADIR_ALREADY_INITIALISED/)
  })

  for (const file of exampleFiles) {
    it(`signs and verifies the example ${file}`, async () => {
      const signedPath = join(dir.path, `${file}.signed`)
      const sign = await cli(['offer', 'sign', join(examples, file), '--data-dir', dataDir, '--out', signedPath])
      assert.equal(sign.code, 0, sign.err)
      const verify = await cli(['offer', 'verify', signedPath, '--json'])
      assert.equal(verify.code, 0, verify.out)
      assert.equal((JSON.parse(verify.out) as { valid: boolean }).valid, true)
    })
  }

  it('exits 1 with the code for a tampered or expired offer', async () => {
    const signedPath = join(dir.path, 'tampered.json')
    assert.equal((await cli(['offer', 'sign', join(examples, 'milan-vm.json'), '--data-dir', dataDir, '--out', signedPath])).code, 0)
    const record = JSON.parse(await readFile(signedPath, 'utf8')) as { body: { price: { amount: string } } }
    record.body.price.amount = '0.001'
    await writeFile(signedPath, JSON.stringify(record))
    const tampered = await cli(['offer', 'verify', signedPath, '--json'])
    assert.equal(tampered.code, 1)
    assert.equal((JSON.parse(tampered.out) as { error: { code: string } }).error.code, 'OFFER_BAD_SIGNATURE')
    record.body.price.amount = '0.052'
    await writeFile(signedPath, JSON.stringify(record))
    const expired = await cli(['offer', 'verify', signedPath, '--at', '2100-01-01T00:00:00Z'])
    assert.equal(expired.code, 1)
    assert.match(expired.out, /OFFER_EXPIRED/)
  })

  it('exits 1 with the field path for an invalid draft, and 2 for usage and I/O errors', async () => {
    const bad = join(dir.path, 'bad.json')
    await writeFile(bad, JSON.stringify({ ...JSON.parse(await readFile(join(examples, 'milan-vm.json'), 'utf8')), jurisdiction: 'XX' }))
    const signBad = await cli(['offer', 'sign', bad, '--data-dir', dataDir])
    assert.equal(signBad.code, 1)
    assert.match(signBad.err, /OFFER_UNKNOWN_COUNTRY: jurisdiction/)
    assert.equal((await cli(['offer', 'verify', join(dir.path, 'missing.json')])).code, 2)
    assert.equal((await cli(['offer', 'verify'])).code, 2)
    assert.equal((await cli(['offer', 'sign', bad])).code, 2)
    const garbage = join(dir.path, 'garbage.bin')
    await writeFile(garbage, Buffer.from([0xff, 0x00, 0x13]))
    const g = await cli(['offer', 'verify', garbage, '--json'])
    assert.equal(g.code, 1)
    assert.equal((JSON.parse(g.out) as { error: { code: string } }).error.code, 'OFFER_MALFORMED')
  })
})
