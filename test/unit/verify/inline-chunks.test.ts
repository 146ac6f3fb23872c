import { strict as assert } from 'node:assert'
import { runTask } from '../../../src/verify/index.js'
import type { SignatureItem } from '../../../src/verify/index.js'
import { INLINE_CHUNK, threadPool } from '../../../src/verify/threads.js'
import { testIdentity } from '../../helpers/offers.js'

describe('verify: the thread pool before its threads are ready', () => {
  it(`verifies a large call in the calling thread ${INLINE_CHUNK} items at a time, letting the event loop turn between`, async () => {
    const who = testIdentity(7)
    const items: SignatureItem[] = Array.from({ length: 7 * INLINE_CHUNK + 3 }, (_, i) => {
      const message = Uint8Array.of(i & 0xff, i >> 8)
      const signature = who.sign(message)
      if (i % 5 === 0) signature[10] = (signature[10] as number) ^ 1
      return { publicKey: who.publicKey, message, signature }
    })
    // Threads never start (no item count reaches the threshold): everything runs inline.
    const pool = threadPool(2, Number.POSITIVE_INFINITY)
    try {
      let turns = 0
      const tick = setInterval(() => { turns++ }, 0)
      const got = await pool.map('signature', items)
      clearInterval(tick)
      assert.deepEqual(got, runTask('signature', items))
      assert.ok(turns >= 2, `the event loop turned ${turns} times during ${items.length} inline verifications`)
    } finally {
      await pool.close()
    }
  })
})
