import { strict as assert } from 'node:assert'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FULCRUM_BIN } from '../helpers/bin.js'
import { makeCliFixtures, offlineCommands } from '../helpers/cli-fixtures.js'
import type { CliFixtures } from '../helpers/cli-fixtures.js'
import { tempDir } from '../helpers/tmp.js'
import { createIdentity } from '../../src/identity/index.js'

const RECORDER = fileURLToPath(new URL('../helpers/load-recorder/register.mjs', import.meta.url))
/** A module of libp2p itself or of the @libp2p scope, as resolved on disk. */
const LIBP2P_MODULE = /\/node_modules\/(libp2p|@libp2p\/[^/]+)\//
/** zod: the config schema's validator, about 95 modules; only commands that parse a config need it. */
const ZOD_MODULE = /\/node_modules\/zod\//
/** multiformats' table of every base (CID, all codecs): uint8arrays' toString loads it; nothing offline needs it. */
const ALL_BASES_MODULE = /\/node_modules\/multiformats\/dist\/src\/basics\.js$/
/** The verification thread pool: an audit of a small bundle runs in the calling thread. */
const THREAD_MODULES = /^node:worker_threads$|\/src\/verify\/threads\.js$/
/** Offline commands that read no config. */
const WITHOUT_CONFIG = ['--help', '--version', 'init', 'id', 'offer sign', 'offer verify', 'ledger sign']

/** Runs the built `fulcrum ...args` with every resolved module recorded; returns its exit code and the modules. */
async function runRecorded (args: string[], log: string): Promise<{ code: number, stderr: string, modules: string[] }> {
  const code = await new Promise<{ code: number, stderr: string }>(resolve => {
    execFile(process.execPath, ['--import', RECORDER, FULCRUM_BIN, ...args], { env: { ...process.env, FULCRUM_LOAD_LOG: log } }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stderr })
    })
  })
  const modules = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean)
  return { ...code, modules }
}

describe('the fulcrum executable loads only what a command needs (e2e)', function () {
  this.timeout(120_000)
  let dir: Awaited<ReturnType<typeof tempDir>>
  let fixtures: CliFixtures
  before(async () => {
    dir = await tempDir()
    fixtures = await makeCliFixtures(dir.path)
  })
  after(async () => { await dir.cleanup() })

  it('runs help, --version, init, id, offer sign/verify, ledger sign and audit bundle/evidence without loading libp2p, every multiformats base or the thread pool', async () => {
    const commands = offlineCommands(fixtures, join(dir.path, 'fresh'))
    for (const [name, args] of Object.entries(commands)) {
      const r = await runRecorded(args, join(dir.path, `${name.replace(' ', '-')}.log`))
      assert.equal(r.code, 0, `${name}: ${r.stderr}`)
      assert.ok(r.modules.length > 0, `${name}: the recorder saw no module`)
      assert.deepEqual(r.modules.filter(m => LIBP2P_MODULE.test(m)), [], `${name} loaded libp2p`)
      if (WITHOUT_CONFIG.includes(name)) assert.deepEqual(r.modules.filter(m => ZOD_MODULE.test(m)), [], `${name} loaded zod`)
      assert.deepEqual(r.modules.filter(m => ALL_BASES_MODULE.test(m)), [], `${name} loaded every multiformats base`)
      assert.deepEqual(r.modules.filter(m => THREAD_MODULES.test(m)), [], `${name} loaded the thread pool`)
    }
  })

  it('does load libp2p for a command that dials (the recorder sees it)', async () => {
    const dead = `/ip4/127.0.0.1/tcp/9/p2p/${createIdentity().peerId}`
    const r = await runRecorded(['audit', 'peer', dead, '--state-dir', join(dir.path, 'auditor')], join(dir.path, 'audit-peer.log'))
    assert.equal(r.code, 2, r.stderr)
    assert.ok(r.modules.some(m => LIBP2P_MODULE.test(m)), 'audit peer resolved no libp2p module')
  })
})
