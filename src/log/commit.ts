/**
 * Group commit: appends queue up while a batch is being written and go together into the next
 * one, so that many appends share one synced write. Each append's promise settles only after
 * the batch that holds it is durable (or failed).
 */
import type { AppendResult } from './store.js'

/** Most appends in one batch: bounds batch memory and the latency of the appends in it. */
export const MAX_BATCH_APPENDS = 4096

/** One queued append, filled in by the writer. */
export interface PendingAppend {
  leaf: Uint8Array
  ids: string[]
  hash: Uint8Array
  index: number
  existing: boolean
  /** Set if the same leaf is earlier in the same batch: this one gets that one's index. */
  twin?: PendingAppend
  /** Set if this append is refused (the others in the batch still go ahead). */
  error?: Error
  resolve: (r: AppendResult) => void
  reject: (err: unknown) => void
}

/** Serialises batches through `write`, collecting appends that arrive meanwhile. */
export class GroupCommit {
  private queue: PendingAppend[] = []
  private running: Promise<void> | undefined

  constructor (private readonly write: (batch: PendingAppend[]) => Promise<void>) {}

  /** Queues an append; resolves when it is durable. */
  async add (leaf: Uint8Array, ids: string[]): Promise<AppendResult> {
    const promise = new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ leaf, ids, hash: new Uint8Array(), index: -1, existing: false, resolve, reject })
    })
    this.running ??= this.run()
    return await promise
  }

  /** Resolves when every queued append has been written. */
  async drain (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async run (): Promise<void> {
    // Let appends made in the same tick join the first batch.
    await Promise.resolve()
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH_APPENDS)
        try {
          await this.write(batch)
          settle(batch)
        } catch (err) {
          for (const p of batch) p.reject(err)
        }
      }
    } finally {
      this.running = undefined
    }
  }
}

function settle (batch: PendingAppend[]): void {
  for (const p of batch) {
    if (p.error !== undefined) { p.reject(p.error); continue }
    const src = p.twin ?? p
    p.resolve({ index: src.index, leafHash: src.hash, existing: p.existing || p.twin !== undefined })
  }
}
