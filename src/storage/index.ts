/**
 * The one way this node opens a LevelDB store (`level`): the catalog, the ledger log and any later
 * store (orders) use it, so that locking, damage detection and options are the same everywhere.
 * The store itself comes from `#platform/storage` (src/platform/): a LevelDB directory on Node, an
 * IndexedDB database of that name in a browser (where the file checks below find nothing).
 *
 * Damage that LevelDB would repair silently is an error with the store's own code:
 * - a store directory with table or log files but no `CURRENT` (LevelDB would start an empty
 *   store and delete the tables it no longer knows);
 * - a write-ahead log record that fails its checksum: LevelDB drops it on open ("dropping N
 *   bytes" in the store's info `LOG`), losing that batch; `classic-level` offers no
 *   `paranoidChecks`, so the info log of this open is read back and checked;
 * - a missing or unreadable table file (`LEVEL_CORRUPTION` from LevelDB), at open or later on
 *   a read (see {@link isCorruption}).
 * What was damaged is named in the message; the caller decides what was lost (see the log's
 * acknowledgement file and the catalog's own-records file).
 */
import type { AbstractLevel } from 'abstract-level'
import type { Level } from 'level'
import { listDir, openLevel, readStoreInfoLog } from '#platform/storage'
import { FulcrumError } from '../errors/index.js'

/**
 * A store: byte keys and byte values. Typed as `level`'s database (whose writes take LevelDB's
 * `sync`), but any abstract-level 3 database serves (see {@link asStore}).
 */
export type Store = Level<Uint8Array, Uint8Array>

/**
 * An open abstract-level database (`memory-level`, `browser-level`) as a {@link Store}. They have
 * the same methods; the one option they lack, LevelDB's `sync`, they ignore: a memory store has
 * nothing to sync, and an IndexedDB transaction is durable once it completes.
 */
export function asStore (db: AbstractLevel<Uint8Array, Uint8Array, Uint8Array>): Store {
  return db as unknown as Store
}

/** The codes a store's owner raises for each failure (e.g. `LOG_LOCKED`, `LOG_CORRUPT`, `LOG_IO`). */
export interface StoreCodes {
  /** Another process (usually the daemon) holds the store. */
  locked: string
  /** The store is damaged (see module doc). */
  corrupt: string
  /** The store cannot be opened for another reason (missing and not to be created, permissions). */
  io: string
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  codes: StoreCodes
  /** What the store is, for messages ("the ledger", "the catalog"). */
  name: string
  /** Create the store if it does not exist (default true). */
  create?: boolean
}

/** LevelDB file names that show a directory holds (or held) a store. */
const STORE_FILE = /^(MANIFEST-\d+|\d+\.(ldb|sst|log))$/
/** Lines of the info log that LevelDB writes when it drops or cannot read data. */
const DAMAGE_LINE = /dropping \d+ bytes|corruption/i

/**
 * Opens the store at `path` (see module doc). Throws `codes.locked` if another process holds it,
 * `codes.corrupt` if it is damaged, `codes.io` otherwise.
 */
export async function openStore (path: string, options: OpenStoreOptions): Promise<Store> {
  const { codes, name } = options
  const files = await listDir(path)
  if (files !== undefined && !files.includes('CURRENT') && files.some(f => STORE_FILE.test(f))) {
    const tables = files.filter(f => /\.(ldb|sst)$/.test(f)).length
    throw new FulcrumError(codes.corrupt, `${name} at ${path} has lost its CURRENT file: LevelDB would start over and drop its ${tables} table file(s)`)
  }
  if (files === undefined && options.create === false) throw new FulcrumError(codes.io, `${name} at ${path} does not exist`)
  let db: Store
  try {
    db = asStore(await openLevel(path, options.create !== false))
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code
    if (code === 'LEVEL_LOCKED') throw new FulcrumError(codes.locked, `${path} is in use by another process (is the daemon running?)`, { cause: err })
    if (code === 'LEVEL_CORRUPTION') throw new FulcrumError(codes.corrupt, `${name} at ${path} is damaged: ${String((err as { cause?: Error }).cause?.message)}`, { cause: err })
    throw new FulcrumError(codes.io, `cannot open ${name} at ${path}`, { cause: err })
  }
  const damage = await repairsLogged(path)
  if (damage.length > 0) {
    await db.close()
    throw new FulcrumError(codes.corrupt, `${name} at ${path} was damaged: LevelDB dropped data while opening it (${damage.join('; ')})`)
  }
  return db
}

/** True if `err` is LevelDB reporting damaged data (a truncated or unreadable table file, a bad block). */
export function isCorruption (err: unknown): boolean {
  for (let e = err as { code?: unknown, cause?: unknown } | undefined; e !== undefined && e !== null; e = e.cause as typeof e) {
    if (e.code === 'LEVEL_CORRUPTION') return true
    if (e.cause === e) break
  }
  // A table file cut short can also surface as an I/O error reading it.
  return /corruption|truncated block|bad block|not an sstable|checksum mismatch|IO error: \S+\.(ldb|sst)\b/i.test(String((err as Error)?.message))
}

/** Lines of this open's info log (LevelDB rotates `LOG` on each open) that report dropped data. */
async function repairsLogged (path: string): Promise<string[]> {
  const text = await readStoreInfoLog(path)
  if (text === undefined) return []
  return text.split('\n').filter(l => DAMAGE_LINE.test(l)).map(l => l.replace(/^\S+ \S+ /, '').trim()).slice(0, 5)
}

/**
 * Reads what can still be read from a damaged store, for recovery: every entry of the key range
 * `[gte, lt)` up to the first unreadable block. Opens without damage checks and never creates;
 * returns nothing if LevelDB cannot open it at all (a lost CURRENT). Work on a copy: opening lets
 * LevelDB rewrite the store.
 */
export async function salvageStore (path: string, range: { gte: Uint8Array, lt: Uint8Array }, codes: StoreCodes): Promise<Array<[Uint8Array, Uint8Array]>> {
  let db: Store
  try {
    db = asStore(await openLevel(path, false))
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new FulcrumError(codes.locked, `${path} is in use by another process (is the daemon running?)`, { cause: err })
    return []
  }
  const out: Array<[Uint8Array, Uint8Array]> = []
  try {
    for await (const [k, v] of db.iterator(range)) out.push([k, v])
  } catch {
    // The rest of the range is unreadable: keep what came before.
  } finally {
    await db.close()
  }
  return out
}
export * from './file.js'
