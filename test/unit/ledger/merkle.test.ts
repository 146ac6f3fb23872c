import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import {
  EMPTY_ROOT, buildProof, consistencyProofRanges, inclusionProofRanges, leafHash, memoryNodeReader, merkleRoot, nodeHash,
  rootFromLeafHashes, verifyConsistency, verifyInclusion
} from '../../../src/ledger/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

// The RFC 6962 test leaves and roots used by transparency-dev/merkle (and its proof vectors).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
  .map(h => new Uint8Array(Buffer.from(h, 'hex')))
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
]
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
const vectors = fileURLToPath(new URL('../../vectors/merkle/', import.meta.url))

function leavesOf (n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new TextEncoder().encode(`leaf ${i}`))
}

describe('ledger: Merkle tree hashing and proof generation', () => {
  it('computes the RFC 6962 roots of the reference leaves, and the empty root', () => {
    assert.equal(hex(merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    assert.deepEqual(merkleRoot([]), EMPTY_ROOT)
    for (let n = 1; n <= 8; n++) assert.equal(hex(merkleRoot(LEAVES.slice(0, n))), ROOTS[n - 1])
    assert.equal(hex(leafHash(new Uint8Array())), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d')
  })

  it('generates exactly the proofs of the reference vectors (happy paths)', async () => {
    const hashes = LEAVES.map(leafHash)
    const read = memoryNodeReader(hashes)
    for (const d of ['0', '1', '2', '3', '4']) {
      const inc = JSON.parse(readFileSync(`${vectors}inclusion/${d}/happy-path.json`, 'utf8')) as { leafIdx: number, treeSize: number, proof: string[] | null }
      const got = await buildProof(inclusionProofRanges(inc.leafIdx, inc.treeSize), memoryNodeReader(hashes.slice(0, inc.treeSize)))
      assert.deepEqual(got.map(hex), (inc.proof ?? []).map(p => hex(b64(p))), `inclusion ${d}`)
    }
    for (const d of readdirSync(`${vectors}consistency`).filter(x => /^\d$/.test(x))) {
      const c = JSON.parse(readFileSync(`${vectors}consistency/${d}/happy-path.json`, 'utf8')) as { size1: number, size2: number, proof: string[] | null }
      const got = await buildProof(consistencyProofRanges(c.size1, c.size2), read)
      assert.deepEqual(got.map(hex), (c.proof ?? []).map(p => hex(b64(p))), `consistency ${d}`)
    }
  })

  it('every generated inclusion and consistency proof verifies, for all sizes up to 40', async () => {
    const hashes = leavesOf(40).map(leafHash)
    const read = memoryNodeReader(hashes)
    const roots = [EMPTY_ROOT, ...hashes.map((_, i) => rootFromLeafHashes(hashes.slice(0, i + 1)))]
    for (let n = 1; n <= 40; n++) {
      for (let i = 0; i < n; i++) {
        const proof = await buildProof(inclusionProofRanges(i, n), read)
        assert.ok(verifyInclusion(hashes[i] as Uint8Array, i, n, proof, roots[n] as Uint8Array), `incl ${i}/${n}`)
        assert.ok(verifyInclusion(hashes[i] as Uint8Array, BigInt(i), BigInt(n), proof, roots[n] as Uint8Array))
      }
      for (let m = 1; m <= n; m++) {
        const proof = await buildProof(consistencyProofRanges(m, n), read)
        assert.ok(verifyConsistency(m, n, proof, roots[m] as Uint8Array, roots[n] as Uint8Array), `cons ${m}->${n}`)
      }
    }
  })

  it('any flipped bit in a proof, a wrong index or a missing hash makes verification fail', async () => {
    const hashes = leavesOf(37).map(leafHash)
    const read = memoryNodeReader(hashes)
    const root = rootFromLeafHashes(hashes)
    await fc.assert(fc.asyncProperty(fc.nat(36), fc.nat(), async (i, bit) => {
      const proof = await buildProof(inclusionProofRanges(i, 37), read)
      const bad = proof.map(p => p.slice())
      const k = bit % (bad.length * 256)
      const h = bad[Math.floor(k / 256)] as Uint8Array
      h[(k % 256) >> 3] = (h[(k % 256) >> 3] as number) ^ (1 << (k % 8))
      assert.equal(verifyInclusion(hashes[i] as Uint8Array, i, 37, bad, root), false)
      assert.equal(verifyInclusion(hashes[i] as Uint8Array, (i + 1) % 37, 37, proof, root), false)
      assert.equal(verifyInclusion(hashes[i] as Uint8Array, i, 37, proof.slice(1), root), false)
    }), { numRuns: 100 })
  })

  it('verifies proofs in trees beyond 2^32 and 2^53 leaves (no 32-bit arithmetic)', () => {
    // A tree of 2^k + 4 leaves is H(L, R): L the root of the first 2^k leaves (any hash will do
    // here), R the root of the last four. Leaf 2^k + 3 has the proof [h2, H(h0, h1), L].
    const h = (n: number): Uint8Array => leafHash(Uint8Array.of(n))
    const left = leafHash(new TextEncoder().encode('left subtree'))
    const root = nodeHash(left, rootFromLeafHashes([h(0), h(1), h(2), h(3)]))
    const proof = [h(2), nodeHash(h(0), h(1)), left]
    assert.ok(verifyInclusion(h(3), 2 ** 40 + 3, 2 ** 40 + 4, proof, root))
    assert.ok(verifyInclusion(h(3), (1n << 40n) + 3n, (1n << 40n) + 4n, proof, root))
    assert.ok(verifyInclusion(h(3), (1n << 60n) + 3n, (1n << 60n) + 4n, proof, root))
    assert.equal(verifyInclusion(h(3), (1n << 60n) + 2n, (1n << 60n) + 4n, proof, root), false)
    assert.equal(verifyInclusion(h(3), 2 ** 32 + 3, 2 ** 32 + 4, proof, root), true) // same shape at 2^32
    assert.equal(verifyInclusion(h(3), 3, 4, proof, root), false)
    assert.throws(() => inclusionProofRanges(5, 5), (e: unknown) => isFulcrumError(e, 'LEDGER_BAD_ARGUMENT'))
  })
})
