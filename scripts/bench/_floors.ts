/**
 * Floors: the same work done the plainest way, measured in the same run as what it bounds.
 * Raw Ed25519 verification is node:crypto `verify` with a KeyObject created once per key, over
 * precomputed messages: no decoding, no checks, no framework.
 */
import { createPublicKey, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** One signature to verify. */
export interface Triple { publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array }

const SPKI = Buffer.from('302a300506032b6570032100', 'hex')

/** Seconds to verify every triple in this thread (throws if one does not verify). */
export function rawVerifyOneCore (triples: readonly Triple[]): number {
  const keys = new Map<string, KeyObject>()
  const key = (k: Uint8Array): KeyObject => {
    const id = Buffer.from(k).toString('hex')
    let o = keys.get(id)
    if (o === undefined) keys.set(id, o = createPublicKey({ key: Buffer.concat([SPKI, k]), format: 'der', type: 'spki' }))
    return o
  }
  for (const t of triples.slice(0, 64)) key(t.publicKey) // key objects are created once per key, outside the timing
  const t0 = process.hrtime.bigint()
  for (const t of triples) if (!verify(null, t.message, key(t.publicKey), t.signature)) throw new Error('raw verification failed')
  return Number(process.hrtime.bigint() - t0) / 1e9
}

const WORKER = `
const { parentPort } = require('node:worker_threads')
const { createPublicKey, verify } = require('node:crypto')
const SPKI = Buffer.from('302a300506032b6570032100', 'hex')
const keys = new Map()
parentPort.on('message', (triples) => {
  let ok = 0
  for (const t of triples) {
    const id = Buffer.from(t.publicKey).toString('hex')
    let k = keys.get(id)
    if (k === undefined) keys.set(id, k = createPublicKey({ key: Buffer.concat([SPKI, t.publicKey]), format: 'der', type: 'spki' }))
    if (verify(null, t.message, k, t.signature)) ok++
  }
  parentPort.postMessage(ok)
})
parentPort.postMessage('ready')
`

/**
 * Seconds to verify every triple on all cores: one plain worker thread per core, each given an
 * equal share in one message (threads are started and warmed before the timing starts).
 */
export async function rawVerifyAllCores (triples: readonly Triple[], threads = availableParallelism()): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true }))
  try {
    await Promise.all(workers.map(async w => await new Promise(resolve => w.once('message', resolve))))
    // Warm up: each thread creates the KeyObjects of the keys it will see.
    await Promise.all(workers.map(async w => { w.postMessage(triples.slice(0, 64)); await new Promise(resolve => w.once('message', resolve)) }))
    const chunk = Math.ceil(triples.length / threads)
    const t0 = process.hrtime.bigint()
    const oks = await Promise.all(workers.map(async (w, i) => {
      w.postMessage(triples.slice(i * chunk, (i + 1) * chunk))
      return await new Promise<number>(resolve => w.once('message', resolve))
    }))
    const s = Number(process.hrtime.bigint() - t0) / 1e9
    if (oks.reduce((a, b) => a + b, 0) !== triples.length) throw new Error('raw verification failed')
    return s
  } finally {
    await Promise.all(workers.map(async w => await w.terminate()))
  }
}

/** Runs `op(i)` for i in [0, n) from `clients` concurrent loops (each starts its next as soon as one ends); seconds. */
export async function closedLoop (n: number, clients: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < n) await op(next++)
  }))
  return Number(process.hrtime.bigint() - t0) / 1e9
}
