/** Worker thread of {@link parallelEntriesChecker}: checks one chunk of leaves and posts the result. */
import { parentPort, workerData } from 'node:worker_threads'
import { auditEntries } from './entries.js'

const { leaves, offset, owner } = workerData as { leaves: Uint8Array[], offset: number, owner: string | undefined }
parentPort?.postMessage(auditEntries(leaves, offset, owner))
