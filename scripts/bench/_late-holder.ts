/**
 * Child process of the network suite's late-joiner measurement (scripts/bench/network.ts):
 * `node --import tsx scripts/bench/_late-holder.ts N` starts three Fulcrum nodes on 127.0.0.1
 * holding the same N realistic offers, prints one JSON line `{ addr, records }` (a node's address,
 * the records' wire bytes in base64), and stops the nodes when its standard input closes. The nodes
 * that serve the sync run in their own process, as other machines would: the joiner's event loop
 * does only the joiner's work (they still share this machine's cores).
 */
import '../../src/polyfill.js'
import { federation, makeOffers, preload } from './network.js'

const records = makeOffers(Number(process.argv[2]))
const fed = await federation(3)
for (const node of fed.nodes) await preload(node, records)
process.stdout.write(JSON.stringify({ addr: fed.nodes[0]?.multiaddrs()[0], records: records.map(r => Buffer.from(r.bytes).toString('base64')) }) + '\n')
process.stdin.resume()
process.stdin.once('end', () => { void fed.stop().then(() => process.exit(0)) })
