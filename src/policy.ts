import type { ErrorCode, WidgetTokenError } from './errors'

export interface RetryPolicy {
  /** First backoff step. */
  baseMs: number
  /** Largest backoff step. */
  maxMs: number
}

/** The longest `Retry-After` obeyed: a server asking for hours must not park the widget that long. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000
/** The last try before expiry is planned at least this long before it, so the answer can arrive. */
export const LAST_TRY_MARGIN_MS = 5000

/** Codes that say the backend answered with something unusable: once may be a fluke, twice is its setup. */
const INVALID_ANSWERS: readonly ErrorCode[] = [
  'bad_response',
  'malformed_token',
  'missing_exp',
  'invalid_lifetime',
  'expired_token',
  'audience_mismatch',
  'token_too_large',
]

export interface FailureContext {
  /** Failed tries in a row, this one included. */
  failures: number
  /** Unusable answers in a row, this one included. */
  invalidInARow: number
  /** Now and the current token's expiry, on the session's time line; no expiry before the first token. */
  now: number
  expiresAt: number | undefined
  policy: RetryPolicy
  random: () => number
}

export const isInvalidAnswer = (error: WidgetTokenError) => INVALID_ANSWERS.includes(error.code)

/**
 * What a failure does next: the delay before the next try, or `undefined` to end the session.
 * Pure, so every rule of recovery is testable on its own.
 */
export function retryInMs(error: WidgetTokenError, context: FailureContext): number | undefined {
  const retry = isInvalidAnswer(error) ? context.invalidInARow < 2 : error.retryable
  return retry ? retryDelay(context, error.retryAfterMs) : undefined
}

/** Full-jitter exponential backoff: a random wait up to `baseMs · 2^(attempt−1)`, capped at `maxMs`. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  return random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1))
}

/** The server's word first (capped), else backoff pulled in so that one try lands before expiry. */
function retryDelay({ failures, policy, random, now, expiresAt }: FailureContext, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) + random() * policy.baseMs
  const delay = backoffDelay(failures, policy, random)
  if (expiresAt === undefined) return delay
  const lastTryAt = expiresAt - LAST_TRY_MARGIN_MS
  return now < lastTryAt && now + delay > lastTryAt ? lastTryAt - now : delay
}
