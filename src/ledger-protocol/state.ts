/**
 * What a witness or an auditor remembers per log, on disk: the last checkpoint it verified (for
 * rollback and fork detection) and, for auditors that verified every entry, the tree's frontier;
 * plus the evidence files of misbehaviour it observed (protocols/ledger-v1.md §6.2, §6.4).
 *
 * Layout of the state directory: `peers/<peer id>.json` = `{ checkpoint, frontier? }`,
 * `evidence/<peer id>-<kind>-<size1>-<size2>.json` = an evidence object (ledger/evidence.ts).
 * Files are replaced atomically (write to a temporary file, then rename).
 *
 * Bounded ({@link StateLimits}): at most `maxLogs` logs (a new one beyond is
 * `LEDGER_PROTO_WITNESS_FULL`), and one evidence file per (log, kind, sizes), at most
 * `maxEvidencePerLog` per log and `maxEvidence` in all; evidence beyond is not written (the
 * first files already prove what there is to prove about that log).
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FulcrumError } from '../errors/index.js'
import { isPeerId } from '../identity/index.js'
import type { Evidence } from '../ledger/index.js'
import { LedgerProtocolError } from './errors.js'

/** The state kept for one log. `frontier[level]` is a base64 hash or null (see log/tree.ts). */
export interface PeerState {
  checkpoint: string
  frontier?: Array<string | null>
}

/** Bounds of a state store (config `witness`; protocols/ledger-v1.md §6.2). */
export interface StateLimits {
  /** Logs with a state file at most. */
  maxLogs: number
  /** Evidence files per log at most. */
  maxEvidencePerLog: number
  /** Evidence files in all at most. */
  maxEvidence: number
}

/**
 * Defaults: 1,000 logs (a node follows its counterparties and configured logs; each state file is
 * under 1 KiB plus the checkpoint note); 16 evidence files per log (one split view already
 * proves a log dishonest); 1,000 in all (under 10 MB: evidence keeps only the log's signatures).
 */
export const DEFAULT_STATE_LIMITS: StateLimits = { maxLogs: 1000, maxEvidencePerLog: 16, maxEvidence: 1000 }

/** Where peer states and evidence are kept. */
export interface StateStore {
  get: (peerId: string) => Promise<PeerState | undefined>
  /** Saves a log's state; throws `LEDGER_PROTO_WITNESS_FULL` for a new log beyond the limit. */
  put: (peerId: string, state: PeerState) => Promise<void>
  /**
   * Stores an evidence object unless one for the same (log, kind, sizes) is held or the caps are
   * reached; returns where it is (a path or key), or undefined if it was not stored.
   */
  saveEvidence: (peerId: string, evidence: Evidence, time: number) => Promise<string | undefined>
}

/** The dedup key of an evidence object: (kind, sizes), per log. */
function evidenceKey (evidence: Evidence): string {
  const sizes = evidence.checkpoints.map(n => n.split('\n')[1] ?? '?')
  return `${evidence.kind}-${sizes.join('-')}`
}

/** Counts and limits shared by the file and memory stores. */
class Bounds {
  readonly logs = new Set<string>()
  readonly evidence = new Map<string, Set<string>>()
  evidenceCount = 0
  constructor (readonly limits: StateLimits) {}

  admitLog (peerId: string): void {
    if (this.logs.has(peerId)) return
    if (this.logs.size >= this.limits.maxLogs) {
      throw new FulcrumError(LedgerProtocolError.WITNESS_FULL, `this witness follows ${this.logs.size} logs, its limit`)
    }
    this.logs.add(peerId)
  }

  /** Records `key` for `peerId` if new and within the caps; false otherwise. */
  admitEvidence (peerId: string, key: string): boolean {
    const held = this.evidence.get(peerId) ?? new Set<string>()
    if (held.has(key) || held.size >= this.limits.maxEvidencePerLog || this.evidenceCount >= this.limits.maxEvidence) return false
    held.add(key)
    this.evidence.set(peerId, held)
    this.evidenceCount++
    return true
  }
}

const EVIDENCE_NAME = /^([1-9A-HJ-NP-Za-km-z]+)-((?:split-view|inconsistent|rollback)-\d+-\d+)\.json$/
/** Files of the earlier layout, `<time>-<kind>-<peer id>.json`: counted, never matched for dedup. */
const OLD_EVIDENCE_NAME = /^\d+-(?:split-view|inconsistent|rollback)-([1-9A-HJ-NP-Za-km-z]+)\.json$/

/** A {@link StateStore} in a directory. */
export class FileStateStore implements StateStore {
  private bounds: Promise<Bounds> | undefined

  constructor (readonly dir: string, private readonly limits: StateLimits = DEFAULT_STATE_LIMITS) {}

  async get (peerId: string): Promise<PeerState | undefined> {
    let text: string
    try {
      text = await readFile(this.peerPath(peerId), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    const s = JSON.parse(text) as PeerState
    if (typeof s.checkpoint !== 'string') throw new FulcrumError(LedgerProtocolError.BAD_CHECKPOINT, `${this.peerPath(peerId)} holds no checkpoint`)
    return s
  }

  async put (peerId: string, state: PeerState): Promise<void> {
    const path = this.peerPath(peerId)
    ;(await this.load()).admitLog(peerId)
    await this.writeAtomic(path, JSON.stringify(state, null, 2) + '\n')
  }

  async saveEvidence (peerId: string, evidence: Evidence): Promise<string | undefined> {
    const key = evidenceKey(evidence)
    const path = join(this.dir, 'evidence', `${safe(peerId)}-${key}.json`)
    if (!(await this.load()).admitEvidence(peerId, key)) return undefined
    await this.writeAtomic(path, JSON.stringify(evidence, null, 2) + '\n')
    return path
  }

  /** Counts what the directory holds, once. */
  private async load (): Promise<Bounds> {
    this.bounds ??= (async () => {
      const b = new Bounds(this.limits)
      for (const name of await list(join(this.dir, 'peers'))) if (name.endsWith('.json')) b.logs.add(name.slice(0, -5))
      for (const name of await list(join(this.dir, 'evidence'))) {
        const m = EVIDENCE_NAME.exec(name)
        const old = OLD_EVIDENCE_NAME.exec(name)
        if (m !== null) b.admitEvidence(m[1] as string, m[2] as string)
        else if (old !== null) b.admitEvidence(old[1] as string, name)
      }
      return b
    })()
    return await this.bounds
  }

  private peerPath (peerId: string): string {
    return join(this.dir, 'peers', `${safe(peerId)}.json`)
  }

  private async writeAtomic (path: string, text: string): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 })
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, text)
    await rename(tmp, path)
  }
}

async function list (dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

/** A peer id is used as a file name only if it is one (base58: no separators). */
function safe (peerId: string): string {
  if (!isPeerId(peerId)) throw new FulcrumError(LedgerProtocolError.BAD_CHECKPOINT, 'not a peer id')
  return peerId
}

/** A {@link StateStore} in memory (tests, short-lived witnesses), with the same bounds. */
export class MemoryStateStore implements StateStore {
  readonly states = new Map<string, PeerState>()
  readonly evidence: Evidence[] = []
  private readonly bounds: Bounds
  constructor (limits: StateLimits = DEFAULT_STATE_LIMITS) { this.bounds = new Bounds(limits) }
  async get (peerId: string): Promise<PeerState | undefined> { return this.states.get(peerId) }
  async put (peerId: string, state: PeerState): Promise<void> {
    this.bounds.admitLog(peerId)
    this.states.set(peerId, state)
  }

  async saveEvidence (peerId: string, evidence: Evidence): Promise<string | undefined> {
    if (!this.bounds.admitEvidence(peerId, evidenceKey(evidence))) return undefined
    this.evidence.push(evidence)
    return `memory:${this.evidence.length - 1}`
  }
}
