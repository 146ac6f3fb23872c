/**
 * Waiting in tests without sleeping: for a condition (state that events bring about), for events,
 * and a clock that tests move by hand. No test waits a fixed time and then asserts.
 */

/**
 * The failure bound of every wait: far beyond what any wait here takes, even on a machine whose
 * cores are busy with other work; it only turns a hang into a failure that names what was awaited.
 */
export const WAIT_BOUND_MS = 180_000
/** How often a condition is re-checked. */
const RECHECK_MS = 20

/** Resolves once `check()` holds; rejects naming `what` if it still does not after `boundMs`. */
export async function until (check: () => boolean | Promise<boolean>, what: string, boundMs = WAIT_BOUND_MS): Promise<void> {
  const deadline = Date.now() + boundMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${boundMs} ms`)
    await new Promise(resolve => setTimeout(resolve, RECHECK_MS))
  }
}

/** Resolves once `target` has dispatched `type` `count` times from now (bounded like {@link until}). */
export async function events (target: EventTarget, type: string, count: number, boundMs = WAIT_BOUND_MS): Promise<void> {
  let seen = 0
  const listener = (): void => { seen++ }
  target.addEventListener(type, listener)
  try {
    await until(() => seen >= count, `${count} '${type}' event(s)`, boundMs)
  } finally {
    target.removeEventListener(type, listener)
  }
}

/** A clock that follows real time plus an offset that the test moves forward. */
export interface TestClock {
  now: () => number
  /** Moves the clock `ms` forward. */
  advance: (ms: number) => void
}

/** A {@link TestClock} that starts at the real time. */
export function offsetClock (): TestClock {
  let offset = 0
  return { now: () => Date.now() + offset, advance: (ms) => { offset += ms } }
}

/** A clock that stands still (at the real time when made) unless moved: no token bucket refills by itself. */
export function frozenClock (): TestClock {
  let t = Date.now()
  return { now: () => t, advance: (ms) => { t += ms } }
}
