import { strict as assert } from 'node:assert'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/tmp.js'

const demo = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url))

describe('npm run demo (e2e)', function () {
  this.timeout(300_000)
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir() })
  after(async () => { await dir.cleanup() })

  it('starts three daemons, publishes seven offers, finds them through a light client, places a three-provider order, audits the agreement, and stops', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number, stdout: string, stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', demo, '--exit', '--dir', dir.path], { timeout: 280_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? -1), stdout, stderr })
      })
    })
    assert.equal(code, 0, stderr)
    assert.match(stdout, /holds 7 of 7 offers/)
    assert.match(stdout, /6 offer\(s\) from 1 node\(s\)/, 'the EU search excludes the Zurich offer')
    assert.match(stdout, /mil-vm-4x16/)
    assert.match(stdout, /^Order ord-[a-z2-7]+ committed\.$/m)
    assert.equal(stdout.match(/ committed$/gm)?.length, 3, 'each of the three providers acknowledged the commit')
    assert.match(stdout, /state: active/)
    assert.equal(stdout.match(/^ {2}(milan|frankfurt|paris) +ord-[a-z2-7]+ {2}active /gm)?.length, 3, 'every provider\'s ledger holds the agreement')
    assert.match(stdout, /- db: .* offer par-pg16-8x32@\d+ 1 x /)
    assert.equal(stdout.match(/OK: no violations found/g)?.length, 2, 'the audit of the customer\'s ledger and the peer audit both pass')
    assert.match(stdout, /^fulcrum\/ledger\/v1\/12D3KooW\w+\n1\n/m)
    assert.match(stdout, /Stopping the nodes/)
  })
})
