/** Small helpers shared by the client and server sides of request/response (only raceSignal is exported by the module). */
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'

/** A plain Uint8Array view (libp2p may hand out Buffers, which compare and encode differently). */
export function plain (bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** AbortSignal.any over the signals given (undefined ones left out). */
export function anySignal (signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined))
}

/** True for the errors a read throws when the remote ended the stream. */
export function isEndOfStream (err: unknown): boolean {
  const name = (err as { name?: string }).name
  return name === 'UnexpectedEOFError' || name === 'StreamStateError'
}

/** Maps libp2p and abort errors to network error codes. */
export function toNetworkError (err: unknown, signal: AbortSignal, callerSignal?: AbortSignal): FulcrumError {
  if (err instanceof FulcrumError) return err
  const name = (err as { name?: string }).name ?? ''
  if (callerSignal?.aborted === true && (callerSignal.reason as { name?: string } | undefined)?.name !== 'TimeoutError') {
    return new FulcrumError(NetworkError.ABORTED, 'aborted', { cause: err })
  }
  if (signal.aborted || name === 'TimeoutError' || name === 'AbortError') {
    return new FulcrumError(NetworkError.TIMEOUT, 'timed out waiting for the peer', { cause: err })
  }
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new FulcrumError(NetworkError.MESSAGE_TOO_LARGE, (err as Error).message, { cause: err })
  }
  return new FulcrumError(NetworkError.STREAM_CLOSED, `stream failed: ${(err as Error).message}`, { cause: err })
}

/**
 * `promise`, or a rejection as soon as `signal` fires (with `NET_TIMEOUT` or `NET_ABORTED`); a late
 * result or error of `promise` is dropped.
 */
export async function raceSignal<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    throw toNetworkError(signal.reason, signal)
  }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(toNetworkError(signal.reason, signal)) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort as () => void)
    promise.catch(() => {})
  }
}
