import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { verifyConsistency, verifyInclusion } from '../../../src/ledger/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

// transparency-dev/merkle test vectors (Apache-2.0, see test/vectors/merkle/LICENSE), copied into the repo.
const root = fileURLToPath(new URL('../../vectors/merkle/', import.meta.url))

function files (dir: string): string[] {
  return readdirSync(dir).flatMap(f => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.json') ? [p] : []
  })
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))

/** Runs a verifier; a coded throw counts as rejection, any other throw fails the test. */
function outcome (fn: () => boolean): boolean {
  try {
    return fn()
  } catch (err) {
    assert.ok(isFulcrumError(err), `uncoded error: ${String(err)}`)
    return false
  }
}

describe('ledger: RFC 6962 proof vectors (transparency-dev/merkle)', () => {
  const inclusion = files(join(root, 'inclusion'))
  const consistency = files(join(root, 'consistency'))

  it('has the full vector set', () => {
    assert.ok(inclusion.length >= 95, `inclusion vectors: ${inclusion.length}`)
    assert.ok(consistency.length >= 95, `consistency vectors: ${consistency.length}`)
  })

  for (const asBigint of [false, true]) {
    const size = (n: number): number | bigint => asBigint ? BigInt(n) : n
    it(`inclusion: every happy path verifies and every wantErr case is rejected (${asBigint ? 'bigint' : 'number'} sizes)`, () => {
      for (const f of inclusion) {
        const v = JSON.parse(readFileSync(f, 'utf8')) as { leafIdx: number, treeSize: number, root: string, leafHash: string, proof: string[] | null, wantErr: boolean }
        const ok = outcome(() => verifyInclusion(b64(v.leafHash), size(v.leafIdx), size(v.treeSize), (v.proof ?? []).map(b64), b64(v.root)))
        assert.equal(ok, !v.wantErr, f)
      }
    })
    it(`consistency: every happy path verifies and every wantErr case is rejected (${asBigint ? 'bigint' : 'number'} sizes)`, () => {
      for (const f of consistency) {
        const v = JSON.parse(readFileSync(f, 'utf8')) as { size1: number, size2: number, root1: string, root2: string, proof: string[] | null, wantErr: boolean }
        const ok = outcome(() => verifyConsistency(size(v.size1), size(v.size2), (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2)))
        assert.equal(ok, !v.wantErr, f)
      }
    })
  }

  it('rejects negative, fractional and oversized sizes with LEDGER_BAD_ARGUMENT', () => {
    const h = new Uint8Array(32)
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, -1n, 1n << 64n]) {
      assert.throws(() => verifyInclusion(h, 0, bad, [], h), (e: unknown) => isFulcrumError(e, 'LEDGER_BAD_ARGUMENT'))
      assert.throws(() => verifyConsistency(bad, 2, [], h, h), (e: unknown) => isFulcrumError(e, 'LEDGER_BAD_ARGUMENT'))
    }
  })
})
