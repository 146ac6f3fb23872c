/** Integrity checks of the log's store on open and on reads (see `storage/` for what LevelDB hides). */
import { FulcrumError, isFulcrumError } from '../errors/index.js'
import { isCorruption, pathExists } from '../storage/index.js'
import type { Store } from '../storage/index.js'
import { Bucket } from './keys.js'
import { LogError } from './errors.js'

/**
 * Reads every key of the store (so every block of every table file: a damaged or cut table shows
 * here, at open, not on some later read) and checks that it holds `size` leaves.
 */
export async function checkLeafCount (db: Store, size: number): Promise<void> {
  let leaves = 0
  for await (const key of db.keys()) if (key[0] === Bucket.LEAF) leaves++
  if (leaves !== size) throw new FulcrumError(LogError.CORRUPT, `the ledger store holds ${leaves} leaves but records a size of ${size}`)
}

/** LevelDB reporting damaged data becomes LOG_CORRUPT; anything else is passed on. */
export function corruptIfDamaged (err: unknown): unknown {
  if (isFulcrumError(err) || !isCorruption(err)) return err
  return new FulcrumError(LogError.CORRUPT, `the ledger store is damaged: ${(err as Error).message}`, { cause: err })
}

/** True if `path` exists. */
export async function exists (path: string): Promise<boolean> {
  return await pathExists(path)
}

