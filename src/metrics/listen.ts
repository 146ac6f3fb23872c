/**
 * The metrics endpoint's address, `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`),
 * checked when the node is created like its other listen addresses: a typo is an error at start,
 * not a silent endpoint elsewhere. Only loopback is accepted unless the operator says otherwise:
 * metrics describe the node's peers, orders and load, which a stranger should not read.
 */
import { isIP } from 'node:net'
import { FulcrumError } from '../errors/index.js'
import { MetricsError } from './errors.js'

/** Prometheus's registered default port for this kind of exporter (any free port works). */
export const DEFAULT_METRICS_PORT = 9464

/** A checked metrics address. */
export interface MetricsListen { host: string, port: number }

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost (host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/**
 * Parses `HOST:PORT`. Throws `METRICS_BAD_LISTEN` for anything else (a hostname other than
 * localhost, a port out of range) and `METRICS_NOT_LOOPBACK` for a non-loopback host unless
 * `allowNonLoopback`.
 */
export function parseMetricsListen (value: string, allowNonLoopback = false): MetricsListen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(value)
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (host === undefined || (host !== 'localhost' && isIP(host) === 0) || !Number.isInteger(port) || port > 65535) {
    throw new FulcrumError(MetricsError.BAD_LISTEN, `'${value}' must be HOST:PORT with an IP address or localhost, e.g. 127.0.0.1:${DEFAULT_METRICS_PORT}`, { path: 'metrics.listen' })
  }
  if (!allowNonLoopback && !isLoopbackHost(host)) {
    throw new FulcrumError(MetricsError.NOT_LOOPBACK, `'${value}' is not a loopback address: set metrics.allowNonLoopback to true to expose metrics beyond this machine`, { path: 'metrics.listen' })
  }
  return { host, port }
}
