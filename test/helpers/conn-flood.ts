/**
 * A connection flood run as a child process, so that the test process's memory is the target's:
 * `node --import tsx test/helpers/conn-flood.ts MULTIADDR IDENTITIES CONNECTIONS_EACH`.
 *
 * Each identity (a light libp2p node with a fresh key and no services) opens CONNECTIONS_EACH
 * connections to the target (`force`: a new connection each time), all at once. When every dial
 * has settled it prints one JSON line `{ opened, refused, open }` (`open`: connections still open)
 * and keeps its connections until its standard input closes, then stops every node and exits.
 */
import '../../src/polyfill.js'
import { multiaddr } from '@multiformats/multiaddr'
import { createLightLibp2pNode } from '../../src/network/index.js'

const [addr, identities, each] = process.argv.slice(2)
const target = multiaddr(addr ?? '')
const nodes = await Promise.all(Array.from({ length: Number(identities) }, async () => await createLightLibp2pNode()))
const outcomes = await Promise.allSettled(nodes.flatMap(n => Array.from({ length: Number(each) }, async () =>
  await n.dial(target, { force: true, signal: AbortSignal.timeout(5_000) }))))
const opened = outcomes.filter(o => o.status === 'fulfilled').length
const open = nodes.reduce((sum, n) => sum + n.getConnections().length, 0)
process.stdout.write(JSON.stringify({ opened, refused: outcomes.length - opened, open }) + '\n')
process.stdin.resume()
process.stdin.on('end', () => {
  void Promise.all(nodes.map(async n => { await n.stop() })).then(() => process.exit(0))
})
