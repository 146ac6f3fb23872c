/**
 * `fulcrum search`: the light client from the command line. Asks nodes (`--peer`, else
 * FULCRUM_PEERS, else the config's `peers`), verifies every offer itself and prints a table or JSON.
 */
import { defaultConfig, loadConfig } from '../../datadir/index.js'
import { searchOffers } from '../../client/index.js'
import type { SearchResult } from '../../client/index.js'
import { recordToJson } from '../../offers/index.js'
import type { Offer, OfferFilter } from '../../offers/index.js'
import { JSON_OPTION, WIDE_OPTION, ExitCode, printJson, usageError } from '../command.js'
import { formatTime, peerCell, renderTable as renderRows } from '../table.js'
import { BILLING_UNITS, CERTIFICATIONS, SERVICE_TYPES } from '../../offers/index.js'
import type { CliIO, Command, CommandArgs } from '../command.js'
import { listSetting } from './daemon.js'

const str = (args: CommandArgs, name: string): string | undefined => {
  const v = args.values[name]
  return typeof v === 'string' ? v : undefined
}
const list = (args: CommandArgs, name: string): string[] | undefined => {
  const v = args.values[name]
  return Array.isArray(v) && v.length > 0 ? v : undefined
}
const uint = (args: CommandArgs, name: string): number | undefined => {
  const v = str(args, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 0) usageError(`--${name} must be an unsigned integer, got '${v}'`)
  return n
}

/** The filter's fields and the flags that set them: errors name the flag. */
export const FILTER_FLAG_PATHS: Readonly<Record<string, string>> = {
  'filter.type': '--type',
  'filter.countries': '--country',
  'filter.jurisdictions': '--jurisdiction',
  'filter.certifications': '--cert',
  'filter.currency': '--currency',
  'filter.maxPrice.amount': '--max-price',
  'filter.maxPrice.unit': '--price-unit',
  'filter.minCapacity': '--min-capacity',
  'filter.minAvailability': '--min-availability',
  'filter.minSpecs': '--min-spec'
}

/** Builds the filter from the flags. */
export function filterFromArgs (args: CommandArgs): OfferFilter {
  const f: OfferFilter = {}
  const type = str(args, 'type')
  if (type !== undefined) f.type = type
  const countries = list(args, 'country')
  if (countries !== undefined) f.countries = countries
  const jurisdictions = list(args, 'jurisdiction')
  if (jurisdictions !== undefined) f.jurisdictions = jurisdictions
  const certs = list(args, 'cert')
  if (certs !== undefined) f.certifications = certs
  const currency = str(args, 'currency')
  if (currency !== undefined) f.currency = currency
  const maxPrice = str(args, 'max-price')
  if (maxPrice !== undefined) f.maxPrice = { amount: maxPrice, unit: str(args, 'price-unit') ?? 'hour' }
  const availability = str(args, 'min-availability')
  if (availability !== undefined) f.minAvailability = availability
  const capacity = uint(args, 'min-capacity')
  if (capacity !== undefined) f.minCapacity = capacity
  const specs: Record<string, number> = {}
  const vcpu = uint(args, 'min-vcpu')
  if (vcpu !== undefined) specs.vcpu = vcpu
  const mem = uint(args, 'min-memory')
  if (mem !== undefined) specs.memoryGiB = mem
  for (const s of list(args, 'min-spec') ?? []) {
    const [k, v] = s.split('=')
    const n = Number(v)
    if (k === undefined || k === '' || !Number.isSafeInteger(n) || n < 0) usageError(`--min-spec must be KEY=N with N an unsigned integer (e.g. gpuCount=2), got '${s}'`)
    specs[k] = n
  }
  if (Object.keys(specs).length > 0) f.minSpecs = specs
  return f
}

/** The nodes to ask: --peer, else FULCRUM_PEERS, else the config's peers (--data-dir). */
export async function peersOf (args: CommandArgs, io: CliIO): Promise<string[]> {
  const given = listSetting(args, 'peer', io.env.FULCRUM_PEERS)
  if (given !== undefined) return given
  const dir = str(args, 'data-dir') ?? io.env.FULCRUM_DATA_DIR
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
