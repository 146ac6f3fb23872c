/**
 * Child-process runner of the network suite's propagation measurement (scripts/bench/network.ts):
 * `node [flags] --import tsx scripts/bench/_propagation.ts NODES MESSAGES` prints one JSON table row.
 */
import '../../src/polyfill.js'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { OFFER_TOPIC } from '../../src/discovery/index.js'
import type { FulcrumNode } from '../../src/node/index.js'
import { createIdentity } from '../../src/identity/index.js'
import { signOffer, verifyRecord } from '../../src/offers/index.js'
import { fmt, percentile } from './_util.js'
import { federation, offerOf, sleep } from './network.js'

/** Publishes `messages` offers from random nodes; times arrival at every node and counts receptions. */
async function propagation (n: number, messages: number): Promise<string[]> {
  const fed = await federation(n)
  try {
    const arrivals = new Map<string, number[]>()
    let receptions = 0
    fed.nodes.forEach(node => {
      const pubsub = node.libp2p.services.pubsub as unknown as { handleReceivedMessage: (from: unknown, msg: { topic: string }) => Promise<void> }
      const original = pubsub.handleReceivedMessage.bind(pubsub)
      pubsub.handleReceivedMessage = async (from, msg) => {
        if (msg.topic === OFFER_TOPIC) receptions++
        await original(from, msg)
      }
      node.libp2p.services.pubsub.addEventListener('message', (evt) => {
        const id = Buffer.from(evt.detail.data).toString('base64')
        arrivals.get(id)?.push(performance.now())
      })
    })
    const toAll: number[] = []
    const perNode: number[] = []
    let lost = 0
    const provider = createIdentity()
    const loop = monitorEventLoopDelay({ resolution: 10 })
    loop.enable()
    for (let m = 0; m < messages; m++) {
      const from = fed.nodes[Math.floor(Math.random() * n)] as FulcrumNode
      const now = Date.now()
      const record = signOffer(offerOf(provider, m, now), provider)
      const v = verifyRecord(record, now)
      const id = Buffer.from(v.bytes).toString('base64')
      const times: number[] = []
      arrivals.set(id, times)
      const start = performance.now()
      await from.discovery.publish(record)
      const deadline = start + 5000
      while (times.length < n - 1 && performance.now() < deadline) await sleep(2)
      lost += n - 1 - times.length
      if (times.length === n - 1) toAll.push(Math.max(...times) - start)
      perNode.push(...times.map(t => t - start))
      await sleep(100)
    }
    loop.disable()
    const firstDeliveries = messages * (n - 1) - lost
    return [
      `${n} nodes`, `${fmt(percentile(toAll, 50), 1)} ms`, `${fmt(percentile(toAll, 95), 1)} ms`,
      `${fmt(percentile(perNode, 50), 1)} ms`, `${fmt((receptions - firstDeliveries) / messages / (n - 1), 2)}`, String(lost),
      `${fmt(loop.percentile(99) / 1e6, 0)} ms`
    ]
  } finally {
    await fed.stop()
  }
}


const [nodes, messages] = process.argv.slice(2).map(Number)
process.stdout.write(JSON.stringify(await propagation(nodes ?? 20, messages ?? 60)))
process.exit(0)
