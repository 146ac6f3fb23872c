/**
 * `fulcrum audit peer|agreement`: auditors' checks against live nodes, through a light libp2p
 * node. Exit codes as for the offline checks in `audit.ts`.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Multiaddr } from '@multiformats/multiaddr'
import { isPeerId } from '../../identity/index.js'
// Not the ledger-protocol index: it also loads the node-side service and, through it, LevelDB.
import { agreementCopyFromBundle } from '../../audit/index.js'
import type { AgreementCopy, Finding } from '../../audit/index.js'
import { auditAgreement, auditPeer } from '../../ledger-protocol/auditor.js'
import { LedgerClient } from '../../ledger-protocol/client.js'
import { FileStateStore } from '../../ledger-protocol/state.js'
import { createLightLibp2pNode, ipOfMultiaddr, parseMultiaddrs } from '../../network/index.js'
import type { ProtocolDialer } from '../../network/index.js'
import { JSON_OPTION, usageError } from '../command.js'
import type { CliIO, CommandArgs, Command } from '../command.js'
import { MAX_BUNDLE_BYTES, reportFindings } from './audit.js'
import { readJson } from '../files.js'

/** Where the auditor keeps what it verified, unless --state-dir or FULCRUM_AUDITOR_DIR says otherwise. */
export const DEFAULT_AUDITOR_DIR = '.fulcrum-auditor'
/** An audit of one peer or agreement gives up after this (a stalled peer must not hang the auditor). */
export const AUDIT_TIMEOUT_MS = 120_000

const NETWORK_OPTIONS = { allow: { type: 'string', multiple: true } } as const

/** A multiaddr with its /p2p/ peer id (the id names the key that must sign the log). */
export function target (text: string): { addr: Multiaddr, peerId: string } {
  const [addr] = parseMultiaddrs([text])
  const p2p = addr?.getComponents().find(c => c.name === 'p2p')?.value
  if (addr === undefined || p2p === undefined || !isPeerId(p2p)) usageError(`${text} must end with /p2p/<peer id>`)
  return { addr, peerId: p2p }
}

/** Runs `fn` with a light libp2p node allowed to dial the targets' addresses (or --allow ranges). */
export async function withAuditNode<T> (args: CommandArgs, targets: Array<{ addr: Multiaddr }>, fn: (node: ProtocolDialer, signal: AbortSignal) => Promise<T>): Promise<T> {
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

/** The copies of agreement `id` in the `--bundle` files (parties that run no node, e.g. customers). */
async function bundleCopies (id: string, files: string[]): Promise<{ copies: AgreementCopy[], findings: Finding[] }> {
  const copies: AgreementCopy[] = []
  const findings: Finding[] = []
  for (const file of files) {
    const r = await agreementCopyFromBundle(await readJson(file, MAX_BUNDLE_BYTES), id)
    if (r.copy !== undefined) copies.push(r.copy)
    findings.push(...r.findings)
  }
  return { copies, findings }
}

/** `fulcrum audit agreement` */
export const auditAgreementCommand: Command = {
  usage: 'ID [--peer MULTIADDR]... [--bundle FILE]... [--allow CIDR]... [--json]',
  details: 'Give every party: a node with --peer (its live log, over the network), or a party that runs no node ' +
    '(a customer) with --bundle, its exported ledger (`fulcrum ledger export`), whose checkpoint must be signed by the ' +
    'key of the peer id in its origin.',
  positionals: [1, 1],
  options: { ...JSON_OPTION, ...NETWORK_OPTIONS, peer: { type: 'string', multiple: true }, bundle: { type: 'string', multiple: true } },
  async run (args, io) {
    const id = args.positionals[0] as string
    const peers = Array.isArray(args.values.peer) ? args.values.peer : []
    const bundles = Array.isArray(args.values.bundle) ? args.values.bundle : []
    if (peers.length === 0 && bundles.length === 0) usageError('give each party\'s node with --peer MULTIADDR (or its exported ledger with --bundle FILE)')
    const targets = peers.map(target)
    const offline = await bundleCopies(id, bundles)
    const fromNodes = async (node: ProtocolDialer | undefined, signal: AbortSignal): ReturnType<typeof auditAgreement> => {
      const clients: LedgerClient[] = []
      try {
        if (node !== undefined) for (const t of targets) clients.push(await LedgerClient.connect(node, t.addr, t.peerId, signal))
        return await auditAgreement(id, clients, offline.copies)
      } finally {
        await Promise.all(clients.map(async c => { await c.close() }))
      }
    }
    const audited = targets.length === 0 ? await fromNodes(undefined, AbortSignal.timeout(AUDIT_TIMEOUT_MS)) : await withAuditNode(args, targets, fromNodes)
    const report = { ...audited, findings: [...offline.findings, ...audited.findings] }
    const title = `agreement ${id}: parties ${report.parties.join(', ') || '(unknown)'}${report.bodyHash === undefined ? '' : `, body hash ${report.bodyHash}`}`
    return reportFindings(io, args.values.json === true, title, { ...report })
  }
}
