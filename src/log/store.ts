/**
 * The durable Merkle log of one node, on LevelDB (`level`).
 *
 * - Atomic appends: the leaves, every subtree hash they complete, their lookup keys, the new size
 *   and the newly signed checkpoint go into one batch written with `sync: true`, so after a crash
 *   the store holds exactly the batches that were acknowledged, and a checkpoint matching them.
 * - Group commit: appends that arrive while a batch is being written wait and go together into
 *   the next one (one fsync for many appends).
 * - Stored subtree hashes: every complete perfect subtree is stored, so any proof or historical
 *   root is O(log n) reads (see `ledger/proofs.ts`), and opening reads only the frontier.
 */
import { toHex } from '../encoding/base64.js'
import { FulcrumError } from '../errors/index.js'
import { openStore } from '../storage/index.js'
import type { Store } from '../storage/index.js'
import {
  buildProof, consistencyProofRanges, foldSubtrees, inclusionProofRanges, leafHash, openCheckpoint, originOf,
  ledgerVerifierKey, parseVerifierKey, rootSubtrees, signCheckpoint, bytesEqual, EMPTY_ROOT
} from '../ledger/index.js'
import type { NoteSigner, SubtreeId, VerifierKey } from '../ledger/index.js'
import { LogError } from './errors.js'
import {
  FORMAT_VERSION, META_CHECKPOINT, META_SIZE, META_VERSION, documentKey, leafHashKey, leafKey, nodeKey, readU64, u64
} from './keys.js'
import { Frontier } from '../ledger/index.js'
import { GroupCommit } from './commit.js'
import { AckWriter, readAck, writeAck } from './ack.js'
import type { Ack } from './ack.js'
import { checkLeafCount, corruptIfDamaged, exists } from './integrity.js'
import type { PendingAppend } from './commit.js'

type Db = Store

/** Most leaves returned by one {@link MerkleLog.leaves} call: bounds memory per request. */
export const MAX_LEAVES_PER_READ = 10_000

/** How to open a log. Without a `signer` the log is read-only. */
export interface LogOptions {
  /** The node's key and peer id: signs a checkpoint after every batch. */
  signer?: NoteSigner & { peerId: string }
  /** The peer id whose log this is, when opened read-only (to verify the stored checkpoint). */
  peerId?: string
  /**
   * The acknowledgement file (`log/ack.ts`): checked on open (a store behind it, or with another
   * history, is `LOG_CORRUPT`), and rewritten after batches when the log is writable.
   */
  ackFile?: string
}

/** The codes of the log's store (`storage/`). */
const STORE_CODES = { locked: LogError.LOCKED, corrupt: LogError.CORRUPT, io: LogError.IO }

/** The result of an append. `existing` is true if the same leaf was already in the log. */
export interface AppendResult { index: number, leafHash: Uint8Array, existing: boolean }

const enc = new TextEncoder()
const dec = new TextDecoder()

/** An append-only Merkle log of opaque leaves (a node's agreement ledger). */
export class MerkleLog {
  private closed = false
  private readonly committer: GroupCommit
  private ackWriter: AckWriter | undefined

  private constructor (
    private readonly db: Db,
    private frontier: Frontier,
    private checkpointText: string | undefined,
    private readonly signer: LogOptions['signer'],
    readonly vkey: VerifierKey | undefined
  ) {
    this.committer = new GroupCommit(async (batch) => { await this.commit(batch) })
  }

  /**
   * Opens (creating if needed, with a signer) the log at `path`. Throws `LOG_LOCKED` if another
   * process has it open, `LOG_CORRUPT` if the store is damaged (see `storage/`), holds fewer
   * entries than `ackFile` says were acknowledged, or another history (naming what was lost).
   */
  static async open (path: string, options: LogOptions = {}): Promise<MerkleLog> {
    const ack = options.ackFile === undefined ? undefined : await readAck(options.ackFile)
    if (ack !== undefined && ack.size > 0 && !await exists(path)) {
      throw new FulcrumError(LogError.CORRUPT, `the ledger store ${path} is missing, but ${ack.size} entries were acknowledged: restore it with \`fulcrum ledger recover\``)
    }
    const db = await openStore(path, { codes: STORE_CODES, name: 'the ledger', create: options.signer !== undefined })
    return await MerkleLog.openOn(db, options, ack)
  }

  /**
   * Opens the log in an already open store (an IndexedDB or memory store in a browser), which it
   * then owns (closes); `ack` is what {@link open} read from `options.ackFile`. Same checks and
   * errors as {@link open}.
   */
  static async openOn (db: Db, options: LogOptions = {}, ack?: Ack): Promise<MerkleLog> {
    try {
      const log = await MerkleLog.load(db, options)
      await log.checkAck(ack, options)
      return log
    } catch (err) {
      await db.close()
      throw corruptIfDamaged(err)
    }
  }

  private static async load (db: Db, options: LogOptions): Promise<MerkleLog> {
    const version = await db.get(META_VERSION)
    if (version !== undefined && version[0] !== FORMAT_VERSION) throw new FulcrumError(LogError.CORRUPT, `unknown log format ${String(version[0])}`)
    const sizeBytes = await db.get(META_SIZE)
    const size = sizeBytes === undefined ? 0 : readU64(sizeBytes)
    const slots = Frontier.slots(size)
    const hashes = await db.getMany(slots.map(s => nodeKey(s.level, s.index)))
    const pending: Array<Uint8Array | undefined> = []
    slots.forEach((s, i) => {
      const h = hashes[i]
      if (h === undefined) throw new FulcrumError(LogError.CORRUPT, `subtree ${s.level}/${s.index} is missing`)
      pending[s.level] = plain(h)
    })
    await checkLeafCount(db, size)
    const peerId = options.signer?.peerId ?? options.peerId
    const vkey = peerId === undefined ? undefined : parseVerifierKey(ledgerVerifierKey(peerId))
    const cpBytes = await db.get(META_CHECKPOINT)
    const log = new MerkleLog(db, new Frontier(size, pending), cpBytes === undefined ? undefined : dec.decode(cpBytes), options.signer, vkey)
    log.checkStoredCheckpoint()
    if (log.checkpointText === undefined && options.signer !== undefined) await log.commit([])
    return log
  }

  /**
   * Compares the store with what the node acknowledged: behind it, or with another root at the
   * acknowledged size, is `LOG_CORRUPT`. A writable log then keeps the file up to date.
   */
  private async checkAck (ack: Ack | undefined, options: LogOptions): Promise<void> {
    if (ack !== undefined) {
      if (this.size < ack.size) {
        throw new FulcrumError(LogError.CORRUPT, `the ledger holds ${this.size} entries but ${ack.size} were acknowledged: entries ${this.size}..${ack.size - 1} were lost; restore them with \`fulcrum ledger recover\``)
      }
      if (!bytesEqual(await this.rootAt(ack.size), ack.root)) {
        throw new FulcrumError(LogError.CORRUPT, `the ledger's first ${ack.size} entries are not the ones acknowledged (another root): restore them with \`fulcrum ledger recover\``)
      }
    }
    if (options.ackFile !== undefined && this.signer !== undefined) {
      this.ackWriter = new AckWriter(options.ackFile)
      if (ack === undefined || ack.size !== this.size) await writeAck(options.ackFile, this.currentAck())
    }
  }

  private currentAck (): Ack {
    return { size: this.size, root: this.root(), checkpoint: this.checkpointText ?? '' }
  }

  /** Number of leaves durably in the log. */
  get size (): number {
    return this.frontier.size
  }

  /** The root hash of the whole log. */
  root (): Uint8Array {
    return this.frontier.root()
  }

  /** The latest signed checkpoint note (C2SP tlog-checkpoint), or undefined for an unsigned empty store. */
  checkpoint (): string | undefined {
    return this.checkpointText
  }

  /**
   * Appends a leaf and resolves once it is durable. `ids` are unique lookup keys (document ids)
   * that the leaf determines: the same leaf always comes with the same ids (an entry and its id).
   * Appending a leaf that is already present returns its index (`existing: true`) without a second copy.
   */
  async append (leaf: Uint8Array, ids: string[] = []): Promise<AppendResult> {
    this.assertOpen()
    if (this.signer === undefined) throw new FulcrumError(LogError.READ_ONLY, 'the log was opened read-only')
    return await this.committer.add(leaf, ids)
  }

  /** The leaf at `index`. */
  async leaf (index: number): Promise<Uint8Array> {
    const [leaf] = await this.leaves(index, index + 1)
    return leaf as Uint8Array
  }

  /** Leaves `[start, end)`, at most {@link MAX_LEAVES_PER_READ}. */
  async leaves (start: number, end: number): Promise<Uint8Array[]> {
    this.assertOpen()
    this.assertRange(start, end, this.size)
    if (end - start > MAX_LEAVES_PER_READ) throw new FulcrumError(LogError.OUT_OF_RANGE, `at most ${MAX_LEAVES_PER_READ} leaves per read`)
    const out = await this.db.values({ gte: leafKey(start), lt: leafKey(end) }).all().catch(err => { throw corruptIfDamaged(err) })
    if (out.length !== end - start) throw new FulcrumError(LogError.CORRUPT, `leaves ${start}..${end} are missing`)
    return out.map(plain)
  }

  /** The index of the first leaf with this leaf hash, if any. */
  async indexOfLeafHash (hash: Uint8Array): Promise<number | undefined> {
    this.assertOpen()
    const v = await this.db.get(leafHashKey(hash))
    return v === undefined || readU64(v) >= this.size ? undefined : readU64(v)
  }

  /** The index of the entry with this document id, if any. */
  async indexOfDocument (id: string): Promise<number | undefined> {
    this.assertOpen()
    const v = await this.db.get(documentKey(id))
    return v === undefined || readU64(v) >= this.size ? undefined : readU64(v)
  }

  /** The root of the tree of the first `size` leaves. */
  async rootAt (size: number): Promise<Uint8Array> {
    this.assertRange(0, size, this.size)
    if (size === 0) return EMPTY_ROOT
    return foldSubtrees(await this.readNodes(rootSubtrees(size)))
  }

  /** The inclusion proof of leaf `index` in the tree of `size` leaves (default: the whole log). */
  async inclusionProof (index: number, size = this.size): Promise<Uint8Array[]> {
    this.assertOpen()
    this.assertRange(index, size, this.size)
    if (index >= size) throw new FulcrumError(LogError.OUT_OF_RANGE, `index ${index} is not below size ${size}`)
    return await buildProof(inclusionProofRanges(index, size), async ids => await this.readNodes(ids))
  }

  /**
   * The consistency proof from the tree of `size1` leaves to that of `size2` (default: the whole
   * log). `size1` 0 is refused (LOG_OUT_OF_RANGE): such a proof proves nothing (ledger-v1 §1).
   */
  async consistencyProof (size1: number, size2 = this.size): Promise<Uint8Array[]> {
    this.assertOpen()
    this.assertRange(size1, size2, this.size)
    if (size1 === 0) throw new FulcrumError(LogError.OUT_OF_RANGE, 'a consistency proof from size 0 proves nothing')
    return await buildProof(consistencyProofRanges(size1, size2), async ids => await this.readNodes(ids))
  }

  /** Waits for pending appends, then closes the store. */
  async close (): Promise<void> {
    if (this.closed) return
    await this.committer.drain()
    this.closed = true
    await this.ackWriter?.flush()
    await this.db.close()
  }

  private async readNodes (ids: SubtreeId[]): Promise<Uint8Array[]> {
    const values = await this.db.getMany(ids.map(id => nodeKey(id.level, id.index))).catch(err => { throw corruptIfDamaged(err) })
    return values.map((v, i) => {
      if (v === undefined) throw new FulcrumError(LogError.CORRUPT, `subtree ${ids[i]?.level}/${ids[i]?.index} is missing`)
      return plain(v)
    })
  }

  /** Writes one batch: leaves, subtree hashes, lookup keys, size and checkpoint, synced. */
  private async commit (batch: PendingAppend[]): Promise<void> {
    this.assertOpen()
    const signer = this.signer
    if (signer === undefined) throw new FulcrumError(LogError.READ_ONLY, 'the log was opened read-only')
    const next = this.frontier.clone()
    const fresh = await this.resolveExisting(batch)
    // A chained batch, filled directly: the array form copies and re-validates every operation
    // object in JS (abstract-level's #arrayBatch), several times the cost of the write itself per key.
    const write = this.db.batch()
    let text: string
    try {
      for (const p of fresh) {
        const index = next.size
        const at = u64(index) // LevelDB copies values: one for every key naming this index
        for (const n of next.appendHash(p.hash)) write.put(nodeKey(n.level, n.index), n.hash)
        write.put(leafKey(index), p.leaf)
        write.put(leafHashKey(p.hash), at)
        for (const id of p.ids) write.put(documentKey(id), at)
        p.index = index
      }
      text = signCheckpoint({ origin: originOf(signer.peerId), size: next.size, root: next.root(), extensions: [] }, signer)
      write.put(META_VERSION, Uint8Array.of(FORMAT_VERSION))
      write.put(META_SIZE, u64(next.size))
      write.put(META_CHECKPOINT, enc.encode(text))
    } catch (err) {
      await write.close()
      throw err
    }
    await write.write({ sync: true })
    this.frontier = next
    this.checkpointText = text
    this.ackWriter?.schedule(this.currentAck())
  }

  /**
   * Settles appends of leaves already in the log (or twice in this batch); returns the new ones.
   * One read per append: its document ids if it has any (a leaf always comes with the same ids, see
   * {@link append}: if none is taken, the leaf is new), else its leaf hash. Only a taken id costs a
   * second read, of the leaf hash stored at that index: the same leaf again, or another entry reusing
   * the id. (Reading both indexes cost a LevelDB lookup more per append, and those lookups of absent
   * keys through several table files probably set off LevelDB seek-triggered compactions: its background
   * thread spent about 22 us per agreement append, 9 us with one lookup.)
   */
  private async resolveExisting (batch: PendingAppend[]): Promise<PendingAppend[]> {
    for (const p of batch) p.hash = leafHash(p.leaf)
    const keys: Uint8Array[] = []
    for (const p of batch) {
      if (p.ids.length === 0) keys.push(leafHashKey(p.hash))
      else for (const id of p.ids) keys.push(documentKey(id))
    }
    const found = await this.db.getMany(keys)
    // Per append: the index already holding its leaf or one of its ids, if any (first hit).
    const hits = new Array<number | undefined>(batch.length)
    let k = 0
    batch.forEach((p, i) => {
      for (let n = Math.max(1, p.ids.length); n > 0; n--) {
        const v = found[k++]
        if (v !== undefined && hits[i] === undefined) hits[i] = readU64(v)
      }
    })
    // Appends with a taken id: the leaf hash at that index tells a repeat from a reused id.
    const taken = batch.flatMap((p, i) => p.ids.length > 0 && hits[i] !== undefined ? [i] : [])
    const stored = taken.length === 0 ? [] : await this.db.getMany(taken.map(i => nodeKey(0, hits[i] as number)))
    const repeat = new Set<number>()
    taken.forEach((i, t) => {
      const h = stored[t]
      if (h !== undefined && bytesEqual(h, (batch[i] as PendingAppend).hash)) repeat.add(i)
    })
    const seen = new Map<string, PendingAppend>()
    const seenIds = new Set<string>()
    const fresh: PendingAppend[] = []
    batch.forEach((p, i) => {
      const hit = hits[i]
      if (hit !== undefined && (p.ids.length === 0 || repeat.has(i))) { p.index = hit; p.existing = true; return }
      const hex = toHex(p.hash)
      const twin = seen.get(hex)
      if (twin !== undefined) { p.twin = twin; return }
      if (hit !== undefined || p.ids.some(id => seenIds.has(id))) {
        p.error = new FulcrumError(LogError.DUPLICATE_ID, `an entry with id ${p.ids.join(', ')} is already in the log`)
        return
      }
      p.ids.forEach(id => seenIds.add(id))
      seen.set(hex, p)
      fresh.push(p)
    })
    return fresh
  }

  private checkStoredCheckpoint (): void {
    if (this.checkpointText === undefined) {
      if (this.size > 0) throw new FulcrumError(LogError.CORRUPT, 'a non-empty log has no checkpoint')
      return
    }
    try {
      const cp = this.vkey === undefined ? undefined : openCheckpoint(this.checkpointText, this.vkey).checkpoint
      if (cp !== undefined && (cp.size !== this.size || !bytesEqual(cp.root, this.root()))) throw new Error('checkpoint does not match the tree')
    } catch (err) {
      throw new FulcrumError(LogError.CORRUPT, 'the stored checkpoint does not verify or does not match the tree', { cause: err })
    }
  }

  private assertOpen (): void {
    if (this.closed) throw new FulcrumError(LogError.CLOSED, 'the log is closed')
  }

  private assertRange (start: number, end: number, size: number): void {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > size) {
      throw new FulcrumError(LogError.OUT_OF_RANGE, `range ${start}..${end} is outside the log of ${size} leaves`)
    }
  }
}

/** A plain Uint8Array view of bytes from the store (which may be a Buffer), so callers compare equal. */
function plain (b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
