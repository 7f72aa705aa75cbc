/** Why the token service declined a request. Stable once released. */
export type RefusalCode =
  | 'not_found'
  | 'method_not_allowed'
  | 'foreign_origin'
  | 'body_too_large'
  | 'body_timeout'
  | 'body_incomplete'
  | 'unauthenticated'
  | 'rate_limited'
  | 'clock_drift'
  | 'clock_unverified'
  | 'store_unavailable'
  | 'keys_unavailable'
  | 'bad_request'
  | 'token_too_large'
  | 'internal'

export interface RefusalOptions {
  /** Sent as `Retry-After`: the browser SDK waits this long before it asks again. */
  retryAfterSeconds?: number | undefined
  headers?: Record<string, string> | undefined
  /** For the operator's log and `onEvent`, never sent to the browser: what was expected, what came. */
  context?: Record<string, unknown> | undefined
}

/**
 * A request the token service declined, with the HTTP status the browser SDK acts on: 401/403 end
 * the session, 429/503 are retried after `Retry-After`, 422 (`token_too_large`) ends.
 * `issue()` rejects with one; `fetch()` answers it as JSON `{ code, message }`.
 */
export class TokenRefusal extends Error {
  override readonly name = 'TokenRefusal'
  readonly code: RefusalCode
  readonly status: number
  /** The message without the `widget-token-server: code:` prefix: what the browser is told. */
  readonly detail: string
  readonly retryAfterSeconds: number | undefined
  readonly headers: Record<string, string>
  readonly context: Record<string, unknown> | undefined

  constructor(code: RefusalCode, status: number, detail: string, { retryAfterSeconds, headers = {}, context }: RefusalOptions = {}) {
    super(`widget-token-server: ${code}: ${detail}`)
    this.code = code
    this.status = status
    this.detail = detail
    this.retryAfterSeconds = retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(retryAfterSeconds))
    this.headers = headers
    this.context = context
  }

  /** The answer a browser gets. */
  toResponse(): Response {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...this.headers }
    if (this.retryAfterSeconds !== undefined) headers['Retry-After'] = String(this.retryAfterSeconds)
    return Response.json({ code: this.code, message: this.detail }, { status: this.status, headers })
  }
}

/** Recognises a {@link TokenRefusal}, also one from another copy of the package. */
export const isTokenRefusal = (value: unknown): value is TokenRefusal =>
  value instanceof Error && value.name === 'TokenRefusal' && typeof (value as Partial<TokenRefusal>).status === 'number'
