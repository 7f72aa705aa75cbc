/** Time as the SDK sees it. Injected so that tests and unusual hosts control it. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds. */
  now(): number
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

// Globals are read at call time, not captured at import, so fake timers installed later still apply.
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
}
