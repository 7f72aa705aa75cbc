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
  let deliveredAt: number | undefined
  let dropAnswered = false
  let onlineUsed = false
  return {
    failed(error, now, expiresAt) {
      failures++
      invalidInARow = isInvalidAnswer(error) ? invalidInARow + 1 : 0
      return retryInMs(error, { failures, invalidInARow, policy, random, now, expiresAt })
    },
    dropped(now, refused, ranOut) {
      const heldAWhile = deliveredAt === undefined || now - deliveredAt >= REJECTION_WINDOW_MS
      if (!refused && !dropAnswered && (heldAWhile || ranOut)) {
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
