/**
 * The connection gater: the node dials only addresses inside configured CIDR ranges (by default
 * 127.0.0.0/8), so that tests can never reach outside loopback and operators can confine a
 * federation to its networks; optionally it also accepts inbound connections only from ranges. Non-IP addresses (dns, circuit relays) are refused outright since
 * they cannot be checked against a range before dialing.
 */
import { IpNet } from '@chainsafe/netmask'
import type { ConnectionGater } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'

/** A set of CIDR ranges with a membership test for IP strings. */
export interface AddressRanges {
  /** True if `ip` (v4 or v6 text form) lies in one of the ranges. */
  contains: (ip: string) => boolean
}

/** `::ffff:a.b.c.d` (an IPv4 address written as IPv6, as dual-stack sockets report it): its IPv4 form. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/**
 * Parses CIDR ranges such as `127.0.0.0/8` or `fd00::/8`. Throws `NET_BAD_ADDRESS` on a bad one.
 * Pure JavaScript (libp2p's own CIDR library), so the light client's gater also runs in a browser.
 * An IPv4-mapped IPv6 address is checked as its IPv4 form.
 */
export function parseRanges (cidrs: readonly string[]): AddressRanges {
  const nets = cidrs.map(cidr => {
    try {
      return new IpNet(cidr)
    } catch {
      throw new FulcrumError(NetworkError.BAD_ADDRESS, `not a CIDR range: ${cidr}`)
    }
  })
  return {
    contains: (ip) => {
      const plain = IPV4_MAPPED.exec(ip)?.[1] ?? ip
      return nets.some(net => {
        try {
          return net.contains(plain)
        } catch {
          return false // not an IP address
        }
      })
    }
  }
}

/** The IP address a multiaddr dials, or undefined if it does not start with /ip4 or /ip6. */
export function ipOfMultiaddr (ma: Multiaddr): string | undefined {
  const first = ma.getComponents()[0]
  if (first === undefined || (first.name !== 'ip4' && first.name !== 'ip6')) return undefined
  return first.value
}

/**
 * A libp2p connection gater that refuses to dial any address outside `ranges` and, when
 * `inbound` is given, refuses inbound connections from addresses outside it (checked before the
 * encryption handshake, so a refused peer costs no crypto).
 */
export function rangeConnectionGater (ranges: AddressRanges, inbound?: AddressRanges): ConnectionGater {
  const outside = (set: AddressRanges, ma: Multiaddr): boolean => {
    const ip = ipOfMultiaddr(ma)
    return ip === undefined || !set.contains(ip)
  }
  return {
    denyDialMultiaddr: (ma: Multiaddr) => outside(ranges, ma),
    ...(inbound === undefined ? {} : { denyInboundConnection: (conn: { remoteAddr: Multiaddr }) => outside(inbound, conn.remoteAddr) })
  }
}
