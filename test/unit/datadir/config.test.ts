import { strict as assert } from 'node:assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultConfig, initDataDir, loadConfig, dataDirPaths } from '../../../src/datadir/index.js'
import { configProblems } from '../../../src/datadir/config.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { cli } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

describe('datadir: config schema', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string
  before(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'node')
    await initDataDir(dir)
  })
  after(async () => { await tmp.cleanup() })

  const writeConfig = async (value: unknown): Promise<void> => {
    await writeFile(dataDirPaths(dir).config, typeof value === 'string' ? value : JSON.stringify(value))
  }

  it('accepts the defaults and the config init writes', async () => {
    assert.deepEqual(configProblems(await defaultConfig()), [])
    assert.equal((await loadConfig(dir)).apiPort, 0)
    assert.equal((await cli(['config', 'check', '--data-dir', dir])).code, 0)
  })

  it('names every bad key: a wrong type, an out-of-range value and an unknown key (with a suggestion)', async () => {
    await writeConfig({ listen: '/ip4/127.0.0.1/tcp/1', apiPort: 70000, allowedDialRange: ['10.0.0.0/8'], renewOwnOffers: 'yes' })
    const problems = configProblems({ ...await defaultConfig(), listen: '/ip4/127.0.0.1/tcp/1', apiPort: 70000, allowedDialRange: ['10.0.0.0/8'], renewOwnOffers: 'yes' })
    assert.deepEqual(problems.map(p => p.key).sort(), ['allowedDialRange', 'apiPort', 'listen', 'renewOwnOffers'])
    assert.match(problems.find(p => p.key === 'listen')?.message ?? '', /expected array/)
    assert.match(problems.find(p => p.key === 'allowedDialRange')?.message ?? '', /did you mean allowedDialRanges/)
    const run = await cli(['config', 'check', '--data-dir', dir])
    assert.equal(run.code, 1)
    for (const key of ['listen', 'apiPort', 'allowedDialRange', 'renewOwnOffers']) assert.match(run.err, new RegExp(`CONFIG_INVALID: ${key}: `))
    const json = await cli(['config', 'check', '--data-dir', dir, '--json'])
    assert.equal((JSON.parse(json.out) as { problems: unknown[] }).problems.length, 4)
  })

  it('is checked at start: loadConfig throws CONFIG_INVALID, and so do bad overrides', async () => {
    await writeConfig({ maxConnections: 'many' })
    await assert.rejects(loadConfig(dir), (e: unknown) => isFulcrumError(e, 'CONFIG_INVALID') && e.path === 'maxConnections')
    await writeConfig({})
    await assert.rejects(loadConfig(dir, { listen: 5 }), (e: unknown) => isFulcrumError(e, 'CONFIG_INVALID') && e.path === 'listen')
    await writeConfig({ allowedDialRange: [] })
    const start = await cli(['start', '--data-dir', dir])
    assert.equal(start.code, 1)
    assert.match(start.err, /CONFIG_INVALID: .*allowedDialRange: unknown key/)
    await writeConfig({})
  })

  it('reports a config that is not an object, and JSON that does not parse', async () => {
    await writeConfig('[1]')
    assert.equal((await cli(['config', 'check', '--data-dir', dir])).code, 1)
    await writeConfig('{nope')
    const run = await cli(['config', 'check', '--data-dir', dir])
    assert.equal(run.code, 2)
    assert.match(run.err, /DATADIR_CORRUPT/)
  })
})
