/**
 * The exact grammars of offer-v1's free-form strings (protocols/offer-v1.md §Strings, §Terms URL,
 * §Addresses), written out so that a second implementation accepts exactly the same strings: no
 * URL parser's or multiaddr library's leniency decides what is valid.
 */
import { isPeerId } from '../identity/index.js'

/**
 * A control character: Unicode general category Cc, i.e. U+0000-U+001F, U+007F and U+0080-U+009F.
 * A lone surrogate (only possible in JSON input, never in valid UTF-8) is refused with them.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
/** In `u` mode a surrogate pair is one code point, so this matches only a lone surrogate. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * True if `value` is 1 to `maxChars` Unicode code points with no control character and no lone
 * surrogate. Length is counted in code points (not UTF-16 units, not bytes): `"é"` is 1, `"😀"` is 1.
 */
export function isPlainText (value: unknown, maxChars: number): value is string {
  if (typeof value !== 'string' || value === '' || CONTROL.test(value) || LONE_SURROGATE.test(value)) return false
  let n = 0
  for (const _ of value) if (++n > maxChars) return false
  return true
}

/** A DNS label: letters, digits, inner hyphens, 1-63 characters. */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
/** The same in lowercase; a top-level label starts with a letter (so no IPv4 literal is a host). */
const LOWER_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const TOP_LABEL = '[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?'
/** Characters allowed in a URL path, query and fragment (RFC 3986 pchar, plus "/" and "?"), and percent escapes. */
const URL_CHARS = "(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})"
/**
 * `terms.url`: `https://` host [`:` port] [path] [`?` query] [`#` fragment] with host a lowercase
 * DNS name of at least two labels whose last starts with a letter, port 1-65535 without leading zeros, and the rest RFC 3986
 * characters (percent escapes well formed). No user info, no IP literal, no whitespace.
 */
const TERMS_URL = new RegExp(
  `^https://(?:${LOWER_LABEL}\\.)+${TOP_LABEL}(?::([1-9][0-9]{0,4}))?` +
  `(?:/${URL_CHARS}*)?(?:\\?(?:${URL_CHARS}|\\?)*)?(?:#(?:${URL_CHARS}|\\?)*)?$`)

/** True if `value` is a terms URL of the grammar above, at most `maxChars` characters (ASCII). */
export function isTermsUrl (value: unknown, maxChars: number): value is string {
  if (typeof value !== 'string' || value.length > maxChars) return false
  const m = TERMS_URL.exec(value)
  return m !== null && (m[1] === undefined || Number(m[1]) <= 65535)
}

const PORT = '(?:0|[1-9][0-9]{0,4})'
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const DNS_NAME = `${LABEL}(?:\\.${LABEL})*`
/**
 * An address: host part, transport, optional `/ws` or `/wss` (TCP only), optional `/p2p/<peer id>`.
 * Groups: 1 ip6 text, 2 tcp port, 3 udp port, 4 peer id.
 */
const ADDRESS = new RegExp(
  `^(?:/ip4/${OCTET}(?:\\.${OCTET}){3}|/ip6/([0-9a-f:]{2,39})|/dns[46]?/${DNS_NAME})` +
  `(?:/tcp/(${PORT})(?:/ws|/wss)?|/udp/(${PORT})/quic-v1)` +
  '(?:/p2p/([1-9A-HJ-NP-Za-km-z]{52}))?$')

/** True if `value` is an address of the grammar above, at most `maxChars` characters. */
export function isOfferAddress (value: unknown, maxChars: number): value is string {
  if (typeof value !== 'string' || value.length > maxChars) return false
  const m = ADDRESS.exec(value)
  if (m === null) return false
  const [, ip6, tcp, udp, peer] = m
  if (Number(tcp ?? udp) > 65535) return false
  if (ip6 !== undefined && canonicalIpv6(ip6) !== ip6) return false
  return peer === undefined || isPeerId(peer)
}

/**
 * The RFC 5952 text form of an IPv6 address given in any `:` hex form (no embedded IPv4), or
 * undefined if it is not one: lowercase, no leading zeros, the longest run of two or more zero
 * groups (the first if tied) as `::`.
 */
export function canonicalIpv6 (text: string): string | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (s: string): number[] | undefined => {
    if (s === '') return []
    const groups = s.split(':')
    return groups.every(g => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups.map(g => parseInt(g, 16)) : undefined
  }
  const head = parse(halves[0] as string)
  const tail = halves.length === 2 ? parse(halves[1] as string) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail]
  let best = { at: -1, len: 1 }
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > best.len) best = { at: i, len: j - i }
    i = j === i ? i + 1 : j
  }
  const hex = groups.map(g => g.toString(16))
  if (best.at < 0) return hex.join(':')
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`
}
