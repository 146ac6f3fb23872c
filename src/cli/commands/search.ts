/**
 * `fulcrum search`: the light client from the command line. Asks nodes (`--peer`, else
 * FULCRUM_PEERS, else the config's `peers`), verifies every offer itself and prints a table or JSON.
 */
import { defaultConfig, loadConfig } from '../../datadir/index.js'
import { searchOffers } from '../../client/index.js'
import type { SearchResult } from '../../client/index.js'
import { recordToJson } from '../../offers/index.js'
import type { Offer } from '../../offers/index.js'
import { JSON_OPTION, WIDE_OPTION, ExitCode, printJson } from '../command.js'
import { FILTER_FLAG_PATHS, filterFromArgs } from '../filter-args.js'
import { formatTime, peerCell, renderTable as renderRows } from '../table.js'
import { BILLING_UNITS, CERTIFICATIONS, SERVICE_TYPES } from '../../offers/index.js'
import type { CliIO, Command, CommandArgs } from '../command.js'
import { listSetting } from './daemon.js'

/** Re-exported: the filter flags are parsed by one function, shared with the web page. */
export { FILTER_FLAG_PATHS, filterFromArgs }

/** The nodes to ask: --peer, else FULCRUM_PEERS, else the config's peers (--data-dir). */
export async function peersOf (args: CommandArgs, io: CliIO): Promise<string[]> {
  const given = listSetting(args, 'peer', io.env.FULCRUM_PEERS)
  if (given !== undefined) return given
  const flag = args.values['data-dir']
  const dir = typeof flag === 'string' ? flag : io.env.FULCRUM_DATA_DIR
  return (dir === undefined || dir === '' ? await defaultConfig() : await loadConfig(dir)).peers
}

const SPEC_KEYS = ['vcpu', 'memoryGiB', 'gpuModel', 'gpuCount', 'cpuCores', 'storageGiB', 'diskGiB', 'bandwidthMbps']

function row (o: Offer, wide: boolean): string[] {
  const specs = SPEC_KEYS.filter(k => o.service.specs[k] !== undefined).map(k => `${k}=${String(o.service.specs[k])}`).join(' ')
  return [
    peerCell(o.provider, wide),
    o.id,
    o.service.type,
    [o.location.country, o.location.subdivision, o.location.site].filter(x => x !== undefined).join(' '),
    `${o.price.amount} ${o.price.currency}/${o.price.unit}`,
    specs,
    formatTime(o.expiresAt)
  ]
}

/** Renders a search result as an aligned text table. */
export function renderTable (result: SearchResult, wide = false): string {
  const head = ['PROVIDER', 'OFFER', 'TYPE', 'LOCATION', 'PRICE', 'SPECS', 'EXPIRES']
  const rows = result.offers.flatMap(v => v.record.kind === 'offer' ? [row(v.record.body, wide)] : [])
  const notes = result.sources.filter(s => s.error !== undefined || s.rejected > 0)
    .map(s => s.error !== undefined ? `note: ${s.peer} did not answer (${s.error})` : `note: ${s.peer} sent ${s.rejected} record(s) that failed verification`)
  // Location and specs give way first: provider, offer id, price and expiry stay whole.
  return [...renderRows(head, rows, wide, [3, 5]), `${rows.length} offer(s) from ${result.sources.length} node(s)`, ...notes].join('\n')
}

export const searchCommand: Command = {
  usage: '[--type T] [--country CC]... [--jurisdiction CC]... [--max-price X [--price-unit U]] [--currency C] [--cert C]... ' +
    '[--min-vcpu N] [--min-memory GIB] [--min-spec KEY=N]... [--min-availability P] [--min-capacity N] [--peer MULTIADDR]... [--dht] [--data-dir DIR] [--wide] [--json]',
  details: [
    'Nodes to ask: --peer (repeatable), else FULCRUM_PEERS (comma-separated), else the config\'s peers',
    '(--data-dir). --dht also asks the providers the DHT index names for --type and each --country.',
    '',
    `--type: ${Object.keys(SERVICE_TYPES).join(', ')}, or x-<org>.<name>.`,
    '--country, --jurisdiction: ISO 3166-1 codes, or EU for the 27 member states.',
    '--max-price X --currency C [--price-unit U]: prices are never converted between currencies, so',
    `  --currency is required; X is per --price-unit (default hour; ${Object.keys(BILLING_UNITS).join(', ')}) and`,
    '  offers are compared per hour of the same dimension (73 EUR/month = 0.1 EUR/hour); offers billed',
    '  in another dimension (per GiB, per request) never match a per-hour maximum.',
    `--cert (all required): ${[...CERTIFICATIONS].join(', ')}, or x-<org>.<name>.`,
    '--min-spec KEY=N: any numeric spec, e.g. gpuCount=2, storageGiB=500.',
    'Every offer returned is verified by this client (signature, expiry, filter); nodes are not trusted.'
  ].join('\n'),
  flagPaths: FILTER_FLAG_PATHS,
  options: {
    ...JSON_OPTION,
    ...WIDE_OPTION,
    type: { type: 'string' },
    country: { type: 'string', multiple: true },
    jurisdiction: { type: 'string', multiple: true },
    'max-price': { type: 'string' },
    'price-unit': { type: 'string' },
    currency: { type: 'string' },
    cert: { type: 'string', multiple: true },
    'min-vcpu': { type: 'string' },
    'min-memory': { type: 'string' },
    'min-spec': { type: 'string', multiple: true },
    'min-availability': { type: 'string' },
    'min-capacity': { type: 'string' },
    peer: { type: 'string', multiple: true },
    dht: { type: 'boolean' },
    'data-dir': { type: 'string' }
  },
  async run (args, io) {
    const result = await searchOffers({ peers: await peersOf(args, io), filter: filterFromArgs(args), useDht: args.values.dht === true })
    if (args.values.json === true) {
      printJson(io, { offers: result.offers.map(v => recordToJson(v.record)), sources: result.sources, conflicts: result.conflicts })
    } else {
      io.out(renderTable(result, args.values.wide === true))
    }
    return ExitCode.OK
  }
}
