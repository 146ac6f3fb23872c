/**
 * `npm run demo`: a small Fulcrum federation on this machine, run as a newcomer would run it.
 *
 * Three provider nodes (Milan, Frankfurt, Paris) start as real `fulcrum start` daemons on
 * loopback ports, each on its own embedded store under `.fulcrum-demo/` (kept between runs, so a
 * second run shows the stores surviving restarts). Each publishes example offers from
 * config/examples through its control API; gossip carries them to the others; then a light client
 * searches one node, verifying every offer itself. Then a customer with no daemon places one
 * order across the three providers (`fulcrum order place`, all or nothing), every party's ledger
 * gets the agreement, and an auditor checks it in the providers' logs. The federation keeps
 * running until Ctrl-C.
 *
 * Flags: `--exit` stops after the searches (also when CI is set); `--dir DIR` puts the data dirs
 * elsewhere. Everything listens on 127.0.0.1 only.
 */
import { spawn, execFile } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
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

/** Runs a fulcrum command that reports progress on stderr; resolves with both outputs, throws if it fails. */
async function fulcrumWithProgress (args: string[]): Promise<{ stdout: string, stderr: string }> {
  return await new Promise((res, rej) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) rej(new Error(`fulcrum ${args.join(' ')} failed: ${stderr.trim() || err.message}`))
      else res({ stdout: stdout.trim(), stderr: stderr.trim() })
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
 * A customer with no daemon (its own data dir: key, order store, ledger) places one order across
 * the three providers, all or nothing (`fulcrum order place`): a VM pair in Milan, object storage
 * in Frankfurt and PostgreSQL in Paris, planned from config/examples/orders/three-providers.json.
 * Each provider holds its part and signs; the customer commits and every party's ledger gets the
 * same agreement; an auditor then checks the customer's exported ledger and the Paris node's.
 */
async function order (addrs: string[]): Promise<void> {
  const customer = join(demoDir, 'customer')
  if (!existsSync(join(customer, 'identity.json'))) await fulcrum(['init', '--data-dir', customer])
  say('\nA customer (no daemon) orders a VM pair in Milan, object storage in Frankfurt and PostgreSQL in Paris, all or nothing:')
  const placed = await fulcrumWithProgress(['order', 'place', join(examples, 'orders', 'three-providers.json'), ...addrs.flatMap(a => ['--peer', a]), '--data-dir', customer, '--json'])
  say(placed.stderr.split('\n').filter(l => l.trim() !== '').map(l => `  ${l.trim()}`).join('\n'))
  const { agreementId, status } = JSON.parse(placed.stdout) as { agreementId: string, status: string }
  say(`Order ${agreementId} ${status}.`)
  say('\nThe agreement in the customer\'s own ledger:')
  say(await fulcrum(['ledger', 'show', agreementId, '--data-dir', customer]))
  say('\nThe same agreement in each provider\'s ledger (read while the daemons run):')
  for (const p of PROVIDERS) say(`  ${p.name.padEnd(10)} ${(await fulcrum(['ledger', 'list', '--data-dir', join(demoDir, p.name)])).split('\n').find(l => l.startsWith(agreementId)) ?? 'MISSING'}`)
  say('\nAuditor: the customer\'s exported ledger, offline (root, checkpoint signature, every entry and signature):')
  const bundle = join(demoDir, 'customer-ledger.json')
  await fulcrum(['ledger', 'export', '--data-dir', customer, '--out', bundle])
  say(await fulcrum(['audit', 'bundle', bundle]))
  const parisAddr = addrs[2] as string
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
  await order(addrs)
  if (exitAfter) return
  say(`\nThe federation keeps running. In another terminal, try:
  node bin/fulcrum.js search --peer ${last} --type db.postgresql --cert secnumcloud
  node bin/fulcrum.js offer list --data-dir ${join(demoDir, 'milan')}
  node bin/fulcrum.js peers --data-dir ${join(demoDir, 'frankfurt')}
  node bin/fulcrum.js order list --data-dir ${join(demoDir, 'customer')}
  node bin/fulcrum.js ledger list --data-dir ${join(demoDir, 'milan')}
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
