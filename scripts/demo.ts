/**
 * `npm run demo`: a small Fulcrum federation on this machine, run as a newcomer would run it.
 *
 * Three provider nodes (Milan, Frankfurt, Paris) start as real `fulcrum start` daemons on
 * loopback ports, each on its own embedded store under `.fulcrum-demo/` (kept between runs, so a
 * second run shows the stores surviving restarts). Each publishes example offers from
 * config/examples through its control API; gossip carries them to the others; then a light client
 * searches one node, verifying every offer itself. Then Milan and Paris sign an agreement (Milan
 * buys managed PostgreSQL from Paris), both append it to their ledgers through their daemons, and
 * an auditor checks it in both logs. The federation keeps running until Ctrl-C.
 *
 * Flags: `--exit` stops after the searches (also when CI is set); `--dir DIR` puts the data dirs
 * elsewhere. Everything listens on 127.0.0.1 only.
 */
import { spawn, execFile } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'fulcrum.js')
const examples = join(root, 'config', 'examples')

const PROVIDERS = [
  { name: 'milan', offers: ['milan-vm.json', 'madrid-kubernetes.json'] },
  { name: 'frankfurt', offers: ['frankfurt-object-storage.json', 'warsaw-block-storage.json'] },
  { name: 'paris', offers: ['paris-postgresql.json', 'amsterdam-gpu.json', 'zurich-vm.json'] }
] as const
const TOTAL_OFFERS = PROVIDERS.reduce((n, p) => n + p.offers.length, 0)
/**
 * How long to wait at most for a daemon to print its address, and for gossip to reach every node
 * (both take well under a second; the bounds only end a demo that is stuck, also on a busy machine).
 */
const START_TIMEOUT_MS = 60_000
const CONVERGE_TIMEOUT_MS = 60_000
/** How long a daemon may take to stop cleanly after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000

const { values } = parseArgs({ options: { exit: { type: 'boolean' }, dir: { type: 'string' } } })
const demoDir = resolve(values.dir ?? join(root, '.fulcrum-demo'))
const exitAfter = values.exit === true || (process.env.CI !== undefined && process.env.CI !== '')
const daemons: ChildProcess[] = []

const say = (text: string): void => { process.stdout.write(`${text}\n`) }

/** Runs a fulcrum command to completion; throws with its stderr if it fails. */
async function fulcrum (args: string[]): Promise<string> {
  return await new Promise((res, rej) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null) rej(new Error(`fulcrum ${args.join(' ')} failed: ${stderr.trim() || err.message}`))
      else res(stdout.trim())
    })
  })
}

/** Starts a daemon and resolves with its first listen multiaddr once it prints it. */
async function startDaemon (dataDir: string, bootstrap: string[]): Promise<string> {
  const args = [bin, 'start', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', ...bootstrap.flatMap(b => ['--bootstrap', b]), '--log-level', 'warn']
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  daemons.push(child)
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  return await new Promise((res, rej) => {
    const timer = setTimeout(() => { rej(new Error(`daemon for ${dataDir} did not start: ${stderr}`)) }, START_TIMEOUT_MS)
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (\S+)/.exec(out)
      if (m?.[1] !== undefined) { clearTimeout(timer); res(m[1]) }
    })
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`daemon for ${dataDir} exited with ${String(code)}: ${stderr}`)) })
  })
}

async function stopAll (): Promise<void> {
  await Promise.all(daemons.map(async (d) => {
    if (d.exitCode !== null || d.signalCode !== null) return
    const exited = new Promise(res => d.once('exit', res))
    d.kill('SIGTERM')
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([exited, new Promise(res => { timer = setTimeout(res, STOP_TIMEOUT_MS) })])
    clearTimeout(timer)
    if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL')
  }))
}

/**
 * Milan buys two PostgreSQL instances from Paris: both parties sign the agreement with their
 * node keys (`fulcrum ledger sign`, in turn), each appends it to its own ledger (the daemon asks
 * the other party to cosign), and an auditor checks that both logs hold the same agreement.
 * (Composed orders will produce such agreements through quotes, holds and a commit certificate.)
 */
async function agreement (addrs: string[]): Promise<void> {
  const peerId = async (name: string): Promise<string> =>
    (JSON.parse(await fulcrum(['id', '--data-dir', join(demoDir, name), '--json'])) as { peerId: string }).peerId
  const milan = { peerId: await peerId('milan') }
  const paris = { peerId: await peerId('paris') }
  const now = Date.now()
  const body = {
    id: `demo-${now}`,
    parties: [milan.peerId, paris.peerId].sort(),
    createdAt: now,
    terms: { offer: `${paris.peerId}/par-pg16-8x32`, buyer: milan.peerId, quantity: 2, price: '389', currency: 'EUR', unit: 'month' }
  }
  const file = join(demoDir, `${body.id}.json`)
  await writeFile(file, JSON.stringify({ type: 'agreement', body }, null, 2))
  // Each party adds its signature in turn; the entry is complete when all have signed.
  for (const name of ['milan', 'paris']) await fulcrum(['ledger', 'sign', file, '--data-dir', join(demoDir, name), '--out', file])
  say(`\nAgreement ${body.id}: Milan buys 2 × par-pg16-8x32 from Paris, signed by both (fulcrum ledger sign).`)
  for (const name of ['milan', 'paris']) say(`  ${name.padEnd(10)} ${await fulcrum(['ledger', 'append', file, '--data-dir', join(demoDir, name)])}`)
  const [milanAddr, , parisAddr] = addrs as [string, string, string]
  say('\nAuditor: is the same agreement in both parties\' ledgers?')
  say(await fulcrum(['audit', 'agreement', body.id, '--peer', milanAddr, '--peer', parisAddr]))
  say('\nAuditor: audit the Paris ledger (consistent with the last audit, every new entry valid):')
  say(await fulcrum(['audit', 'peer', parisAddr, '--state-dir', join(demoDir, 'auditor')]))
  say('\nThe Paris ledger\'s latest signed checkpoint (a C2SP tlog-checkpoint note):')
  say(await fulcrum(['ledger', 'checkpoint', '--data-dir', join(demoDir, 'paris')]))
}

async function main (): Promise<void> {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm install` (it builds the project) first')
  await mkdir(demoDir, { recursive: true })
  say(`Fulcrum demo: three provider nodes on 127.0.0.1, data in ${demoDir}\n`)
  const addrs: string[] = []
  for (const p of PROVIDERS) {
    const dataDir = join(demoDir, p.name)
    if (!existsSync(join(dataDir, 'identity.json'))) await fulcrum(['init', '--data-dir', dataDir])
    const addr = await startDaemon(dataDir, addrs.slice(0, 1))
    addrs.push(addr)
    say(`  ${p.name.padEnd(10)} ${addr}`)
  }
  say('\nPublishing offers (each node signs its drafts with its own key and gossips them):')
  for (const p of PROVIDERS) {
    for (const file of p.offers) say(`  ${p.name.padEnd(10)} ${await fulcrum(['offer', 'publish', join(examples, file), '--data-dir', join(demoDir, p.name)])}`)
  }
  const last = addrs[addrs.length - 1] as string
  const started = Date.now()
  let seen = 0
  while (Date.now() - started < CONVERGE_TIMEOUT_MS) {
    seen = (JSON.parse(await fulcrum(['search', '--peer', last, '--json'])) as { offers: unknown[] }).offers.length
    if (seen >= TOTAL_OFFERS) break
    await new Promise(res => setTimeout(res, 250))
  }
  say(`\nThe Paris node holds ${seen} of ${TOTAL_OFFERS} offers after ${Date.now() - started} ms.\n`)
  say('Light-client search of every offer in the EU (each offer verified by the client):')
  say(await fulcrum(['search', '--peer', last, '--country', 'EU']))
  say('\nVMs with at least 4 vCPUs under 0.10 EUR/hour:')
  say(await fulcrum(['search', '--peer', last, '--type', 'compute.vm', '--min-vcpu', '4', '--max-price', '0.10', '--currency', 'EUR']))
  await agreement(addrs)
  if (exitAfter) return
  say(`\nThe federation keeps running. In another terminal, try:
  node bin/fulcrum.js search --peer ${last} --type db.postgresql --cert secnumcloud
  node bin/fulcrum.js offer list --data-dir ${join(demoDir, 'milan')}
  node bin/fulcrum.js peers --data-dir ${join(demoDir, 'frankfurt')}
  node bin/fulcrum.js ledger export --data-dir ${join(demoDir, 'paris')} --out paris-ledger.json && node bin/fulcrum.js audit bundle paris-ledger.json
Press Ctrl-C to stop the nodes.`)
  await new Promise<void>(res => { process.once('SIGINT', res); process.once('SIGTERM', res) })
}

try {
  await main()
} catch (err) {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`)
  process.exitCode = 1
} finally {
  say('\nStopping the nodes...')
  await stopAll()
}
