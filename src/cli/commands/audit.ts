/**
 * `fulcrum audit bundle|peer|agreement`: auditors' checks. Exit 0 when everything verifies,
 * 1 when violations were found (each with its code), 2 for usage or I/O errors.
 */
import { auditBundle } from '../../audit/index.js'
import type { Finding } from '../../audit/index.js'
import { JSON_OPTION, ExitCode, printJson } from '../command.js'
import type { CliIO, Command } from '../command.js'
import { readJson } from '../files.js'
import { parallelEntriesChecker } from '../../audit/parallel.js'

/** Largest bundle read: JSON.parse needs the whole text in one string (about 400,000 entries). */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024

/** Prints findings readably, or everything as JSON; returns the exit code. */
export function reportFindings (io: CliIO, json: boolean, title: string, report: { findings: Finding[] } & Record<string, unknown>): number {
  if (json) {
    printJson(io, { ok: report.findings.length === 0, ...report })
  } else {
    io.out(title)
    if (report.findings.length === 0) io.out('OK: no violations found')
    for (const f of report.findings) {
      const where = [f.peer === undefined ? '' : `peer ${f.peer}`, f.index === undefined ? '' : `entry ${f.index}`].filter(Boolean).join(', ')
      io.out(`VIOLATION ${f.code}${where === '' ? '' : ` (${where})`}: ${f.message}`)
    }
  }
  return report.findings.length === 0 ? ExitCode.OK : ExitCode.INVALID
}

export const auditBundleCommand: Command = {
  summary: 'audit an exported ledger bundle offline: checkpoint signature, root, entries, signatures',
  usage: 'FILE [--json]',
  positionals: [1, 1],
  options: { ...JSON_OPTION },
  async run (args, io) {
    const file = args.positionals[0] as string
    const report = await auditBundle(await readJson(file, MAX_BUNDLE_BYTES), parallelEntriesChecker())
    const title = `bundle ${file}: origin ${report.origin}, ${report.leaves} entries, signed size ${report.size ?? 'unknown'}`
    return reportFindings(io, args.values.json === true, title, { ...report })
  }
}
