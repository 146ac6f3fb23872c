/**
 * `fulcrum ledger list|show`: the agreements of a ledger in human form (parties, items, prices,
 * term, state), or as JSON. Like the other ledger read commands they work whether the daemon runs
 * or not (a snapshot is read while it holds the store).
 */
import { agreementViews } from '../../ledger/index.js'
import type { AgreementView } from '../../ledger/index.js'
import { readEntries } from '../../log/index.js'
import { hexBytes } from '../../encoding/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, WIDE_OPTION, ExitCode, printJson } from '../command.js'
import { formatTime, peerCell, renderTable } from '../table.js'
import type { Command } from '../command.js'
import { withLedger } from './ledger.js'

const jsonSafe = hexBytes

const iso = formatTime

/** One line per item: name, provider, offer, quantity x price. */
function itemLines (v: AgreementView, wide: boolean): string[] {
  return v.items.map(i => {
    const offer = i.offer === undefined ? '' : ` offer ${i.offer.id ?? '?'}${i.offer.seq === undefined ? '' : `@${i.offer.seq}`}`
    const price = i.price === undefined ? '' : ` ${i.quantity ?? 1} x ${i.price.amount ?? '?'} ${i.price.currency ?? ''}/${i.price.unit ?? '?'}`
    return `  - ${i.name ?? '(item)'}: ${i.provider === undefined ? '' : peerCell(i.provider, wide)}${offer}${price}`
  })
}

/**
 * The agreement's place in an aggregator's chain (order-v1 §10): the order it serves (a sub-order's
 * `terms.parent`: id and SHA-256 of the parent's agreement signing bytes) and the sub-orders in this
 * ledger that serve it.
 */
export interface ChainLink { parent?: { order: string, hash: string }, subOrders: string[] }

function parentOf (v: AgreementView): ChainLink['parent'] {
  const p = v.terms.parent
  if (typeof p !== 'object' || p === null || Array.isArray(p) || p instanceof Uint8Array) return undefined
  const { order, hash } = p as { order?: unknown, hash?: unknown }
  return typeof order === 'string' && hash instanceof Uint8Array ? { order, hash: Buffer.from(hash).toString('hex') } : undefined
}

/** The chain link of `v` among the agreements of one ledger. */
export function chainOf (v: AgreementView, all: readonly AgreementView[]): ChainLink {
  const parent = parentOf(v)
  const subOrders = all.filter(a => parentOf(a)?.order === v.id).map(a => a.id)
  return parent === undefined ? { subOrders } : { parent, subOrders }
}

function chainLines (c: ChainLink): string[] {
  const out: string[] = []
  if (c.parent !== undefined) out.push(`serves: ${c.parent.order} (parent body sha256 ${c.parent.hash})`)
  if (c.subOrders.length > 0) out.push(`sub-orders: ${c.subOrders.join(', ')}`)
  return out
}

function stateText (v: AgreementView): string {
  if (v.state === 'active') return 'active'
  return `${v.state} ${v.state === 'terminated' ? 'at' : 'from'} ${iso(v.endsAt ?? 0)}`
}

function termText (v: AgreementView): string {
  const t = v.term as { months?: unknown } | undefined
  return t === undefined ? '' : typeof t.months === 'number' ? `${t.months} month(s)` : JSON.stringify(t)
}

/** `fulcrum ledger list` */
export const ledgerListCommand: Command = {
  usage: '--data-dir DIR [--wide] [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION, ...WIDE_OPTION },
  async run (args, io) {
    return await withLedger(args, io, async (reader) => {
      const views = agreementViews(await readEntries(reader.log), Date.now())
      if (args.values.json === true) {
        printJson(io, { agreements: jsonSafe(views), snapshot: reader.snapshot })
        return ExitCode.OK
      }
      if (views.length === 0) {
        io.out('no agreements')
        return ExitCode.OK
      }
      const rows = views.map(v => [v.id, stateText(v), iso(v.createdAt), String(v.parties.length), termText(v), v.items.map(i => `${i.name ?? '(item)'} x${i.quantity ?? 1}`).join(', ')])
      // Only the items give way to fit 100 columns: an agreement id is never cut (scripts find rows by it).
      io.out(renderTable(['AGREEMENT', 'STATE', 'CREATED', 'PARTIES', 'TERM', 'ITEMS'], rows, args.values.wide === true, [5]).join('\n'))
      // Aggregator chains (order-v1 §10), under the table: an agreement and what it serves or buys.
      for (const v of views) for (const line of chainLines(chainOf(v, views))) io.out(`${v.id} ${line}`)
      return ExitCode.OK
    })
  }
}

/** `fulcrum ledger show` */
export const ledgerShowCommand: Command = {
  usage: 'AGREEMENT-ID --data-dir DIR [--json]',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const id = args.positionals[0] as string
    return await withLedger(args, io, async (reader) => {
      const views = agreementViews(await readEntries(reader.log), Date.now())
      const v = views.find(a => a.id === id)
      if (v === undefined) {
        io.err(`fulcrum ledger show: LOG_NOT_FOUND: no agreement ${id} in this ledger`)
        return ExitCode.INVALID
      }
      const chain = chainOf(v, views)
      if (args.values.json === true) {
        printJson(io, { ...jsonSafe(v) as object, chain })
        return ExitCode.OK
      }
      io.out(`agreement ${v.id} (entry ${v.index})\nstate: ${stateText(v)}\ncreated: ${iso(v.createdAt)}`)
      for (const line of chainLines(chain)) io.out(line)
      io.out(`parties:\n${v.parties.map(p => `  ${p}`).join('\n')}`)
      if (v.items.length > 0) io.out(`items:\n${itemLines(v, true).join('\n')}`)
      if (v.term !== undefined) io.out(`term: ${termText(v)}`)
      io.out(`terms: ${JSON.stringify(jsonSafe(v.terms), null, 2)}`)
      for (const t of v.terminations) io.out(`termination ${t.id} (entry ${t.index}): signed ${iso(t.createdAt)}, effective ${iso(t.effectiveAt ?? t.createdAt)}: ${t.reason ?? ''}`)
      for (const a of v.amendments) io.out(`amendment ${a.id} (entry ${a.index}): ${iso(a.createdAt)}`)
      return ExitCode.OK
    })
  }
}
