/**
 * `fulcrum order place|status|list`: the customer's side of composed orders, as a light client
 * with no daemon: it plans (or takes a saved plan), negotiates over libp2p with a client-only node
 * under the customer's own key, and keeps its orders (`customer-orders/`) and its agreement ledger
 * (`ledger/`) in its data dir. Every command first resumes what a crashed earlier command left:
 * a decided commit is delivered again, an undecided order is aborted (protocols/order-v1.md §Customer).
 */
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { dataDirPaths, loadConfig, loadIdentity } from '../../datadir/index.js'
import type { Identity } from '../../identity/index.js'
import { FulcrumError } from '../../errors/index.js'
import { MerkleLog } from '../../log/index.js'
import { createLightLibp2pNode } from '../../network/index.js'
import { recordFromJson, verifyRecord } from '../../offers/index.js'
import type { Offer, OfferRecord } from '../../offers/index.js'
import { MAX_HOLD_WINDOW_MS, MIN_HOLD_WINDOW_MS, agreementEnd, checkOrderDocument } from '../../orders/index.js'
import type { Plan, TerminationRecord } from '../../orders/index.js'
import { CustomerStore, OrderShellError, outcomeOf, orderBody, placeOrder, resumeOrders, resumeTerminations, syncTerminations, terminationView } from '../../order-protocol/index.js'
import type { CustomerComponents, OrderOutcome, ProgressEvent, TerminationView } from '../../order-protocol/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, WIDE_OPTION, ExitCode, dataDirOf, printJson, usageError } from '../command.js'
import { formatTime, peerCell, renderTable } from '../table.js'
import type { CliIO, Command, CommandArgs } from '../command.js'
import { readJson } from '../files.js'
import { listSetting } from './daemon.js'
import { planFromPeers } from './order.js'
import { providerAddresses } from '../../client/plan.js'

const short = (peerId: string): string => peerCell(peerId)

/**
 * Opens the customer's store, ledger and a client-only libp2p node with its key; resumes unfinished
 * orders and re-sends the customer's incomplete terminations; runs `fn`; closes them.
 */
export async function asCustomer<T> (args: CommandArgs, io: CliIO, fn: (c: CustomerComponents, identity: Identity) => Promise<T>): Promise<T> {
  const dir = dataDirOf(args, io)
  const identity = await loadIdentity(dir)
  const config = await loadConfig(dir)
  const paths = dataDirPaths(dir)
  const store = await CustomerStore.open(paths.customerOrders)
  let log: MerkleLog | undefined
  let node: Awaited<ReturnType<typeof createLightLibp2pNode>> | undefined
  try {
    log = await MerkleLog.open(paths.ledger, { signer: identity })
    node = await createLightLibp2pNode({ seed: identity.seed, allowedDialRanges: config.allowedDialRanges })
    // Progress goes to stderr in every mode: stdout stays the result (JSON with --json).
    const c: CustomerComponents = {
      identity, dialer: node, store, log, now: Date.now, random: n => new Uint8Array(randomBytes(n)), progress: (e: ProgressEvent) => { io.err(progressLine(e)) }
    }
    for (const r of await resumeOrders(c)) io.err(`resumed ${r.orderId}: ${r.status}`)
    await resumeTerminations(c)
    return await fn(c, identity)
  } finally {
    await node?.stop()
    await log?.close()
    await store.close()
  }
}

function progressLine (e: ProgressEvent): string {
  const code = e.code === undefined ? '' : ` ${e.code}${e.reason === undefined ? '' : `: ${e.reason}`}`
  return `  ${short(e.provider)}  ${e.step}${code}`
}

/** Verified offer records of a saved plan `{ items: [{ name, record, quantity }], term, total }`. */
function planFromJson (json: unknown, now: number): Plan {
  const j = json as { items?: unknown, term?: unknown, total?: unknown }
  if (!Array.isArray(j.items)) usageError('a plan file has items')
  const items = j.items.map((raw: unknown, i: number) => {
    const item = raw as { name?: unknown, record?: unknown, quantity?: unknown }
    const record = verifyRecord(recordFromJson(item.record), now).record
    if (record.kind !== 'offer' || typeof item.name !== 'string' || typeof item.quantity !== 'number') usageError(`plan item ${i} is { name, record, quantity }`)
    return { name: item.name, record: record as OfferRecord & { kind: 'offer', body: Offer }, quantity: item.quantity }
  })
  return { items, term: j.term as Plan['term'], total: j.total as Plan['total'] }
}

/** Plans an order document against the offers the peers return for its items. */
async function planDocument (doc: unknown, peers: string[], io: CliIO): Promise<Plan | undefined> {
  const checked = checkOrderDocument(doc)
  if (!checked.ok) {
    for (const issue of checked.issues) io.err(`fulcrum order place: ${issue.code}: ${issue.path}: ${issue.message}`)
    return undefined
  }
  const { outcome } = await planFromPeers(checked.document, peers)
  if (outcome.ok) return outcome.plan
  for (const r of outcome.reasons) io.err(`fulcrum order place: ${r.code}: ${r.message}`)
  return undefined
}

/** Committed and acknowledged by every provider: the only outcome `order place` exits 0 with. */
function acknowledged (o: OrderOutcome): boolean {
  return o.status === 'committed' && Object.values(o.providers).every(p => p.state === 'committed')
}

function printOutcome (io: CliIO, o: OrderOutcome, json: boolean, wide: boolean): void {
  if (json) {
    printJson(io, { agreementId: o.orderId, status: o.status, acknowledged: acknowledged(o), providers: o.providers, ...(o.counters === undefined ? {} : { counters: o.counters }) })
    return
  }
  io.out(`${o.status} ${o.orderId}`)
  for (const c of o.counters?.accepted ?? []) {
    io.out(`accepted counter-offer for ${c.item}: ${c.offered?.quantity ?? 0} x ${c.offered?.price.amount ?? ''} ${c.offered?.price.currency ?? ''}/${c.offered?.price.unit ?? ''} (asked ${c.asked.quantity} x ${c.asked.price.amount})`)
  }
  const rows = Object.entries(o.providers).map(([p, r]) => [peerCell(p, wide), r.state, r.code === undefined ? '' : `${r.code}${r.reason === undefined ? '' : `: ${r.reason}`}`])
  io.out(renderTable(['PROVIDER', 'STATE', 'CODE'], rows, wide, [2]).join('\n'))
}

/** `fulcrum order place` */
export const orderPlaceCommand: Command = {
  usage: 'FILE --data-dir DIR --peer MULTIADDR [--peer ...] [--commit-window MS] [--quote] [--accept-counter-within PCT] [--wide] [--json]',
  details: 'Runs without a daemon (a light client under the data dir\'s key). Shows each provider\'s progress on stderr ' +
    '(hold, held, pending, refused, commit, committed). Exit 0 committed and acknowledged by every provider (prints the agreement id; ' +
    '--json: { agreementId, status, acknowledged, providers }), 1 aborted (each provider\'s state and code), nothing to plan, or decided but ' +
    'not acknowledged by every provider (ORDER_COMMIT_UNACKNOWLEDGED: the agreement is in this customer\'s ledger), 2 usage or I/O. --commit-window: how long the customer ' +
    'gives itself to gather every hold and decide (ms; default 30000; providers hold until then plus their grace). --quote: ask every ' +
    'provider for a firm quote first; a counter-offer (fewer units, another price) aborts the order before any hold and is shown ' +
    '(ORDER_COUNTER_DECLINED), unless --accept-counter-within PCT (implies --quote) takes counters whose quantity differs by at most PCT ' +
    'percent and whose price is at most PCT percent higher; the holds then carry the countered terms.',
  positionals: [1, 1],
  options: {
    ...DATA_DIR_OPTION, ...JSON_OPTION, ...WIDE_OPTION, peer: { type: 'string', multiple: true }, 'commit-window': { type: 'string' }, quote: { type: 'boolean' }, 'accept-counter-within': { type: 'string' }
  },
  async run (args, io) {
    const windowFlag = args.values['commit-window']
    const commitWindowMs = windowFlag === undefined ? undefined : Number(windowFlag)
    if (commitWindowMs !== undefined && (!Number.isSafeInteger(commitWindowMs) || commitWindowMs < MIN_HOLD_WINDOW_MS || commitWindowMs > MAX_HOLD_WINDOW_MS)) {
      usageError(`--commit-window must be ${MIN_HOLD_WINDOW_MS} to ${MAX_HOLD_WINDOW_MS} ms, got '${String(args.values['commit-window'])}'`)
    }
    const withinFlag = args.values['accept-counter-within'] as string | undefined
    const withinPct = withinFlag === undefined ? undefined : Number(withinFlag)
    if (withinPct !== undefined && (!Number.isFinite(withinPct) || withinPct < 0 || withinPct > 100)) usageError('--accept-counter-within must be 0..100 (percent)')
    const quote = args.values.quote === true || withinPct !== undefined ? (withinPct === undefined ? {} : { withinPct }) : undefined
    const json = await readJson(args.positionals[0] as string)
    const peers = listSetting(args, 'peer', io.env.FULCRUM_PEERS) ?? []
    const isPlan = Array.isArray((json as { items?: unknown }).items) && ((json as { items: Array<{ record?: unknown }> }).items[0]?.record !== undefined)
    if (!isPlan && peers.length === 0) usageError('--peer is required to plan an order document')
    const plan = isPlan ? planFromJson(json, Date.now()) : await planDocument(json, peers, io)
    if (plan === undefined) return ExitCode.INVALID
    return await asCustomer(args, io, async (c) => {
      const outcome = await placeOrder(c, plan, providerAddresses(plan, peers), { ...(commitWindowMs === undefined ? {} : { commitWindowMs }), ...(quote === undefined ? {} : { quote }) })
      printOutcome(io, outcome, args.values.json === true, args.values.wide === true)
      if (outcome.status !== 'aborted' && !acknowledged(outcome)) {
        const missing = Object.entries(outcome.providers).filter(([, p]) => p.state !== 'committed').map(([id, p]) => `${short(id)} ${p.state}${p.code === undefined ? '' : ` (${p.code})`}`)
        io.err(`fulcrum order place: ${OrderShellError.COMMIT_UNACKNOWLEDGED}: ${outcome.orderId} is decided and in this customer's ledger, ` +
          `but not acknowledged by ${missing.join(', ')}; ${outcome.status === 'committing' ? 'the next fulcrum order command delivers it again' : 'its hold deadline passed: compare the ledgers (fulcrum audit)'}`)
      }
      return acknowledged(outcome) ? ExitCode.OK : ExitCode.INVALID
    })
  }
}

/** One line per termination: who, when effective, complete or whom it waits for. */
export function terminationLine (t: TerminationView): string {
  const state = t.complete ? 'complete (in the ledger)' : `waiting for ${t.waitingFor.map(short).join(', ') || 'nobody'}`
  const refusals = t.refusals.map(r => `; refused by ${short(r.party)}: ${r.code}`).join('')
  return `termination ${t.id} by ${short(t.initiator)}: effective ${new Date(t.effectiveAt).toISOString()}, ${state}${refusals}${t.reason === '' ? '' : ` (${t.reason})`}`
}

/** `fulcrum order status` */
export const orderStatusCommand: Command = {
  usage: 'ORDER-ID --data-dir DIR [--wide] [--json]',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION, ...WIDE_OPTION },
  async run (args, io) {
    return await asCustomer(args, io, async (c) => {
      const record = await c.store.get(args.positionals[0] as string)
      if (record === undefined) throw new FulcrumError('ORDER_UNKNOWN_ORDER', `no order ${args.positionals[0] as string} in this data dir`)
      const o = outcomeOf(record)
      const terminations = (await syncTerminations(c, o.orderId)).map(terminationView)
      if (args.values.json === true) printJson(io, { agreementId: o.orderId, status: o.status, acknowledged: acknowledged(o), providers: o.providers, terminations, body: orderBody(record) })
      else {
        printOutcome(io, o, false, args.values.wide === true)
        for (const t of terminations) io.out(terminationLine(t))
      }
      return ExitCode.OK
    })
  }
}

/** Where an agreement stands by the complete terminations this customer recorded. */
function endOf (records: TerminationRecord[], now: number): { termination: string, endsAt?: number } {
  const { state, endsAt } = agreementEnd(records, now)
  return endsAt === undefined ? { termination: state } : { termination: state, endsAt }
}

/** `fulcrum order list` */
export const orderListCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    return await asCustomer(args, io, async (c) => {
      const orders = await Promise.all((await c.store.list()).map(async r => ({
        agreementId: r.id, status: outcomeOf(r).status, createdAt: formatTime(r.createdAt), providers: Object.keys(r.addresses), ...endOf(await c.store.terminations(r.id), c.now())
      })))
      if (args.values.json === true) printJson(io, { orders })
      else if (orders.length === 0) io.out('no orders')
      else {
        const rows = orders.map(o => [o.agreementId, o.status, o.createdAt, String(o.providers.length), o.endsAt === undefined ? '' : `${o.termination ?? ''} ${o.termination === 'terminated' ? 'at' : 'from'} ${formatTime(o.endsAt)}`])
        io.out(renderTable(['ORDER', 'STATUS', 'CREATED', 'PROVIDERS', 'ENDS'], rows, false, []).join('\n'))
      }
      return ExitCode.OK
    })
  }
}
