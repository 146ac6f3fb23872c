/**
 * Structural validation of offers and withdrawals: every field's type, form, vocabulary and
 * limit, with the failing field's path in the error. No signatures, no clock: see record.ts.
 */
import { FulcrumError } from '../errors/index.js'
import { isPeerId } from '../identity/index.js'
import { OfferError } from './errors.js'
import { isDecimal, toNanos } from './decimal.js'
import { isOfferAddress, isPlainText, isTermsUrl } from './grammar.js'
import { LIMITS, MAX_OFFER_LIFETIME_MS } from './model.js'
import type { Offer, Withdrawal } from './model.js'
import {
  BILLING_UNITS, CERTIFICATIONS, COUNTRIES, CURRENCIES, CUSTOM_SPEC_KEY, NAMESPACED, SERVICE_TYPES, isKnownServiceType
} from './vocabulary.js'

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const SITE = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/
const SHA256_HEX = /^[0-9a-f]{64}$/
const SUBDIVISION = /^([A-Z]{2})-[A-Z0-9]{1,3}$/

function fail (code: string, path: string, message: string): never {
  throw new FulcrumError(code, message, { path })
}

/** Checks that `value` is a plain object with only `allowed` keys, all `required` ones present. */
function object (value: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    fail(OfferError.INVALID_FIELD, path || '$', 'must be an object')
  }
  const obj = value as Record<string, unknown>
  for (const key of Object.keys(obj)) {
    if (!required.includes(key) && !optional.includes(key)) fail(OfferError.UNKNOWN_FIELD, join(path, key), 'unknown field')
  }
  for (const key of required) {
    if (obj[key] === undefined) fail(OfferError.INVALID_FIELD, join(path, key), 'is required')
  }
  return obj
}

function join (path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function uint (value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(OfferError.INVALID_FIELD, path, 'must be an unsigned integer')
  return value
}

function text (value: unknown, path: string, pattern: RegExp, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !pattern.test(value)) {
    fail(OfferError.INVALID_FIELD, path, `must be a string of 1 to ${maxLength} characters matching ${pattern.source}`)
  }
  return value
}

function country (value: unknown, path: string): string {
  if (typeof value !== 'string' || !COUNTRIES.has(value)) fail(OfferError.UNKNOWN_COUNTRY, path, 'must be an ISO 3166-1 alpha-2 code')
  return value
}

function provider (value: unknown, path: string): string {
  if (!isPeerId(value)) fail(OfferError.BAD_PROVIDER, path, 'must be an Ed25519 peer id')
  return value
}

/** Validates an offer body; returns it typed. Throws `OFFER_*` with the field path. */
export function validateOffer (value: unknown): Offer {
  const o = object(value, '', ['provider', 'id', 'seq', 'issuedAt', 'expiresAt', 'service', 'location', 'jurisdiction',
    'certifications', 'price', 'capacity', 'sla', 'terms', 'addresses'], ['bundle'])
  provider(o.provider, 'provider')
  text(o.id, 'id', ID, LIMITS.idLength)
  uint(o.seq, 'seq')
  const issuedAt = uint(o.issuedAt, 'issuedAt')
  const expiresAt = uint(o.expiresAt, 'expiresAt')
  if (expiresAt <= issuedAt || expiresAt - issuedAt > MAX_OFFER_LIFETIME_MS) {
    fail(OfferError.BAD_LIFETIME, 'expiresAt', `must be after issuedAt and at most ${MAX_OFFER_LIFETIME_MS / 86_400_000} days later`)
  }
  validateService(o.service)
  validateLocation(o.location)
  country(o.jurisdiction, 'jurisdiction')
  validateCertifications(o.certifications)
  validatePrice(o.price)
  uint(o.capacity, 'capacity')
  const sla = object(o.sla, 'sla', ['availability'])
  if (!isDecimal(sla.availability) || toNanos(sla.availability) > 100n * 10n ** 9n) {
    fail(OfferError.BAD_DECIMAL, 'sla.availability', 'must be a decimal percentage from 0 to 100')
  }
  const terms = object(o.terms, 'terms', ['url', 'sha256'])
  validateUrl(terms.url, 'terms.url')
  text(terms.sha256, 'terms.sha256', SHA256_HEX, 64)
  validateAddresses(o.addresses)
  if (o.bundle !== undefined) validateBundle(o.bundle, o.provider as string)
  return o as unknown as Offer
}

/** Validates a withdrawal body. */
export function validateWithdrawal (value: unknown): Withdrawal {
  const w = object(value, '', ['provider', 'id', 'seq', 'issuedAt'])
  provider(w.provider, 'provider')
  text(w.id, 'id', ID, LIMITS.idLength)
  uint(w.seq, 'seq')
  uint(w.issuedAt, 'issuedAt')
  return w as unknown as Withdrawal
}

function validateService (value: unknown): void {
  const s = object(value, 'service', ['type', 'specs'])
  if (typeof s.type !== 'string' || s.type.length > LIMITS.idLength || !isKnownServiceType(s.type)) {
    fail(OfferError.UNKNOWN_SERVICE_TYPE, 'service.type', 'must be a vocabulary type (compute.vm, ...) or x-<org>.<name>')
  }
  const schema = SERVICE_TYPES[s.type]
  const specs = object(s.specs, 'service.specs', schema === undefined ? [] : Object.keys(schema).filter(k => schema[k]?.required),
    schema === undefined ? Object.keys(s.specs as object) : Object.keys(schema))
  const keys = Object.keys(specs)
  if (keys.length > LIMITS.specs) fail(OfferError.INVALID_FIELD, 'service.specs', `at most ${LIMITS.specs} specs`)
  for (const key of keys) {
    const path = `service.specs.${key}`
    const field = schema?.[key]
    if (field === undefined && !CUSTOM_SPEC_KEY.test(key)) fail(OfferError.INVALID_FIELD, path, 'custom spec keys are camelCase identifiers')
    const v = specs[key]
    if (field?.kind === 'uint' || (field === undefined && typeof v === 'number')) {
      uint(v, path)
    } else {
      if (!isPlainText(v, LIMITS.specString)) fail(OfferError.INVALID_FIELD, path, `must be text of 1 to ${LIMITS.specString} characters without control characters`)
      if (field?.values !== undefined && !field.values.includes(v as string)) {
        fail(OfferError.INVALID_FIELD, path, `must be one of ${field.values.join(', ')}`)
      }
    }
  }
}

function validateLocation (value: unknown): void {
  const l = object(value, 'location', ['country'], ['subdivision', 'site'])
  const cc = country(l.country, 'location.country')
  if (l.subdivision !== undefined) {
    const m = typeof l.subdivision === 'string' ? SUBDIVISION.exec(l.subdivision) : null
    if (m === null || m[1] !== cc) fail(OfferError.UNKNOWN_COUNTRY, 'location.subdivision', `must be an ISO 3166-2 code of ${cc}, like ${cc}-XX`)
  }
  if (l.site !== undefined) text(l.site, 'location.site', SITE, LIMITS.siteLength)
}

function validateCertifications (value: unknown): void {
  if (!Array.isArray(value) || value.length > LIMITS.certifications) {
    fail(OfferError.INVALID_FIELD, 'certifications', `must be an array of at most ${LIMITS.certifications}`)
  }
  value.forEach((c: unknown, i) => {
    const path = `certifications[${i}]`
    if (typeof c !== 'string' || !(CERTIFICATIONS.has(c) || (c.length <= LIMITS.idLength && NAMESPACED.test(c)))) {
      fail(OfferError.UNKNOWN_CERTIFICATION, path, 'not a known certification nor x-<org>.<name>')
    }
    if (i > 0 && (value[i - 1] as string) >= c) fail(OfferError.INVALID_FIELD, path, 'certifications must be sorted and unique')
  })
}

function validatePrice (value: unknown): void {
  const p = object(value, 'price', ['amount', 'currency', 'unit'])
  toNanos(p.amount as string, 'price.amount')
  if (typeof p.currency !== 'string' || !CURRENCIES.has(p.currency)) fail(OfferError.UNKNOWN_CURRENCY, 'price.currency', 'must be an ISO 4217 code')
  if (typeof p.unit !== 'string' || !Object.hasOwn(BILLING_UNITS, p.unit)) {
    fail(OfferError.INVALID_FIELD, 'price.unit', `must be one of ${Object.keys(BILLING_UNITS).join(', ')}`)
  }
}

function validateUrl (value: unknown, path: string): void {
  if (!isTermsUrl(value, LIMITS.urlLength)) fail(OfferError.INVALID_FIELD, path, `must be an https URL (offer-v1 grammar) of at most ${LIMITS.urlLength} characters`)
}

function validateAddresses (value: unknown): void {
  if (!Array.isArray(value) || value.length > LIMITS.addresses) {
    fail(OfferError.INVALID_FIELD, 'addresses', `must be an array of at most ${LIMITS.addresses} multiaddrs`)
  }
  value.forEach((a: unknown, i) => {
    if (!isOfferAddress(a, LIMITS.addressLength)) fail(OfferError.INVALID_FIELD, `addresses[${i}]`, 'must be a multiaddr of the offer-v1 address grammar, in canonical form')
  })
}

/**
 * A bundle's components (§Bundles): 1 to 8 distinct offers of other providers, each pinned by seq
 * and record hash, with a quantity per bundle unit; sorted by (provider, id) so that one bundle has
 * one encoding.
 */
function validateBundle (value: unknown, self: string): void {
  if (!Array.isArray(value) || value.length === 0 || value.length > LIMITS.bundleComponents) {
    fail(OfferError.INVALID_FIELD, 'bundle', `must be an array of 1 to ${LIMITS.bundleComponents} components`)
  }
  value.forEach((v: unknown, i) => {
    const path = `bundle[${i}]`
    const c = object(v, path, ['provider', 'id', 'seq', 'hash', 'quantity'])
    const p = provider(c.provider, `${path}.provider`)
    if (p === self) fail(OfferError.INVALID_FIELD, `${path}.provider`, 'a bundle is made of other providers\' offers')
    const id = text(c.id, `${path}.id`, ID, LIMITS.idLength)
    uint(c.seq, `${path}.seq`)
    text(c.hash, `${path}.hash`, SHA256_HEX, 64)
    if (uint(c.quantity, `${path}.quantity`) < 1) fail(OfferError.INVALID_FIELD, `${path}.quantity`, 'must be at least 1')
    if (i > 0) {
      const prev = value[i - 1] as { provider: string, id: string }
      if (prev.provider > p || (prev.provider === p && prev.id >= id)) fail(OfferError.INVALID_FIELD, path, 'components must be sorted by (provider, id) and distinct')
    }
  })
}
