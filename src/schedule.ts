import type { Clock, Timeline } from './clock'

/** When the widget's token runs out and when to replace it, on the session's time line. */
export interface Plan {
  expiresAt: number
  refreshAt: number
}

/** setTimeout stores delays in 32 bits: anything longer fires at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1
/** However short the token, refreshes stay at least this far apart. */
export const MIN_REFRESH_DELAY_MS = 1000

/**
 * Plans the next refresh from the token's lifetime, counted from when it was requested, so a device
 * clock that is minutes off plans as well as a correct one.
 */
export function planRefresh(sentAt: number, lifetimeMs: number, leewayMs: number, now: number): Plan {
  const expiresAt = sentAt + lifetimeMs
  const refreshAt = Math.max(expiresAt - Math.min(leewayMs, lifetimeMs / 2), now + MIN_REFRESH_DELAY_MS)
  return { expiresAt, refreshAt }
}

/** One re-armable timer aimed at a time on the session's time line. */
export interface Timer {
  /** Calls back once the time line reaches `time`, with how late that is. Replaces any earlier aim. */
  at(time: number, callback: (lateByMs: number) => void): void
  cancel(): void
}

export function createTimer(clock: Clock, timeline: Timeline): Timer {
  let handle: unknown
  const cancel = () => {
    if (handle !== undefined) clock.clearTimeout(handle)
    handle = undefined
  }
  const arm = (time: number, callback: (lateByMs: number) => void) => {
    // Time is read again on every wake-up: timers stall in frozen tabs and across sleep, and long
    // delays have to be chained.
    const lateByMs = timeline.now() - time
    if (lateByMs >= 0) {
      handle = undefined
      return callback(lateByMs)
    }
    handle = clock.setTimeout(() => arm(time, callback), Math.min(Math.ceil(-lateByMs), MAX_TIMER_DELAY_MS))
  }
  return {
    cancel,
    at(time, callback) {
      cancel()
      // Rounded up: the time line reads a finer clock than timers keep, and a timer a fraction early costs a second wake-up.
      handle = clock.setTimeout(() => arm(time, callback), Math.min(Math.max(0, Math.ceil(time - timeline.now())), MAX_TIMER_DELAY_MS))
    },
  }
}
