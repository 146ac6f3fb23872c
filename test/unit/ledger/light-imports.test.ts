/**
 * The light auditor's entry points load no storage: an auditor or light client that imports them
 * must not pull in LevelDB (native code, a data directory) just to verify proofs.
 */
import { strict as assert } from 'node:assert'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const FORBID = fileURLToPath(new URL('../../helpers/forbid-level.mjs', import.meta.url))

/** Imports `modules` in a fresh Node process in which resolving `level`/`classic-level` throws. */
async function importWithoutLevel (modules: string[]): Promise<{ code: number, stderr: string }> {
  const script = modules.map(m => `await import(${JSON.stringify(new URL(m, `file://${ROOT}`).href)})`).join(';')
  return await new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', '--import', FORBID, '--input-type=module', '-e', script], { cwd: ROOT, timeout: 30_000 }, (err, _out, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stderr })
    })
  })
}

describe('light auditor imports', function () {
  this.timeout(60_000)

  it('loads the ledger core, the audit checks, the peer auditor and the audit commands without LevelDB', async () => {
    const r = await importWithoutLevel(['src/ledger/index.ts', 'src/audit/index.ts', 'src/ledger-protocol/auditor.ts', 'src/ledger-protocol/client.ts', 'src/ledger-protocol/state.ts', 'src/cli/commands/audit.ts', 'src/cli/commands/audit-network.ts'])
    assert.equal(r.code, 0, r.stderr)
  })

  it('the guard works: importing the durable log fails under it', async () => {
    const r = await importWithoutLevel(['src/log/index.ts'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /FORBIDDEN_IMPORT level/)
  })
})
