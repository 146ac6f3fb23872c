/**
 * Polyfills needed on Node.js 20 (supported alongside 22 and 24).
 *
 * libp2p v3 calls `Promise.withResolvers` (Node >= 22). Import this module before any libp2p
 * import in every entry point: the daemon, the CLI, tests, scripts.
 */
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> () {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

export {}
