/**
 * The browser implementation of `#platform/storage` (see src/platform/index.ts): a store is an
 * IndexedDB database (`browser-level`) named by its location. A browser has no files: nothing
 * is ever found, and writing one is refused (the browser's stores keep no file beside them,
 * e.g. no ledger acknowledgement file).
 */
// abstract-level (under browser-level and memory-level) requires Node's `events` module; in a
// browser bundle the `events` package (a declared dependency) stands in for it. Imported first
// here so that the store's one Node-API dependency is explicit where the browser needs it.
import 'events'
import { BrowserLevel } from 'browser-level'
import type { AbstractLevel } from 'abstract-level'

/** Opens (creating if `create`) the IndexedDB database `location`, byte keys and values. */
export async function openLevel (location: string, create: boolean): Promise<AbstractLevel<Uint8Array, Uint8Array, Uint8Array>> {
  const db = new BrowserLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open({ createIfMissing: create })
  return db
}

/** A browser has no directories. */
export async function listDir (_path: string): Promise<string[] | undefined> {
  return undefined
}

/** A browser has no files. */
export async function readTextFile (_path: string): Promise<string | undefined> {
  return undefined
}

/** IndexedDB keeps no info log. */
export async function readStoreInfoLog (_location: string): Promise<string | undefined> {
  return undefined
}

/** A browser has no files. */
export async function pathExists (_path: string): Promise<boolean> {
  return false
}

/** Refused: a browser has no files (callers keep such state in a store instead). */
export async function writeFileDurably (path: string, _text: string, _mode?: number): Promise<void> {
  throw new Error(`cannot write ${path}: a browser has no files`)
}
