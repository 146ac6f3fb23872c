/**
 * The work a verification pool does, as pure per-item functions: one Ed25519 signature, one offer
 * record (decode, validate, signature, time), one ledger leaf to append (decode, every party's
 * signature), a run of an audited bundle's leaves (base64, entry checks, hashes). A pool runs them in the calling thread or on worker threads; the results are the same.
 * Items and results are plain data (structured-clone safe), so they can cross a thread boundary.
 */
import { isFulcrumError } from '../errors/index.js'
import { verify } from '../identity/index.js'
import { verifyRecordBytes } from '../offers/index.js'
import type { OfferRecord } from '../offers/index.js'
import { verifyLeaf } from '../ledger/index.js'
import type { Entry } from '../ledger/index.js'
import { checkLeafTexts } from '../audit/entries.js'
import type { LeafTextsResult } from '../audit/entries.js'
import type { Finding } from '../audit/errors.js'

/** One signature to check: `verify(publicKey, message, signature)`. */
export interface SignatureItem {
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

/** One offer record's wire bytes, checked at time `now`. */
export interface RecordItem {
  bytes: Uint8Array
  now: number
}

/**
 * The outcome of one record checked by `verifiedRecord`: the decoded record and its digest, so that
 * the calling thread does not decode it again (a structured clone costs a fifth of a decode), or why
 * it failed.
 */
export type CheckedRecord = { record: OfferRecord, digest: Uint8Array } | { error: ItemError }

/** The outcome of one leaf checked by `leaf`: the decoded entry, or why it failed. */
export type CheckedLeaf = { entry: Entry } | { error: ItemError }

/** A failure reported across threads: a FulcrumError's code, message (without path) and path. */
export interface ItemError {
  code: string
  message: string
  path?: string
}

/** A run of a bundle's leaves as exported (base64 text) at indexes `offset`..., in a log owned by `owner`. */
export interface LeafTextsItem {
  texts: unknown[]
  offset: number
  owner: string | undefined
}

/** Every task: its item and result types. */
export interface Tasks {
  signature: { item: SignatureItem, result: boolean }
  record: { item: RecordItem, result: ItemError | null }
  /** The same checks as `record`, returning the decoded record. */
  verifiedRecord: { item: RecordItem, result: CheckedRecord }
  /**
   * A leaf to append: decoded and every party's signature checked (`LEDGER_*` errors). Returns the
   * decoded entry, so that the calling thread does not decode the leaf again.
   */
  leaf: { item: Uint8Array, result: CheckedLeaf }
  /** Many leaves per item (an audit): decoded from base64, checked and hashed (`checkLeafTexts`). */
  leafTexts: { item: LeafTextsItem, result: LeafTextsResult }
}
export type TaskName = keyof Tasks
export type ItemOf<K extends TaskName> = Tasks[K]['item']
export type ResultOf<K extends TaskName> = Tasks[K]['result']

/** Strips the `path: ` prefix that FulcrumError adds to its message. */
function itemError (err: { code: string, message: string, path?: string | undefined }): ItemError {
  if (err.path === undefined) return { code: err.code, message: err.message }
  const prefix = `${err.path}: `
  return { code: err.code, message: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message, path: err.path }
}

/** The task functions. Anything but a FulcrumError from the checks is a bug and is thrown. */
export const TASKS: { [K in TaskName]: (item: ItemOf<K>) => ResultOf<K> } = {
  signature: (item) => verify(item.publicKey, item.message, item.signature),
  record: (item) => {
    try {
      verifyRecordBytes(item.bytes, item.now)
      return null
    } catch (err) {
      if (isFulcrumError(err)) return itemError(err)
      throw err
    }
  },
  verifiedRecord: (item) => {
    try {
      const { record, digest } = verifyRecordBytes(item.bytes, item.now)
      return { record, digest }
    } catch (err) {
      if (isFulcrumError(err)) return { error: itemError(err) }
      throw err
    }
  },
  leaf: (item) => {
    try {
      return { entry: verifyLeaf(item) }
    } catch (err) {
      if (isFulcrumError(err)) return { error: itemError(err) }
      throw err
    }
  },
  leafTexts: (item) => checkLeafTexts(item.texts, item.offset, item.owner)
}

/** Runs a task over a batch of items in this thread. */
export function runTask<K extends TaskName> (task: K, items: ReadonlyArray<ItemOf<K>>): Array<ResultOf<K>> {
  const fn = TASKS[task] as (item: ItemOf<K>) => ResultOf<K>
  return items.map(fn)
}
