/**
 * The Node implementation of `#platform/storage` (see src/platform/index.ts): LevelDB through
 * `level` (classic-level) in a directory, and the small files kept beside stores. Raw errors are
 * passed on: `storage/` gives them the store owner's codes.
 */
import { open, readdir, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import type { AbstractLevel } from 'abstract-level'

/** Opens (creating if `create`) the LevelDB store in directory `location`, byte keys and values. */
export async function openLevel (location: string, create: boolean): Promise<AbstractLevel<Uint8Array, Uint8Array, Uint8Array>> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open({ createIfMissing: create })
  // level's typings redeclare batch() (sync option), which TypeScript does not see as the abstract one
  return db as unknown as AbstractLevel<Uint8Array, Uint8Array, Uint8Array>
}

/** The names in directory `path`, or undefined if it is not a readable directory. */
export async function listDir (path: string): Promise<string[] | undefined> {
  try {
    if (!(await stat(path)).isDirectory()) return undefined
    return await readdir(path)
  } catch {
    return undefined
  }
}

/** The text of the file at `path`, or undefined if there is none (other errors are thrown). */
export async function readTextFile (path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** LevelDB's info log of the store at `location` (rotated on each open), if readable. */
export async function readStoreInfoLog (location: string): Promise<string | undefined> {
  return await readFile(join(location, 'LOG'), 'utf8').catch(() => undefined)
}

/** True if `path` exists. */
export async function pathExists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

/**
 * Replaces the file at `path` with `text` atomically and durably: a crash leaves either the old
 * file or the new one, never a torn one, and the new one is on disk when this resolves.
 */
export async function writeFileDurably (path: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w', mode)
  try {
    await fh.writeFile(text)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
}
