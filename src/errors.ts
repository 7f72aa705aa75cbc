/** Every way getting a token to the widget can fail. Stable once released. */
export type ErrorCode =
  | 'network'
  | 'timeout'
  | 'http'
  | 'rate_limited'
  | 'unauthorized'
  | 'bad_response'
  | 'malformed_token'
  | 'missing_exp'
  | 'invalid_lifetime'
  | 'expired_token'
  | 'audience_mismatch'
  | 'token_too_large'
  | 'widget_unavailable'
  | 'widget_rejected'
  | 'insecure_endpoint'

export interface WidgetTokenErrorOptions {
  /** Whether another try may succeed. */
  retryable?: boolean | undefined
  /** The HTTP status, for failures that had one. */
  status?: number | undefined
  /** What the server asked for in `Retry-After`, in milliseconds. */
  retryAfterMs?: number | undefined
  cause?: unknown
}

/**
 * The one error type the SDK reports, in `error` events and rejected promises.
 *
 * @example
 * manager.on('error', (error) => {
 *   if (error.code === 'network') showOfflineBanner(error.retryInMs)
 * })
 */
export class WidgetTokenError extends Error {
  override readonly name = 'WidgetTokenError'
  readonly code: ErrorCode
  /** Whether the SDK keeps trying on its own after this failure. */
  retryable: boolean
  /** The HTTP status, for failures that had one. */
  declare readonly status?: number
  /** What the server asked for in `Retry-After`, in milliseconds. */
  declare readonly retryAfterMs?: number
  /** When the SDK tries again, in milliseconds from the event; set on retryable errors. */
  declare retryInMs?: number

  /** `detail` adds what the code alone does not say (a status, a size, an audience). */
  constructor(code: ErrorCode, detail = '', { cause, retryable = false, ...fields }: WidgetTokenErrorOptions = {}) {
    super(`widget-token: ${code}${detail && ': ' + detail}`, cause === undefined ? undefined : { cause })
    this.code = code
    this.retryable = retryable
    Object.assign(this, fields)
  }
}

/** Wraps anything thrown where a token was expected; unexpected failures count as network errors. */
export function asWidgetTokenError(error: unknown): WidgetTokenError {
  return isWidgetTokenError(error) ? error : new WidgetTokenError('network', '', { retryable: true, cause: error })
}

/** True for a {@link WidgetTokenError}, also one from another realm (iframe, second copy of the SDK). */
export function isWidgetTokenError(value: unknown): value is WidgetTokenError {
  return (value as WidgetTokenError | undefined)?.name === 'WidgetTokenError'
}
