import type { Clock } from './clock'

/** When the widget's token runs out and when to replace it, on the local clock (epoch ms). */
export interface Plan {
  expiresAt: number
  refreshAt: number
}

export interface RetryPolicy {
  /** First backoff step. */
  baseMs: number
  /** Largest backoff step. */
  maxMs: number
}

/** setTimeout stores delays in 32 bits: anything longer fires at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1
/** However short the token, refreshes stay at least this far apart. */
export const MIN_REFRESH_DELAY_MS = 1000
/** The last try before expiry is planned at least this long before it, so the answer can arrive. */
export const LAST_TRY_MARGIN_MS = 5000

/**
 * Plans the next refresh from the token's lifetime, counted from when it was requested on the local
 * clock, so a device clock that is minutes off plans as well as a correct one.
 */
export function planRefresh(sentAt: number, lifetimeMs: number, leewayMs: number, now: number): Plan {
  const expiresAt = sentAt + lifetimeMs
  const refreshAt = Math.max(expiresAt - Math.min(leewayMs, lifetimeMs / 2), now + MIN_REFRESH_DELAY_MS)
  return { expiresAt, refreshAt }
}

/** Full-jitter exponential backoff: a random wait up to `baseMs · 2^(attempt−1)`, capped at `maxMs`. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  return random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1))
}

export interface RetryContext {
  attempt: number
  policy: RetryPolicy
  random: () => number
  now: number
  /** When the widget's current token runs out, if it has one. */
  expiresAt: number | undefined
  /** What the server asked for (`Retry-After`). */
  retryAfterMs: number | undefined
}

/** How long to wait before the next try: the server's word first, else backoff pulled in so one try lands before expiry. */
export function retryDelay({ attempt, policy, random, now, expiresAt, retryAfterMs }: RetryContext): number {
  if (retryAfterMs !== undefined) return retryAfterMs + random() * policy.baseMs
  const delay = backoffDelay(attempt, policy, random)
  if (expiresAt === undefined) return delay
  const lastTryAt = expiresAt - LAST_TRY_MARGIN_MS
  return now < lastTryAt && now + delay > lastTryAt ? lastTryAt - now : delay
}

/** One re-armable timer aimed at a wall-clock time. */
export interface Timer {
  /** Calls back once the wall clock reaches `time`, with how late that is. Replaces any earlier aim. */
  at(time: number, callback: (lateByMs: number) => void): void
  cancel(): void
}

export function createTimer(clock: Clock): Timer {
  let handle: unknown
  const cancel = () => {
    if (handle !== undefined) clock.clearTimeout(handle)
    handle = undefined
  }
  return {
    cancel,
    at(time, callback) {
      cancel()
      // The wall clock is read again on every wake-up: timers stall in frozen tabs and across sleep,
      // and long delays have to be chained.
      const wake = () => {
        const remainingMs = time - clock.now()
        if (remainingMs > 0) {
          handle = clock.setTimeout(wake, Math.min(remainingMs, MAX_TIMER_DELAY_MS))
          return
        }
        handle = undefined
        callback(clock.now() - time)
      }
      handle = clock.setTimeout(wake, Math.min(Math.max(0, time - clock.now()), MAX_TIMER_DELAY_MS))
    },
  }
}
