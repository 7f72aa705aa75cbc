/** Time as the SDK sees it. Injected so that tests and unusual hosts control it. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds: what the page is told. */
  now(): number
  /**
   * Time that only moves forward, in milliseconds from any origin (`performance.now()`). Plans are
   * made on it so that a wall clock set back or forward does not move a refresh. Default: `now`.
   */
  monotonic?(): number
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

// Globals are read at call time, not captured at import, so fake timers installed later still apply.
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => globalThis.performance?.now() ?? Date.now(),
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** The session's own time line: milliseconds since it began, never running backwards. */
export interface Timeline {
  now(): number
  /** A time on the line, as epoch milliseconds on the wall clock. */
  toEpoch(time: number): number
}

/**
 * Counts elapsed time as the larger of what the monotonic and the wall clock saw. Some monotonic
 * clocks stop while the device sleeps, and the wall clock can be set back or forward: taking the
 * larger step never plans a refresh late, and a clock set forward costs at most one early refresh.
 */
export function createTimeline(clock: Clock): Timeline {
  const monotonic = () => clock.monotonic?.() ?? clock.now()
  let lastWall = clock.now()
  let lastMonotonic = monotonic()
  let elapsed = 0
  const now = () => {
    const wall = clock.now()
    const steady = monotonic()
    elapsed += Math.max(0, wall - lastWall, steady - lastMonotonic)
    lastWall = wall
    lastMonotonic = steady
    return elapsed
  }
  return { now, toEpoch: (time) => time - now() + clock.now() }
}

/**
 * Calls `fire` once, after `delayMs` or as soon as `signal` aborts (at once if it has); the function
 * returned cancels it.
 * Without a clock it reads the global timers at call time, so fake timers installed later still apply.
 */
export function afterOrAbort(signal: AbortSignal, delayMs: number, fire: () => void, clock: Pick<Clock, 'setTimeout' | 'clearTimeout'> = globalThis): () => void {
  const cancel = () => {
    clock.clearTimeout(timer)
    signal.removeEventListener('abort', done)
  }
  const done = () => {
    cancel()
    fire()
  }
  // A signal aborted already fires no event: the timer stands in for it, at once.
  const timer = clock.setTimeout(done, signal.aborted ? 0 : delayMs)
  signal.addEventListener('abort', done)
  return cancel
}

export interface DeadlineOptions {
  timeoutMs: number
  clock: Clock
  /** Aborts the task from outside (the session's end); the promise then rejects with its reason. */
  signal: AbortSignal
  /** What the promise rejects with when the time is up. */
  onTimeout: () => unknown
}

/**
 * Runs `task` until it settles, the time is up or `signal` aborts, whichever comes first, and leaves
 * no timer or listener behind. A task that ignores its own signal, never settles or throws at once
 * is cut off all the same.
 */
export function withinDeadline<T>(task: (signal: AbortSignal) => T | Promise<T>, { timeoutMs, clock, signal, onTimeout }: DeadlineOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const controller = new AbortController()
    const cutOff = (reason: unknown) => {
      controller.abort(reason)
      reject(reason)
    }
    const cancel = afterOrAbort(signal, timeoutMs, () => cutOff(signal.aborted ? signal.reason : onTimeout()), clock)
    new Promise<T>((run) => run(task(controller.signal))).then(
      (value) => (cancel(), resolve(value)),
      (error: unknown) => (cancel(), reject(error)),
    )
  })
}
