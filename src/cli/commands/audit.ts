/**
 * `fulcrum audit bundle|evidence`: auditors' offline checks (the network ones, `audit peer` and
 * `audit agreement`, are in `audit-network.ts`, so these never load libp2p). Exit 0 when everything
 * verifies (for `evidence`: the file proves misbehaviour), 1 when violations were found (each
 * with its code; for `evidence`: the file is not valid evidence), 2 for usage or I/O errors.
 */
import { stat } from 'node:fs/promises'
import { auditBundleStream } from '../../audit/index.js'
import type { Finding } from '../../audit/index.js'
import { FulcrumError, isFulcrumError } from '../../errors/index.js'
import { EncodingError } from '../../encoding/index.js'
import { LedgerError, verifyEvidence } from '../../ledger/index.js'
import type { EvidenceKind, VerifiedEvidence } from '../../ledger/index.js'
import { JSON_OPTION, ExitCode, printJson, usageError } from '../command.js'
import type { CliIO, Command } from '../command.js'
import { InputError, readChunks, readJson } from '../files.js'
import { formatTime } from '../table.js'
import { MAX_WORKERS, parallelRunChecker } from '../../audit/parallel.js'

/**
 * Largest bundle that commands reading it whole accept (`ledger recover`, `audit agreement`):
 * JSON.parse needs the whole text in one string (about 400,000 entries).
 */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024
/**
 * Largest bundle `audit bundle` reads. It streams the text, so memory holds the runs being checked
 * plus, per entry, its id (for the duplicate check) and any finding: what grows with the bundle.
 * 2 GiB is about 2.8 million entries, whose ids and (at worst, every entry bad) findings stay near
 * 1 GB, within Node's default heap.
 */
export const MAX_STREAMED_BUNDLE_BYTES = 2 * 1024 ** 3
/**
 * Bundles from this size on (about 5,000 entries, where the audit goes to threads) start the
 * verification threads before the file is read, so that they boot while its first runs are read;
 * smaller ones never start them (a quick audit stays as fast as Node starts).
 */
export const EARLY_THREADS_BYTES = 4 * 1024 * 1024

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

/** `fulcrum audit bundle` */
export const auditBundleCommand: Command = {
  usage: 'FILE [--threads N] [--json]',
  positionals: [1, 1],
  options: { ...JSON_OPTION, threads: { type: 'string' } },
  async run (args, io) {
    const file = args.positionals[0] as string
    const threads = args.values.threads
    const workers = threads === undefined ? undefined : Number(threads)
    if (workers !== undefined && (!Number.isSafeInteger(workers) || workers < 1 || workers > MAX_WORKERS)) usageError(`--threads must be an integer from 1 to ${MAX_WORKERS}, got '${String(args.values.threads)}'`)
    const big = file !== '-' && await stat(file).then(s => s.size >= EARLY_THREADS_BYTES, () => false)
    const checker = parallelRunChecker({ workers, startNow: big })
    let report
    try {
      report = await auditBundleStream(readChunks(file, MAX_STREAMED_BUNDLE_BYTES), checker.check)
    } catch (err) {
      // The stream reader's errors, as readJson words them for every other command.
      if (err instanceof SyntaxError) throw new FulcrumError(InputError.BAD_JSON, `${file} is not valid JSON: ${err.message}`, { cause: err })
      if (isFulcrumError(err, EncodingError.TOO_LARGE)) throw new FulcrumError(InputError.TOO_LARGE, `${file}: ${err.message}`, { cause: err })
      throw err
    } finally {
      await checker.close()
    }
    const title = `bundle ${file}: origin ${report.origin}, ${report.leaves} entries, signed size ${report.size ?? 'unknown'}`
    return reportFindings(io, args.values.json === true, title, { ...report })
  }
}

/**
 * Largest evidence file read: two checkpoint notes (a few hundred bytes each) and at most ~64
 * proof hashes of 44 base64 characters make a few KiB; anything far bigger is not evidence.
 */
export const MAX_EVIDENCE_BYTES = 64 * 1024
/** Largest time a Date holds (ms from the epoch); `observedAt` beyond it is not shown. */
const MAX_DATE_MS = 8.64e15

const KIND_NAMES: Record<EvidenceKind, string> = {
  'split-view': 'split view (two different roots signed for the same size)',
  rollback: 'rollback (a smaller checkpoint, seen after a larger one, that is not a prefix of it: the consistency proof between them fails)',
  inconsistent: 'fork / inconsistent (a consistency proof between the two checkpoints fails)'
}

/** What a verified evidence file proves, stated no more strongly than it does. */
function provesText (v: VerifiedEvidence, proofHashes: number): string {
  const [m, n] = v.sizes
  switch (v.kind) {
    case 'split-view':
      return `the log signed two different roots for size ${m}: an honest log has one root per size (conclusive)`
    case 'rollback':
      return `the log signed both checkpoints (conclusive); the consistency proof for sizes ${n} -> ${m} (${proofHashes} hashes) ` +
        'fails, but it is not signed: that the log served it is the observer\'s statement. An older checkpoint alone proves ' +
        'nothing (an honest log signed it once); an honest log can always prove that the older tree is a prefix of the newer, ' +
        'so anyone can settle it by asking the log for that proof'
    case 'inconsistent':
      return `the log signed both checkpoints (conclusive); the consistency proof for sizes ${m} -> ${n} (${proofHashes} hashes) ` +
        'fails, but it is not signed: that the log served it is the observer\'s statement. An honest log can always prove ' +
        'that it only appended, so anyone can settle it by asking the log for that proof (a fork is the likely cause; ' +
        'the file does not show which entries differ)'
  }
}

/** `fulcrum audit evidence`: re-checks an evidence file with `verifyEvidence` (protocols/ledger-v1.md §6.4). */
export const auditEvidenceCommand: Command = {
  usage: 'FILE [--json]',
  positionals: [1, 1],
  options: { ...JSON_OPTION },
  async run (args, io) {
    const file = args.positionals[0] as string
    const json = args.values.json === true
    const input = await readJson(file, MAX_EVIDENCE_BYTES)
    let v: VerifiedEvidence
    try {
      v = verifyEvidence(input)
    } catch (err) {
      if (!isFulcrumError(err, LedgerError.BAD_EVIDENCE)) throw err
      const cause = isFulcrumError(err.cause) ? err.cause.code : undefined
      if (json) {
        printJson(io, { ok: false, file, code: err.code, message: err.message, ...(cause === undefined ? {} : { cause }) })
      } else {
        io.out(`evidence ${file}: NOT VALID EVIDENCE`)
        io.out(`INVALID ${err.code}${cause === undefined ? '' : ` (${cause})`}: ${err.message}`)
      }
      return ExitCode.INVALID
    }
    const ev = input as { proof?: unknown[], observedBy?: unknown, observedAt?: unknown }
    const proofHashes = Array.isArray(ev.proof) ? ev.proof.length : 0
    const observedBy = typeof ev.observedBy === 'string' ? ev.observedBy : undefined
    const observedAt = typeof ev.observedAt === 'number' && Number.isSafeInteger(ev.observedAt) && Math.abs(ev.observedAt) <= MAX_DATE_MS ? ev.observedAt : undefined
    const checkpoints = v.sizes.map((size, i) => ({ size, root: v.roots[i] as string }))
    const proves = provesText(v, proofHashes)
    /** Only a split view needs nobody's word: the other kinds rest partly on the observer's. */
    const conclusive = v.kind === 'split-view'
    if (json) {
      printJson(io, {
        ok: true,
        file,
        kind: v.kind,
        origin: v.origin,
        ...(v.peerId === undefined ? {} : { peer: v.peerId }),
        checkpoints,
        ...(v.kind === 'split-view' ? {} : { proofHashes }),
        ...(observedBy === undefined ? {} : { observedBy }),
        ...(observedAt === undefined ? {} : { observedAt }),
        conclusive,
        proves
      })
    } else {
      io.out(`evidence ${file}: VALID (${conclusive ? 'conclusive on its own' : 'signatures conclusive, part rests on the observer'})`)
      io.out(`log:  ${v.origin}${v.peerId === undefined ? ' (not a Fulcrum node origin)' : ` (peer ${v.peerId})`}`)
      io.out(`kind: ${v.kind}: ${KIND_NAMES[v.kind]}`)
      checkpoints.forEach((c, i) => { io.out(`checkpoint ${i + 1}${i === 0 ? ' (seen first)' : ''}: size ${c.size}, root ${c.root}`) })
      io.out(`proves: ${proves}`)
      if (observedBy !== undefined || observedAt !== undefined) {
        const when = observedAt === undefined ? '' : ` at ${formatTime(observedAt)}`
        io.out(`observed${observedBy === undefined ? '' : ` by ${observedBy}`}${when} (the observer's statement, not signed)`)
      }
    }
    return ExitCode.OK
  }
}
