/** Every way getting a token to the widget can fail. Stable once released. */
export type ErrorCode =
  | 'network'
  | 'timeout'
  | 'http'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
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
  /** Whether another try may succeed. Default: what the Errors table says for the code. */
  retryable?: boolean | undefined
  /** The HTTP status, for failures that had one. */
  status?: number | undefined
  /** What the server asked for in `Retry-After`, in milliseconds. */
  retryAfterMs?: number | undefined
  /** The `code` of the server's JSON error answer, e.g. `foreign_origin` from `widget-token-server`. */
  serverCode?: string | undefined
  cause?: unknown
}

/** The codes a retry can fix; a custom `fetchToken` throwing one of them is retried. */
const RETRYABLE_CODES: readonly ErrorCode[] = ['network', 'timeout', 'http', 'rate_limited', 'bad_response', 'widget_rejected']

/**
 * The one error type the SDK reports, in `error` events and rejected promises. Its message and
 * cause never carry a token: anything shaped like one is cut out.
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
  /** The `code` of the server's JSON error answer, e.g. `foreign_origin` from `widget-token-server`. */
  declare readonly serverCode?: string
  /** When the SDK tries again, in milliseconds from the event; set on errors it retries. */
  declare retryInMs?: number

  /** `detail` adds what the code alone does not say (a status, a size, an audience). */
  constructor(code: ErrorCode, detail = '', { cause, retryable = RETRYABLE_CODES.includes(code), ...fields }: WidgetTokenErrorOptions = {}) {
    super(`widget-token: ${code}${detail && ': ' + redactTokens(detail)}`, cause === undefined ? undefined : { cause: safeCause(cause) })
    this.code = code
    this.retryable = retryable
    Object.assign(this, fields)
  }
}

/** Wraps anything thrown where a token was expected; unexpected failures count as network errors. */
export function asWidgetTokenError(error: unknown): WidgetTokenError {
  return isWidgetTokenError(error) ? error : new WidgetTokenError('network', '', { cause: error })
}

/** True for a {@link WidgetTokenError}, also one from another realm (iframe, second copy of the SDK). */
export function isWidgetTokenError(value: unknown): value is WidgetTokenError {
  return (value as WidgetTokenError | undefined)?.name === 'WidgetTokenError'
}

// A JWT starts with base64url JSON (`eyJ`) and runs on through its dots; a signature alone is a
// long base64url run. Widgets quote their config in errors, so both shapes are cut from what
// reaches the page.
const TOKEN_LIKE = /eyJ[\w-]*(\.[\w-]*){0,2}|[\w-]{40,}/g

export const redactTokens = (text: string) => text.replace(TOKEN_LIKE, '[redacted]')

/**
 * A copy of the cause that keeps its name and redacted message and nothing else: a widget's error
 * may hold the config it was given, token included, in any property.
 */
function safeCause(cause: unknown): Error {
  const { name = 'Error', message = cause } = Object(cause) as { name?: string; message?: unknown }
  return Object.assign(new Error(redactTokens(String(message))), { name })
}
