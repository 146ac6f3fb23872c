/**
 * The connection gater: the node dials only addresses inside configured CIDR ranges (by default
 * 127.0.0.0/8), so that tests can never reach outside loopback and operators can confine a
 * federation to its networks; optionally it also accepts inbound connections only from ranges. Non-IP addresses (dns, circuit relays) are refused outright since
 * they cannot be checked against a range before dialing.
 */
import { BlockList, isIP } from 'node:net'
import type { ConnectionGater } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'

/** A set of CIDR ranges with a membership test for IP strings. */
export interface AddressRanges {
  /** True if `ip` (v4 or v6 text form) lies in one of the ranges. */
  contains: (ip: string) => boolean
}

/** Parses CIDR ranges such as `127.0.0.0/8` or `fd00::/8`. Throws `NET_BAD_ADDRESS` on a bad one. */
export function parseRanges (cidrs: readonly string[]): AddressRanges {
  const list = new BlockList()
  for (const cidr of cidrs) {
    const [ip, bits] = cidr.split('/')
    const family = isIP(ip ?? '')
    const prefix = Number(bits)
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new FulcrumError(NetworkError.BAD_ADDRESS, `not a CIDR range: ${cidr}`)
    }
    list.addSubnet(ip as string, prefix, family === 4 ? 'ipv4' : 'ipv6')
  }
  return {
    contains: (ip) => {
      const family = isIP(ip)
      return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6')
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
