/**
 * Bundled for the browser by the `web` suite (scripts/build-web.ts, iife): exposes
 * `fulcrumBenchVerify(records, now, ms)`, which verifies the encoded offer records in turn with
 * the page's own path (`verifyRecordBytes`, portable: @noble/ed25519) for about `ms` and returns
 * records verified per second. Every record must verify (a failure throws).
 */
import { verifyRecordBytes } from '../../src/offers/index.js'

function bench (records: number[][], now: number, ms: number): number {
  const bytes = records.map(r => Uint8Array.from(r))
  for (let i = 0; i < Math.min(50, bytes.length); i++) verifyRecordBytes(bytes[i] as Uint8Array, now, { portable: true })
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    verifyRecordBytes(bytes[n % bytes.length] as Uint8Array, now, { portable: true })
    n++
  }
  return n / ((performance.now() - start) / 1000)
}

(globalThis as unknown as { fulcrumBenchVerify: typeof bench }).fulcrumBenchVerify = bench
