/**
 * `fulcrum ledger list|show`: the agreements of a ledger in human form (parties, items, prices,
 * term, state), or as JSON. Like the other ledger read commands they work whether the daemon runs
 * or not (a snapshot is read while it holds the store).
 */
import { agreementViews } from '../../ledger/index.js'
import type { AgreementView } from '../../ledger/index.js'
import { readEntries } from '../../log/index.js'
import { hexBytes } from '../../encoding/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, printJson } from '../command.js'
import type { Command } from '../command.js'
import { withLedger } from './ledger.js'

const jsonSafe = hexBytes

const iso = (ms: number): string => new Date(ms).toISOString()
const short = (peerId: string): string => peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId

/** One line per item: name, provider, offer, quantity x price. */
function itemLines (v: AgreementView): string[] {
  return v.items.map(i => {
    const offer = i.offer === undefined ? '' : ` offer ${i.offer.id ?? '?'}${i.offer.seq === undefined ? '' : `@${i.offer.seq}`}`
    const price = i.price === undefined ? '' : ` ${i.quantity ?? 1} x ${i.price.amount ?? '?'} ${i.price.currency ?? ''}/${i.price.unit ?? '?'}`
    return `  - ${i.name ?? '(item)'}: ${i.provider === undefined ? '' : short(i.provider)}${offer}${price}`
  })
}

function stateText (v: AgreementView): string {
  if (v.state === 'active') return 'active'
  return `${v.state} ${v.state === 'terminated' ? 'at' : 'from'} ${iso(v.endsAt ?? 0)}`
}

function termText (v: AgreementView): string {
  return v.term === undefined ? '' : `; term ${JSON.stringify(v.term)}`
}

/** `fulcrum ledger list` */
export const ledgerListCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    return await withLedger(args, io, async (reader) => {
      const views = agreementViews(await readEntries(reader.log), Date.now())
      if (args.values.json === true) {
        printJson(io, { agreements: jsonSafe(views), snapshot: reader.snapshot })
        return ExitCode.OK
      }
      if (views.length === 0) io.out('no agreements')
      for (const v of views) {
        io.out(`${v.id}  ${stateText(v)}  created ${iso(v.createdAt)}; ${v.parties.length} parties${termText(v)}`)
        for (const line of itemLines(v)) io.out(line)
      }
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
      const v = agreementViews(await readEntries(reader.log), Date.now()).find(a => a.id === id)
      if (v === undefined) {
        io.err(`fulcrum ledger show: LOG_NOT_FOUND: no agreement ${id} in this ledger`)
        return ExitCode.INVALID
      }
      if (args.values.json === true) {
        printJson(io, jsonSafe(v))
        return ExitCode.OK
      }
      io.out(`agreement ${v.id} (entry ${v.index})\nstate: ${stateText(v)}\ncreated: ${iso(v.createdAt)}`)
      io.out(`parties:\n${v.parties.map(p => `  ${p}`).join('\n')}`)
      if (v.items.length > 0) io.out(`items:\n${itemLines(v).join('\n')}`)
      if (v.term !== undefined) io.out(`term: ${JSON.stringify(v.term)}`)
      io.out(`terms: ${JSON.stringify(jsonSafe(v.terms), null, 2)}`)
      for (const t of v.terminations) io.out(`termination ${t.id} (entry ${t.index}): signed ${iso(t.createdAt)}, effective ${iso(t.effectiveAt ?? t.createdAt)}: ${t.reason ?? ''}`)
      for (const a of v.amendments) io.out(`amendment ${a.id} (entry ${a.index}): ${iso(a.createdAt)}`)
      return ExitCode.OK
    })
  }
}
