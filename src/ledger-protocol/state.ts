/**
 * What a witness or an auditor remembers per log, on disk: the last checkpoint it verified (for
 * rollback and fork detection) and, for auditors that verified every entry, the tree's frontier;
 * plus the evidence files of misbehaviour it observed (protocols/ledger-v1.md §Witnessing).
 *
 * Layout of the state directory: `peers/<peer id>.json` = `{ checkpoint, frontier? }`,
 * `evidence/<time>-<kind>-<peer id>.json` = an evidence object (ledger/evidence.ts).
 * Files are replaced atomically (write to a temporary file, then rename).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
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

/** Where peer states and evidence are kept. */
export interface StateStore {
  get: (peerId: string) => Promise<PeerState | undefined>
  put: (peerId: string, state: PeerState) => Promise<void>
  /** Stores an evidence object; returns where (a path or key). */
  saveEvidence: (peerId: string, evidence: Evidence, time: number) => Promise<string>
}

/** A {@link StateStore} in a directory. */
export class FileStateStore implements StateStore {
  constructor (readonly dir: string) {}

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
    await this.writeAtomic(this.peerPath(peerId), JSON.stringify(state, null, 2) + '\n')
  }

  async saveEvidence (peerId: string, evidence: Evidence, time: number): Promise<string> {
    const path = join(this.dir, 'evidence', `${time}-${evidence.kind}-${safe(peerId)}.json`)
    await this.writeAtomic(path, JSON.stringify(evidence, null, 2) + '\n')
    return path
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

/** A peer id is used as a file name only if it is one (base58: no separators). */
function safe (peerId: string): string {
  if (!isPeerId(peerId)) throw new FulcrumError(LedgerProtocolError.BAD_CHECKPOINT, 'not a peer id')
  return peerId
}

/** A {@link StateStore} in memory (tests, short-lived witnesses). */
export class MemoryStateStore implements StateStore {
  readonly states = new Map<string, PeerState>()
  readonly evidence: Evidence[] = []
  async get (peerId: string): Promise<PeerState | undefined> { return this.states.get(peerId) }
  async put (peerId: string, state: PeerState): Promise<void> { this.states.set(peerId, state) }
  async saveEvidence (_peerId: string, evidence: Evidence): Promise<string> {
    this.evidence.push(evidence)
    return `memory:${this.evidence.length - 1}`
  }
}
