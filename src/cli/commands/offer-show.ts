/**
 * `fulcrum offer show ID`: one offer (or withdrawal) of the running node's local catalog, the
 * node's own first, in full; `--provider` picks one when several providers use the id.
 */
import { ApiClient } from '../../api/index.js'
import type { RecordJson } from '../../offers/index.js'
import type { Offer } from '../../offers/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson } from '../command.js'
import type { Command } from '../command.js'
import { formatTime } from '../table.js'

const iso = formatTime

/** The human form of a record: one labelled line per field. */
export function recordText (r: RecordJson, own: boolean, now: number): string {
  const b = r.body as unknown as Offer
  const head = `${r.kind} ${b.id} seq ${b.seq}${own ? ' (this node\'s)' : ''}`
  if (r.kind === 'withdrawal') return [head, `provider  ${b.provider}`, `issued    ${iso(b.issuedAt)}`].join('\n')
  const specs = Object.entries(b.service.specs).map(([k, v]) => `${k}=${v}`).join(' ')
  const place = [b.location.country, b.location.subdivision, b.location.site].filter(x => x !== undefined).join(' / ')
  return [
    head,
    `provider  ${b.provider}`,
    `service   ${b.service.type}${specs === '' ? '' : `  ${specs}`}`,
    `location  ${place}; jurisdiction ${b.jurisdiction}`,
    `price     ${b.price.amount} ${b.price.currency}/${b.price.unit}; capacity ${b.capacity}; availability ${b.sla.availability}%`,
    `certs     ${b.certifications.length === 0 ? '(none)' : b.certifications.join(', ')}`,
    `terms     ${b.terms.url} (sha256 ${b.terms.sha256})`,
    `issued    ${iso(b.issuedAt)}`,
    `expires   ${iso(b.expiresAt)}${b.expiresAt <= now ? ' (expired)' : ''}`,
    `addresses ${b.addresses.length === 0 ? '(none)' : b.addresses.join(' ')}`
  ].join('\n')
}

export const offerShowCommand: Command = {
  usage: 'ID --data-dir DIR [--provider PEER-ID] [--json]',
  details: 'Exit 0 with the record; 2 with API_NOT_FOUND if the catalog holds no offer ID, API_AMBIGUOUS if several providers use ID (name one with --provider).',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION, provider: { type: 'string' } },
  async run (args, io) {
    const client = await ApiClient.forDataDir(dataDirOf(args, io))
    const provider = args.values.provider
    const query = typeof provider === 'string' ? `?provider=${encodeURIComponent(provider)}` : ''
    const { record, own } = await client.call<{ record: RecordJson, own: boolean }>('GET', `/v1/offers/${encodeURIComponent(args.positionals[0] as string)}${query}`)
    if (args.values.json === true) printJson(io, { record, own })
    else io.out(recordText(record, own, Date.now()))
    return ExitCode.OK
  }
}
