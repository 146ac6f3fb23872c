/**
 * The one retry helper of the node (bootstrap dials, DHT provides, any later protocol): exponential
 * backoff with jitter on top of `p-retry`, stopped by an AbortSignal (a service's `stop()` aborts
 * its controller, and no attempt starts after that).
 */
import pRetry from 'p-retry'

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Stops retrying: the pending wait ends at once and `retry` rejects with the signal's reason. */
  signal: AbortSignal
  /** Wait before the first retry; doubled per failure (randomised between 1x and 2x to spread a crowd). */
  firstDelayMs: number
  /** Longest wait between two attempts. */
  maxDelayMs: number
  /** Retries after the first attempt (default: unbounded, until it succeeds or the signal fires). */
  retries?: number
  /** Called after each failed attempt that will be retried (for logs). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void
}

/**
 * Calls `attempt` until it resolves, waiting between failures as `options` says. The signal is
 * passed to each attempt so that one in flight can be cancelled too. Rejects with the last error
 * when the retries are used up, with the signal's reason once it fires, and at once on a
 * `TypeError` (a programming error, as p-retry decides).
 */
export async function retry<T> (attempt: (signal: AbortSignal, attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal } = options
  signal.throwIfAborted()
  return await pRetry(async (n) => {
    signal.throwIfAborted()
    return await attempt(signal, n)
  }, {
    signal,
    retries: options.retries ?? Infinity,
    minTimeout: options.firstDelayMs,
    maxTimeout: options.maxDelayMs,
    factor: 2,
    randomize: true,
    unref: true,
    onFailedAttempt: ({ error, attemptNumber, retryDelay }) => {
      if (!signal.aborted && retryDelay > 0) options.onRetry?.(error, attemptNumber, retryDelay)
    }
  })
}
