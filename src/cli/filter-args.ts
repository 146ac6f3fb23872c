/**
 * The search filter's flags (`fulcrum search --type ... --country ...`) parsed into an
 * {@link OfferFilter}. One parser for the CLI and the web page, whose form fields carry the flags'
 * names, so both accept and refuse the same input with the same codes (`CLI_USAGE` here,
 * `OFFER_BAD_FILTER` from compileFilter, with {@link FILTER_FLAG_PATHS} naming the flag).
 * Imports nothing node-only: it runs in the page's bundle.
 */
import { usageError } from './command.js'
import type { CommandArgs } from './command.js'
import type { OfferFilter } from '../offers/index.js'

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

/** Builds the filter from the flags (`values` keyed by flag name without `--`). Throws `CLI_USAGE` on a malformed number or --min-spec. */
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

