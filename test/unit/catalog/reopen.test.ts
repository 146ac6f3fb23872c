import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { Catalog } from '../../../src/catalog/index.js'
import { T0, testIdentity, verified, withdrawal } from '../../helpers/offers.js'
import { tempDir } from '../../helpers/tmp.js'

const alice = testIdentity(1)
const bob = testIdentity(2)

describe('catalog: loading an existing store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => { await dir.cleanup() })

  it('reads, writes and persists through the store it reopened after the load', async () => {
    const path = join(dir.path, 'catalog')
    let catalog = await Catalog.open(path)
    await catalog.insertMany([verified(alice, { id: 'a1' }), verified(bob, { id: 'b1' })])
    await catalog.close()
    catalog = await Catalog.open(path)
    try {
      assert.equal(catalog.size, 2)
      assert.equal((await catalog.get(bob.peerId, 'b1'))?.record.body.id, 'b1')
      assert.equal((await catalog.insert(verified(alice, { id: 'a2' }))).decision, 'store')
      assert.equal((await catalog.insert(withdrawal(bob, 'b1', 2))).decision, 'store')
      assert.equal((await catalog.query({}, { now: T0 })).entries.length, 2)
    } finally {
      await catalog.close()
    }
    catalog = await Catalog.open(path)
    try {
      assert.deepEqual(catalog.summaries().map(s => [s.key, s.seq]),
        [[`${alice.peerId}/a1`, 1], [`${alice.peerId}/a2`, 1], [`${bob.peerId}/b1`, 2]].sort((x, y) => (x[0] as string) < (y[0] as string) ? -1 : 1))
    } finally {
      await catalog.close()
    }
  })

  for (const chunk of [7, 5, 1000]) {
    it(`loads every record when the store is reopened every ${chunk} records during the load`, async () => {
      const path = join(dir.path, 'catalog')
      let catalog = await Catalog.open(path)
      await catalog.insertMany([...Array.from({ length: 20 }, (_, i) => verified(alice, { id: `o${String(i).padStart(2, '0')}` })), withdrawal(bob, 'w', 2)])
      const before = catalog.summaries()
      await catalog.close()
      catalog = await Catalog.open(path, { loadChunk: chunk })
      try {
        assert.deepEqual(catalog.summaries(), before)
        assert.equal(catalog.size, 21)
        assert.equal(catalog.providerCount(alice.peerId), 20)
        assert.equal((await catalog.query({}, { now: T0, limit: 100 })).entries.length, 20)
        assert.equal((await catalog.insert(verified(bob, { id: 'after' }))).decision, 'store')
      } finally {
        await catalog.close()
      }
    })
  }

  it('gives every record once through eachSummary, as summaries does (unsorted)', async () => {
    const catalog = await Catalog.open(join(dir.path, 'catalog'))
    try {
      await catalog.insertMany([...Array.from({ length: 30 }, (_, i) => verified(alice, { id: `o${i}` })), verified(bob, { id: 'x', seq: 3 })])
      const sort = (xs: Array<{ key: string }>): Array<{ key: string }> => [...xs].sort((a, b) => (a.key < b.key ? -1 : 1))
      assert.deepEqual(sort([...catalog.eachSummary()]), catalog.summaries())
      assert.equal([...catalog.eachSummary()].length, 31)
    } finally {
      await catalog.close()
    }
  })
})
