import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { MemoryLevel } from 'memory-level'
import { openBrowserState, openCustomerState } from '../../../src/client/browser.js'
import type { StateDatabase } from '../../../src/client/browser.js'
import { isFulcrumError } from '../../../src/errors/index.js'
import { encodeEntry } from '../../../src/ledger/index.js'
import { signedEntry, testBody } from '../ledger/fixtures.js'
import { appendEntry } from '../../../src/log/index.js'
import { createIdentity } from '../../../src/identity/index.js'
import { tempDir } from '../../helpers/tmp.js'

const memory = (): StateDatabase => new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as StateDatabase

describe('client: the customer\'s state on an abstract-level database', () => {
  it('keeps the key, the orders, the ledger and the audit baselines across a reopen (the page reloaded)', async () => {
    const tmp = await tempDir()
    try {
      // openBrowserState opens IndexedDB in a browser and a LevelDB directory here: the same #platform/storage call
      const where = join(tmp.path, 'state')
      const a = await openBrowserState(where)
      const provider = createIdentity()
      const entry = signedEntry('agreement', testBody('deal-1', [a.identity, provider]), [a.identity, provider])
      await appendEntry(a.log, a.identity.peerId, encodeEntry(entry))
      await a.store.put({ id: 'o-1', status: 'committed', addresses: { [provider.peerId]: ['/ip4/127.0.0.1/tcp/1/ws'] }, createdAt: 1, updatedAt: 2, state: Uint8Array.of(1) })
      await a.seen.put(provider.peerId, 'note')
      const peerId = a.identity.peerId
      const size = a.log.size
      await a.close()
      const b = await openBrowserState(where)
      assert.equal(b.identity.peerId, peerId)
      assert.equal(b.log.size, size)
      assert.equal(await b.log.indexOfDocument('deal-1'), size - 1)
      assert.deepEqual((await b.store.get('o-1'))?.addresses, { [provider.peerId]: ['/ip4/127.0.0.1/tcp/1/ws'] })
      assert.equal(await b.seen.get(provider.peerId), 'note')
      await b.close()
    } finally {
      await tmp.cleanup()
    }
  })

  it('makes a key on first use, and each database has its own', async () => {
    const a = await openCustomerState(memory())
    const b = await openCustomerState(memory())
    assert.notEqual(a.identity.peerId, b.identity.peerId)
    assert.equal(a.log.size, 0)
    assert.ok(a.log.checkpoint()?.startsWith(`fulcrum/ledger/v1/${a.identity.peerId}\n0\n`))
    await a.close()
    await b.close()
  })

  it('refuses a stored key that is not a 32-byte seed with CLIENT_STATE_BAD_KEY', async () => {
    const db = memory()
    await db.open()
    await db.sublevel<Uint8Array, Uint8Array>('key', { keyEncoding: 'view', valueEncoding: 'view' }).put(new TextEncoder().encode('seed'), new Uint8Array(31))
    await assert.rejects(openCustomerState(db), (err: unknown) => isFulcrumError(err, 'CLIENT_STATE_BAD_KEY'))
  })
})
