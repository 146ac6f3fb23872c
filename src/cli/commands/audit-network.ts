/**
 * `fulcrum audit peer|agreement`: auditors' checks against live nodes, through a light libp2p
 * node. Exit codes as for the offline checks in `audit.ts`.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Multiaddr } from '@multiformats/multiaddr'
import { isPeerId } from '../../identity/index.js'
import { FileStateStore, LedgerClient, auditAgreement, auditPeer } from '../../ledger-protocol/index.js'
import { createLightLibp2pNode, ipOfMultiaddr, parseMultiaddrs } from '../../network/index.js'
import type { ProtocolDialer } from '../../network/index.js'
import { JSON_OPTION, usageError } from '../command.js'
import type { CliIO, CommandArgs, Command } from '../command.js'
import { reportFindings } from './audit.js'

/** Where the auditor keeps what it verified, unless --state-dir or FULCRUM_AUDITOR_DIR says otherwise. */
export const DEFAULT_AUDITOR_DIR = '.fulcrum-auditor'
/** An audit of one peer or agreement gives up after this (a stalled peer must not hang the auditor). */
export const AUDIT_TIMEOUT_MS = 120_000

const NETWORK_OPTIONS = { allow: { type: 'string', multiple: true } } as const

/** A multiaddr with its /p2p/ peer id (the id names the key that must sign the log). */
function target (text: string): { addr: Multiaddr, peerId: string } {
  const [addr] = parseMultiaddrs([text])
  const p2p = addr?.getComponents().find(c => c.name === 'p2p')?.value
  if (addr === undefined || p2p === undefined || !isPeerId(p2p)) usageError(`${text} must end with /p2p/<peer id>`)
  return { addr, peerId: p2p }
}

/** Runs `fn` with a light libp2p node allowed to dial the targets' addresses (or --allow ranges). */
async function withAuditNode<T> (args: CommandArgs, targets: Array<{ addr: Multiaddr }>, fn: (node: ProtocolDialer, signal: AbortSignal) => Promise<T>): Promise<T> {
  const allow = args.values.allow
  const ranges = Array.isArray(allow) && allow.length > 0
    ? allow
    : targets.map(t => ipOfMultiaddr(t.addr)).filter((ip): ip is string => ip !== undefined).map(ip => ip.includes(':') ? `${ip}/128` : `${ip}/32`)
  const node = await createLightLibp2pNode({ allowedDialRanges: ranges })
  try {
    return await fn(node, AbortSignal.timeout(AUDIT_TIMEOUT_MS))
  } finally {
    await node.stop()
  }
}

function stateDirOf (args: CommandArgs, io: CliIO): string {
  const v = args.values['state-dir']
  if (typeof v === 'string' && v !== '') return v
  const env = io.env.FULCRUM_AUDITOR_DIR
  if (env !== undefined && env !== '') return env
  return join(homedir(), DEFAULT_AUDITOR_DIR)
}

/** `fulcrum audit peer`: see ledger-protocol/auditor.ts. */
export const auditPeerCommand: Command = {
  usage: 'MULTIADDR [--state-dir DIR] [--allow CIDR]... [--json]',
  positionals: [1, 1],
  options: { ...JSON_OPTION, ...NETWORK_OPTIONS, 'state-dir': { type: 'string' } },
  async run (args, io) {
    const t = target(args.positionals[0] as string)
    const store = new FileStateStore(stateDirOf(args, io))
    const report = await withAuditNode(args, [t], async (node, signal) => {
      const client = await LedgerClient.connect(node, t.addr, t.peerId, signal)
      try {
        return await auditPeer(client, store, Date.now)
      } finally {
        await client.close()
      }
    })
    const title = `peer ${report.peer}: size ${report.previousSize ?? '(first audit)'} -> ${report.size ?? '?'}, ${report.newEntries} new entries verified` +
      (report.evidence === undefined ? '' : `\nevidence written to ${report.evidence}`)
    return reportFindings(io, args.values.json === true, title, { ...report })
  }
}

/** `fulcrum audit agreement` */
export const auditAgreementCommand: Command = {
  usage: 'ID --peer MULTIADDR... [--allow CIDR]... [--json]',
  positionals: [1, 1],
  options: { ...JSON_OPTION, ...NETWORK_OPTIONS, peer: { type: 'string', multiple: true } },
  async run (args, io) {
    const id = args.positionals[0] as string
    const peers = args.values.peer
    if (!Array.isArray(peers) || peers.length === 0) usageError('give each party\'s node with --peer MULTIADDR')
    const targets = peers.map(target)
    const report = await withAuditNode(args, targets, async (node, signal) => {
      const clients: LedgerClient[] = []
      try {
        for (const t of targets) clients.push(await LedgerClient.connect(node, t.addr, t.peerId, signal))
        return await auditAgreement(id, clients)
      } finally {
        await Promise.all(clients.map(async c => { await c.close() }))
      }
    })
    const title = `agreement ${id}: parties ${report.parties.join(', ') || '(unknown)'}${report.bodyHash === undefined ? '' : `, body hash ${report.bodyHash}`}`
    return reportFindings(io, args.values.json === true, title, { ...report })
  }
}
