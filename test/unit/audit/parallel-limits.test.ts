import { strict as assert } from 'node:assert'
import { MAX_WORKERS } from '../../../src/audit/parallel.js'
import { MAX_THREADS } from '../../../src/verify/threads.js'

describe('audit: parallel checker limits', () => {
  it('allows as many workers as the thread pool has threads (the literal keeps the pool unloaded at start)', () => {
    assert.equal(MAX_WORKERS, MAX_THREADS)
  })
})
