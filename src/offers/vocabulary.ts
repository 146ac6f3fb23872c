/**
 * The controlled vocabularies of offer-v1 (protocols/offer-v1.md §Vocabularies): service types
 * and their typed specs, certifications, billing units, ISO 3166-1 countries and ISO 4217
 * currencies. Custom service types and certifications are namespaced: `x-<org>.<name>`.
 */

/** The type of a spec value: an unsigned integer, or a short string. */
export type SpecKind = 'uint' | 'string'

/** The schema of one spec field. */
export interface SpecField {
  kind: SpecKind
  required: boolean
  /** Allowed string values, when the field is an enumeration. */
  values?: readonly string[]
}

const uint = (required: boolean): SpecField => ({ kind: 'uint', required })
const str = (required: boolean, values?: readonly string[]): SpecField =>
  values === undefined ? { kind: 'string', required } : { kind: 'string', required, values }
const ARCH = ['x86_64', 'arm64'] as const

/** Service types with the specs each must or may carry. Units are in the field names. */
export const SERVICE_TYPES: Readonly<Record<string, Readonly<Record<string, SpecField>>>> = {
  'compute.vm': { vcpu: uint(true), memoryGiB: uint(true), diskGiB: uint(false), arch: str(false, ARCH) },
  'compute.gpu': { vcpu: uint(true), memoryGiB: uint(true), gpuModel: str(true), gpuCount: uint(true), gpuMemoryGiB: uint(false), diskGiB: uint(false) },
  'compute.baremetal': { cpuCores: uint(true), memoryGiB: uint(true), diskGiB: uint(false), arch: str(false, ARCH) },
  'container.kubernetes': { vcpu: uint(true), memoryGiB: uint(true), maxNodes: uint(false), version: str(false) },
  'storage.object': { storageGiB: uint(true), s3Compatible: str(false, ['yes', 'no']) },
  'storage.block': { storageGiB: uint(true), iops: uint(false), throughputMBps: uint(false) },
  'storage.file': { storageGiB: uint(true), iops: uint(false), protocol: str(false, ['nfs', 'smb']) },
  'db.postgresql': { vcpu: uint(true), memoryGiB: uint(true), storageGiB: uint(true), version: str(false), replicas: uint(false) },
  'db.mysql': { vcpu: uint(true), memoryGiB: uint(true), storageGiB: uint(true), version: str(false), replicas: uint(false) },
  'db.redis': { memoryGiB: uint(true), version: str(false), replicas: uint(false) },
  'network.transit': { bandwidthMbps: uint(true) }
}

/** Custom types and certifications: `x-` then an org label, a dot, a name. */
export const NAMESPACED = /^x-[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:[.-][a-z0-9]+)*$/
/** Spec keys of custom types: camelCase identifiers. */
export const CUSTOM_SPEC_KEY = /^[a-z][A-Za-z0-9]{0,31}$/

/** Certifications and labels a provider may claim. */
export const CERTIFICATIONS: ReadonlySet<string> = new Set([
  'iso-27001', 'iso-27017', 'iso-27018', 'iso-27701', 'iso-9001', 'iso-22301', 'iso-14001',
  'soc2-type1', 'soc2-type2', 'csa-star-1', 'csa-star-2', 'pci-dss',
  'secnumcloud', 'hds', 'c5-type1', 'c5-type2', 'bsi-grundschutz', 'ens-medium', 'ens-high', 'tisax',
  'eucs-basic', 'eucs-substantial', 'eucs-high',
  'gaia-x-standard', 'gaia-x-label-1', 'gaia-x-label-2', 'gaia-x-label-3',
  'eu-cloud-coc'
])

/**
 * Billing units. Prices are normalised per hour for comparison: `dimension` says what the price
 * is for, `hours` how many hours one unit covers (a month is 730 hours, 8760 / 12).
 */
export const BILLING_UNITS: Readonly<Record<string, { dimension: string, hours: number }>> = {
  hour: { dimension: 'instance', hours: 1 },
  month: { dimension: 'instance', hours: 730 },
  'gib-hour': { dimension: 'gib', hours: 1 },
  'gib-month': { dimension: 'gib', hours: 730 },
  'gib-transfer': { dimension: 'gib-transfer', hours: 1 },
  'million-requests': { dimension: 'million-requests', hours: 1 }
}

/** ISO 3166-1 alpha-2 officially assigned codes. */
export const COUNTRIES: ReadonlySet<string> = new Set((
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV ' +
  'BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ' +
  'ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE ' +
  'IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
  'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU ' +
  'NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM ' +
  'SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE ' +
  'VG VI VN VU WF WS YE YT ZA ZM ZW').split(' '))

/** The 27 member states of the European Union: what the `EU` shorthand in queries expands to. */
export const EU_COUNTRIES: readonly string[] = [
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT',
  'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'
]

/** ISO 4217 codes of currencies in circulation. */
export const CURRENCIES: ReadonlySet<string> = new Set((
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
  'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT ' +
  'LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
  'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
  'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG ' +
  'XOF XPF YER ZAR ZMW ZWG').split(' '))

/** True if `type` is a vocabulary service type or a namespaced custom one. */
export function isKnownServiceType (type: string): boolean {
  return Object.hasOwn(SERVICE_TYPES, type) || NAMESPACED.test(type)
}
