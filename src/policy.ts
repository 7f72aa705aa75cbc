import type { ErrorCode, WidgetTokenError } from './errors'

export interface RetryPolicy {
  /** First backoff step. */
  baseMs: number
  /** Largest backoff step. */
  maxMs: number
}

/** The longest `Retry-After` obeyed. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000
/** The last try before expiry is planned at least this long before it, so the answer can arrive. */
export const LAST_TRY_MARGIN_MS = 5000
/**
 * A widget that drops its session this soon after a token reached it turned that token down; a later
 * drop is an ordinary loss (a network blip, a server restart) and is answered at once.
 */
export const REJECTION_WINDOW_MS = 10_000

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

export const isInvalidAnswer = (error: WidgetTokenError) => INVALID_ANSWERS.includes(error.code)

/** Full-jitter exponential backoff: a random wait up to `baseMs · 2^(attempt−1)`, capped at `maxMs`. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  return random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1))
}

/** The bookkeeping of one session's recovery: what has gone wrong in a row, and what that means next. */
export interface Recovery {
  /** A try failed: the delay before the next, or `undefined` to end. */
  failed(error: WidgetTokenError, now: number, expiresAt: number | undefined): number | undefined
  /**
   * The widget dropped its token (`refused`: turned down one it asked for; `ranOut`: the token's
   * lifetime is over, so the drop was its expiry): 0 to answer at once, or the backoff before the next
   * token when the widget is rejecting tokens.
   */
  dropped(now: number, refused: boolean, ranOut: boolean): number
  /** A token reached the widget: everything that went wrong before is over. */
  delivered(now: number): void
  /** The network came back: whether that cuts the backoff under way short. Once per run of failures. */
  online(): boolean
}

/**
 * One drop per token is answered at once when the widget held that token for a while or the token
 * ran out; a drop of a valid token right after it came, a second drop before the next token, or a
 * refusal is a rejection, and rejections in a row back off like failures do.
 */
export function createRecovery(policy: RetryPolicy, random: () => number): Recovery {
  let failures = 0
  let invalidInARow = 0
  let rejections = 0
  let deliveredAt = -Infinity
  let dropAnswered = false
  let onlineUsed = false
  return {
    failed(error, now, expiresAt) {
      failures++
      const invalid = isInvalidAnswer(error)
      invalidInARow = invalid ? invalidInARow + 1 : 0
      // An unusable answer may be a fluke once; twice in a row it is the backend's setup.
      if (invalid ? invalidInARow > 1 : !error.retryable) return undefined
      // The server's word first, capped: a server asking for hours must not park the widget that long.
      if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS) + random() * policy.baseMs
      const delayMs = backoffDelay(failures, policy, random)
      // Pulled in so that one try lands before the token runs out (no expiry yet: NaN compares false).
      const lastTryAt = expiresAt! - LAST_TRY_MARGIN_MS
      return now < lastTryAt && now + delayMs > lastTryAt ? lastTryAt - now : delayMs
    },
    dropped(now, refused, ranOut) {
      if (!refused && !dropAnswered && (ranOut || now - deliveredAt >= REJECTION_WINDOW_MS)) {
        dropAnswered = true
        rejections = 0
        return 0
      }
      rejections++
      return Math.max(policy.baseMs, backoffDelay(rejections, policy, random))
    },
    delivered(now) {
      deliveredAt = now
      failures = invalidInARow = 0
      dropAnswered = onlineUsed = false
    },
    online() {
      const cut = !onlineUsed
      onlineUsed = true
      return cut
    },
  }
}
