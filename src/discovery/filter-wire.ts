/**
 * The wire form of an offer filter (protocols/discovery-v1.md §Query): a CBOR map with the fields
 * of `OfferFilter`, each of the right type, nothing else. Values are then checked by
 * `compileFilter` (OFFER_BAD_FILTER).
 */
import type { OfferFilter } from '../offers/index.js'
import { FILTER_LIMITS } from '../offers/index.js'
import { asArray, asMap, asString, asUint, badMessage } from './codec.js'

/** Longest string in a filter (a peer id is 52, a decimal a few dozen). */
const MAX_FILTER_STRING = 128

const strings = (v: unknown, path: string, max: number): string[] => asArray(v, path, max).map((s, i) => asString(s, `${path}[${i}]`, MAX_FILTER_STRING))

/** Converts a decoded wire value to an `OfferFilter` (throws DISCOVERY_BAD_MESSAGE). */
export function filterFromWire (value: unknown): OfferFilter {
  const m = asMap(value, 'filter')
  const f: OfferFilter = {}
  for (const [k, v] of Object.entries(m)) {
    const path = `filter.${k}`
    switch (k) {
      case 'type': f.type = asString(v, path, MAX_FILTER_STRING); break
      case 'provider': f.provider = asString(v, path, MAX_FILTER_STRING); break
      case 'currency': f.currency = asString(v, path, MAX_FILTER_STRING); break
      case 'minAvailability': f.minAvailability = asString(v, path, MAX_FILTER_STRING); break
      case 'minCapacity': f.minCapacity = asUint(v, path); break
      case 'countries': f.countries = strings(v, path, FILTER_LIMITS.countries); break
      case 'jurisdictions': f.jurisdictions = strings(v, path, FILTER_LIMITS.countries); break
      case 'certifications': f.certifications = strings(v, path, FILTER_LIMITS.certifications); break
      case 'maxPrice': {
        const p = asMap(v, path)
        if (Object.keys(p).some(x => x !== 'amount' && x !== 'unit')) badMessage(path, 'maxPrice is { amount, unit }')
        f.maxPrice = { amount: asString(p.amount, `${path}.amount`, MAX_FILTER_STRING), unit: asString(p.unit, `${path}.unit`, MAX_FILTER_STRING) }
        break
      }
      case 'minSpecs': {
        const s = asMap(v, path)
        if (Object.keys(s).length > FILTER_LIMITS.minSpecs) badMessage(path, 'too many specs')
        f.minSpecs = Object.fromEntries(Object.entries(s).map(([sk, sv]) => [asString(sk, path, 32), asUint(sv, `${path}.${sk}`)]))
        break
      }
      default: badMessage(path, 'unknown filter field')
    }
  }
  return f
}
