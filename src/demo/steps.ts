/**
 * The demo's steps, in order: providers start and publish, a customer searches, plans and places
 * a composed order, a second order fails with one provider stopped and nobody keeps it, and an
 * auditor verifies every ledger and cross-checks the agreement. Each step narrates what it does
 * and throws if the federation does not behave as told (the demo then exits 1).
 */
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CITIES, FIRST_ORDER, SECOND_ORDER, SECOND_ORDER_WINDOW_MS, STOPPED_CITY, fulcrum, must, mustJson, nameOf, peerFlags, shortId, withNames
} from './federation.js'
import type { City, DemoContext } from './federation.js'
import type { SupervisedDaemon } from './supervisor.js'

/** Failure bound for gossip to bring every offer to the node the customer asks (well under 2 s here). */
export const CONVERGE_TIMEOUT_MS = 60_000
/** How often the customer asks again while gossip spreads. */
const CONVERGE_POLL_MS = 250

interface RecordJson { kind: string, body: { id: string, seq: number, provider: string, service: { type: string, specs: Record<string, unknown> }, location: { country: string }, price: { amount: string, currency: string, unit: string } } }
interface Findings { ok: boolean, findings: Array<{ code: string, message: string }> }

const pad = (s: string, n: number): string => s.padEnd(n)
const plural = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`
const priceOf = (r: RecordJson): string => `${r.body.price.amount} ${r.body.price.currency}/${r.body.price.unit}`

function city (ctx: DemoContext, name: string): SupervisedDaemon {
  const d = ctx.nodes.get(name)
  if (d === undefined) throw new Error(`no ${name} node`)
  return d
}

async function initOnce (dataDir: string): Promise<void> {
  if (!existsSync(join(dataDir, 'identity.json'))) await must(['init', '--data-dir', dataDir])
}

async function startCity (ctx: DemoContext, c: City, bootstrap: string[]): Promise<void> {
  const dataDir = join(ctx.dir, c.dir)
  await initOnce(dataDir)
  const args = ['--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--log-level', 'warn', ...bootstrap.flatMap(b => ['--bootstrap', b])]
  const d = await ctx.supervisor.start(c.name, dataDir, args)
  ctx.nodes.set(c.name, d)
  ctx.names.set(d.peerId, c.name)
  sayNode(ctx, c.name)
}

function sayNode (ctx: DemoContext, name: string): void {
  const d = city(ctx, name)
  const port = /\/tcp\/(\d+)/.exec(d.addr)?.[1] ?? '?'
  ctx.n.say(`${pad(name, 10)} ${shortId(d.peerId)}  127.0.0.1:${pad(port, 5)}  pid ${d.pid}`)
}

/** 1. Five provider daemons, each on its own store; the others bootstrap from Milan. */
export async function startProviders (ctx: DemoContext): Promise<void> {
  ctx.n.step('Five providers start their nodes (real daemons on 127.0.0.1)')
  const [first, ...rest] = CITIES as [City, ...City[]]
  ctx.n.say(`${first.name} first, then ${rest.map(c => c.name).join(', ')}, which bootstrap from it:`, 4)
  await startCity(ctx, first, [])
  const seed = city(ctx, first.name).addr
  await Promise.all(rest.map(async c => { await startCity(ctx, c, [seed]) }))
  ctx.n.say(`Each keeps its key, offers and ledger in ${ctx.dir}/<city>.`)
}

/** 2. Each provider signs its example offers; gossip carries them to every node. */
export async function publishOffers (ctx: DemoContext): Promise<void> {
  ctx.n.step('Each provider signs its offers and gossips them')
  const published: RecordJson[] = []
  for (const c of CITIES) {
    for (const file of c.offers) {
      const r = await mustJson<{ decision: string, record: RecordJson }>(['offer', 'publish', join(ctx.examples, file), '--data-dir', join(ctx.dir, c.dir)])
      published.push(r.record)
      ctx.n.say(`${pad(c.name, 10)} ${pad(r.record.body.id, 15)} ${pad(r.record.body.service.type, 15)} ${priceOf(r.record)}`)
    }
  }
  const paris = city(ctx, 'Paris')
  const started = Date.now()
  for (;;) {
    const { offers } = await mustJson<{ offers: RecordJson[] }>(['search', '--peer', paris.addr])
    const seen = published.filter(p => offers.some(o => o.body.provider === p.body.provider && o.body.id === p.body.id && o.body.seq === p.body.seq))
    if (seen.length === published.length) break
    if (Date.now() - started > CONVERGE_TIMEOUT_MS) throw new Error(`after ${CONVERGE_TIMEOUT_MS} ms Paris holds ${seen.length} of the ${published.length} offers`)
    await new Promise(resolve => setTimeout(resolve, CONVERGE_POLL_MS))
  }
  ctx.n.say(`Paris's node holds all ${published.length} offers after ${Date.now() - started} ms.`)
}

/** 3. A customer with no daemon searches; the light client verifies every offer itself. */
export async function search (ctx: DemoContext): Promise<void> {
  ctx.n.step('A customer (a light client, no daemon) searches the federation')
  await initOnce(ctx.customerDir)
  const id = await mustJson<{ peerId: string }>(['id', '--data-dir', ctx.customerDir])
  ctx.names.set(id.peerId, 'customer')
  ctx.n.say('VMs in the EU with at least 4 vCPUs under 0.10 EUR/hour, asking Paris\'s node; the client checks each signature, expiry and filter:', 4)
  const { offers } = await mustJson<{ offers: RecordJson[] }>(['search', '--peer', city(ctx, 'Paris').addr,
    '--type', 'compute.vm', '--country', 'EU', '--min-vcpu', '4', '--max-price', '0.10', '--currency', 'EUR'])
  for (const o of offers) {
    const specs = `${String(o.body.service.specs.vcpu)} vCPU, ${String(o.body.service.specs.memoryGiB)} GiB`
    ctx.n.say(`  ${pad(o.body.id, 13)} ${pad(nameOf(ctx, o.body.provider), 10)} ${pad(o.body.location.country, 3)} ${pad(priceOf(o), 15)} ${specs}`)
  }
  if (offers.length === 0) throw new Error('the search found no VM')
}

interface PlanJson { ok: true, items: Array<{ name: string, provider: string, offer: string, quantity: number, perMonth?: string }>, costs: { perMonth: string, currency: string } }

/** `order plan FILE --json`, saved for `order place`; prints the chosen offers. */
async function plan (ctx: DemoContext, doc: string): Promise<string> {
  const p = await mustJson<PlanJson>(['order', 'plan', join(ctx.examples, 'orders', doc), ...peerFlags(ctx)])
  for (const i of p.items) {
    ctx.n.say(`  ${pad(i.name, 9)} ${pad(`${i.quantity} x ${i.offer}`, 22)} ${pad(nameOf(ctx, i.provider), 10)} ${i.perMonth ?? '?'} ${p.costs.currency}/month`)
  }
  ctx.n.say(`  total ${p.costs.perMonth} ${p.costs.currency}/month`)
  const file = join(ctx.dir, `plan-${doc}`)
  await writeFile(file, JSON.stringify(p, null, 2) + '\n')
  return file
}

/** 4. The customer plans an order across three providers. */
export async function planOrder (ctx: DemoContext): Promise<void> {
  ctx.n.step('The customer plans an order across three providers')
  ctx.n.say(`${FIRST_ORDER}: two VMs in Italy, 1 TiB of object storage in Germany, a PostgreSQL in France, all ISO 27001, from distinct providers, at most 900 EUR/month. The cheapest combination:`, 4)
  await plan(ctx, FIRST_ORDER)
}

interface PlaceJson { agreementId: string, status: string, providers: Record<string, { state: string, code?: string }> }

/** `order place PLAN`, with each provider's progress shown as it happens. */
async function place (ctx: DemoContext, planFile: string, extra: string[]): Promise<{ code: number, result: PlaceJson }> {
  const progress = (line: string): void => { if (/^\s+12D3KooW/.test(line)) ctx.n.say(withNames(ctx, line.trim()), 17) }
  const r = await fulcrum(['order', 'place', planFile, '--data-dir', ctx.customerDir, ...peerFlags(ctx), ...extra, '--json'], progress)
  if (r.code !== 0 && r.code !== 1) throw new Error(`fulcrum order place exited ${r.code}: ${r.err.trim().split('\n').pop() ?? ''}`)
  return { code: r.code, result: JSON.parse(r.out) as PlaceJson }
}

/** 5. The customer places it: every provider holds its part, then all commit. */
export async function placeOrder (ctx: DemoContext): Promise<void> {
  ctx.n.step('The customer places it: all three providers commit, or none')
  const { code, result } = await place(ctx, join(ctx.dir, `plan-${FIRST_ORDER}`), [])
  if (code !== 0 || result.status !== 'committed') throw new Error(`the order ended ${result.status}`)
  ctx.agreement = result.agreementId
  ctx.n.say(`Order ${result.agreementId} committed: the customer and each provider appended the same signed agreement to their ledgers.`, 4)
}

/** The agreement ids in the ledger of `dataDir` (read from the store, daemon running or not). */
async function agreementsOf (dataDir: string): Promise<string[]> {
  const r = await mustJson<{ agreements: Array<{ id: string }> }>(['ledger', 'list', '--data-dir', dataDir])
  return r.agreements.map(a => a.id)
}

/** 6. With Amsterdam stopped, an order that needs it aborts and no party keeps any of it. */
export async function failedOrder (ctx: DemoContext): Promise<void> {
  ctx.n.step(`${STOPPED_CITY} stops; an order that needs it fails, and nobody keeps it`)
  const stopped = city(ctx, STOPPED_CITY)
  await ctx.supervisor.stop(STOPPED_CITY)
  ctx.n.say(`${STOPPED_CITY}'s node (pid ${stopped.pid}) stopped. Its GPU offer is still in every catalog until it expires. The customer plans ${SECOND_ORDER}:`, 4)
  const planFile = await plan(ctx, SECOND_ORDER)
  const { code, result } = await place(ctx, planFile, ['--commit-window', String(SECOND_ORDER_WINDOW_MS)])
  if (code !== 1 || result.status !== 'aborted') throw new Error(`the order with ${STOPPED_CITY} stopped ended ${result.status}`)
  ctx.failedOrder = result.agreementId
  ctx.n.say(`Order ${result.agreementId} aborted: ${STOPPED_CITY} never answered, so the customer never committed, and the others released their holds. Every ledger, read from its store:`, 4)
  for (const [name, dir] of [['customer', ctx.customerDir], ...CITIES.map(c => [c.name, join(ctx.dir, c.dir)])] as Array<[string, string]>) {
    const ids = await agreementsOf(dir)
    if (ids.includes(result.agreementId)) throw new Error(`${name}'s ledger holds the aborted order ${result.agreementId}`)
    ctx.n.say(`  ${pad(name, 10)} no such agreement (${plural(ids.length, 'agreement', 'agreements')} in all)`)
  }
}

/** 7. Amsterdam comes back on its store; an auditor checks every ledger. */
export async function auditLedgers (ctx: DemoContext): Promise<void> {
  ctx.n.step('An auditor verifies every ledger')
  const c = CITIES.find(x => x.name === STOPPED_CITY) as City
  await startCity(ctx, c, [city(ctx, 'Milan').addr])
  ctx.n.say(`${STOPPED_CITY} restarted on its own store (above). Each node's log: checkpoint signature, every new entry and signature, consistent with the auditor's last visit:`, 4)
  for (const x of CITIES) {
    const r = await mustJson<Findings & { previousSize?: number, size?: number, newEntries: number }>(
      ['audit', 'peer', city(ctx, x.name).addr, '--state-dir', join(ctx.dir, 'auditor')])
    if (!r.ok) throw new Error(`audit of ${x.name}: ${r.findings.map(f => f.code).join(', ')}`)
    ctx.n.say(`  ${pad(x.name, 10)} size ${r.previousSize ?? '-'} -> ${r.size ?? '?'}, ${plural(r.newEntries, 'new entry', 'new entries')} verified: OK`)
  }
  const bundle = join(ctx.dir, 'customer-ledger.json')
  await must(['ledger', 'export', '--data-dir', ctx.customerDir, '--out', bundle])
  const r = await mustJson<Findings & { size?: number }>(['audit', 'bundle', bundle])
  if (!r.ok) throw new Error(`audit of the customer's export: ${r.findings.map(f => f.code).join(', ')}`)
  ctx.n.say(`  ${pad('customer', 10)} exported ledger (offline), ${plural(r.size ?? 0, 'entry', 'entries')} verified: OK`)
}

/** 8. The same agreement, with the same body, in every party's ledger. */
export async function crossCheck (ctx: DemoContext): Promise<void> {
  ctx.n.step('The auditor cross-checks the agreement across its parties')
  const id = ctx.agreement as string
  const r = await mustJson<Findings & { parties: string[], bodyHash?: string }>(['audit', 'agreement', id,
    ...['Milan', 'Frankfurt', 'Paris'].flatMap(n => ['--peer', city(ctx, n).addr]), '--bundle', join(ctx.dir, 'customer-ledger.json')])
  if (!r.ok || r.bodyHash === undefined) throw new Error(`audit agreement: ${r.findings.map(f => f.code).join(', ')}`)
  ctx.n.say(`${id}: the same entry (body hash ${r.bodyHash.slice(0, 16)}…), proven included in the signed ledger of each of its ${r.parties.length} parties: ${r.parties.map(p => nameOf(ctx, p)).join(', ')}: OK`, 4)
}
