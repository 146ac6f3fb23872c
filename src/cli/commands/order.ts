/**
 * `fulcrum order ...`: composed orders from the command line (protocols/order-v1.md). `order plan`
 * resolves an order document against live offers fetched and verified by the light client; the
 * negotiation commands (place, status, list, terminate) join this group.
 */
import { EXPLAIN_RESULTS_PER_NODE, planWith, searchOffers } from '../../client/index.js'
import type { SourceReport } from '../../client/index.js'
import { recordToJson } from '../../offers/index.js'
import { checkOrderDocument } from '../../orders/index.js'
import type { OrderDocument, PlanOutcome } from '../../orders/index.js'
import { JSON_OPTION, WIDE_OPTION, ExitCode, printJson, usageError } from '../command.js'
import { peerCell, renderTable } from '../table.js'
import type { CliIO, Command, CommandArgs } from '../command.js'
import { readJson } from '../files.js'
import { peersOf } from './search.js'

/** Largest order document read: 16 items with every criterion fit in a few KiB. */
export const MAX_ORDER_DOCUMENT_BYTES = 64 * 1024
export { EXPLAIN_RESULTS_PER_NODE }

/**
 * Reads and validates an order document. On problems, prints every one
 * (`fulcrum COMMAND: CODE: path: message`) and returns undefined: the caller exits with ExitCode.ERROR.
 */
export async function readOrderDocument (path: string, io: CliIO, command: string): Promise<OrderDocument | undefined> {
  const checked = checkOrderDocument(await readJson(path, MAX_ORDER_DOCUMENT_BYTES))
  if (checked.ok) return checked.document
  for (const issue of checked.issues) io.err(`fulcrum ${command}: ${issue.code}: ${issue.path}: ${issue.message}`)
  return undefined
}

/** Plans `doc` against the offers `peers` return (client/plan.ts: one query per item, then explanations). */
export async function planFromPeers (doc: OrderDocument, peers: string[], now: () => number = Date.now): Promise<{ outcome: PlanOutcome, sources: SourceReport[] }> {
  return await planWith(async (filter, maxResultsPerNode) => await searchOffers({ peers, filter, ...(maxResultsPerNode === undefined ? {} : { maxResultsPerNode }) }), doc, now)
}

/** Renders a plan as an aligned table with its totals. */
export function renderPlan (outcome: Extract<PlanOutcome, { ok: true }>, wide = false): string {
  const { plan, costs } = outcome
  const head = ['ITEM', 'PROVIDER', 'OFFER', 'LOCATION', 'QUANTITY', 'UNIT PRICE', 'PER MONTH']
  const rows = plan.items.map((item, i) => {
    const o = item.record.body
    return [item.name, peerCell(o.provider, wide), o.id, [o.location.country, o.location.subdivision, o.location.site].filter(x => x !== undefined).join(' '),
      String(item.quantity), `${o.price.amount} ${o.price.currency}/${o.price.unit}`, `${costs.items[i]?.perMonth ?? ''} ${costs.currency}`]
  })
  return [...renderTable(head, rows, wide, [0, 3]),
    `total ${costs.perMonth} ${costs.currency}/month; ${costs.term} ${costs.currency} for the ${plan.term.months}-month term` +
    (outcome.search.exhaustive ? '' : ' (search limit reached: the cheapest found, not proven cheapest)')].join('\n')
}

/**
 * The JSON form of a plan outcome (`--json`). A plan's top level is a saved plan
 * `{ items: [{ name, record, quantity, ... }], term, total }` that `order place` takes as is.
 */
export function outcomeToJson (outcome: PlanOutcome, sources: SourceReport[]): unknown {
  if (!outcome.ok) return { ok: false, reasons: outcome.reasons, search: outcome.search, sources }
  const { plan, costs } = outcome
  return {
    ok: true,
    items: plan.items.map((item, i) => ({
      name: item.name,
      provider: item.record.body.provider,
      offer: item.record.body.id,
      seq: item.record.body.seq,
      location: item.record.body.location,
      quantity: item.quantity,
      price: item.record.body.price,
      perMonth: costs.items[i]?.perMonth,
      record: recordToJson(item.record)
    })),
    term: plan.term,
    total: plan.total,
    costs,
    search: outcome.search,
    sources
  }
}

function notes (sources: SourceReport[]): string[] {
  const seen = new Set<string>()
  return sources.filter(s => s.error !== undefined && !seen.has(s.peer) && seen.add(s.peer) !== undefined).map(s => `note: ${s.peer} did not answer (${s.error ?? ''})`)
}

/** `fulcrum order plan FILE` */
export const orderPlanCommand: Command = {
  usage: 'FILE [--peer MULTIADDR]... [--data-dir DIR] [--wide] [--json]',
  details: [
    'FILE is an order document (protocols/order-v1.md §1; examples in config/examples/orders/), or - for standard input.',
    'Nodes to ask: --peer (repeatable), else FULCRUM_PEERS (comma-separated), else the config\'s peers (--data-dir).',
    'One query per item with the item\'s filter; every offer is verified by this client, nodes are not trusted.',
    'Exit codes: 0 a plan was found; 1 no combination satisfies the order (each reason with its ORDER_PLAN_* code);',
    '2 usage, an invalid document (ORDER_DOC_* codes, every problem listed) or no node answered.'
  ].join('\n'),
  positionals: [1, 1],
  options: { ...JSON_OPTION, ...WIDE_OPTION, peer: { type: 'string', multiple: true }, 'data-dir': { type: 'string' } },
  async run (args: CommandArgs, io: CliIO) {
    const file = args.positionals[0] ?? usageError('FILE is required')
    const doc = await readOrderDocument(file, io, 'order plan')
    if (doc === undefined) return ExitCode.ERROR
    const { outcome, sources } = await planFromPeers(doc, await peersOf(args, io))
    if (args.values.json === true) {
      printJson(io, outcomeToJson(outcome, sources))
    } else if (outcome.ok) {
      io.out([renderPlan(outcome, args.values.wide === true), ...notes(sources)].join('\n'))
    } else {
      for (const reason of outcome.reasons) io.err(`fulcrum order plan: ${reason.code}: ${reason.message}`)
      for (const note of notes(sources)) io.err(note)
    }
    return outcome.ok ? ExitCode.OK : ExitCode.INVALID
  }
}
