import { withinDeadline, type DeadlineOptions } from './clock'
import { WidgetTokenError, type ErrorCode } from './errors'

/** Why the SDK is asking for a token. */
export type Reason =
  | 'start'
  | 'schedule'
  | 'visible'
  | 'resume'
  | 'online'
  | 'disconnect'
  | 'expired'
  | 'refused'
  | 'manual'
  | 'retry'
  | 'tab'

export interface TokenRequest {
  reason: Reason
  /** False for the session's first token, true once the widget holds one. */
  refresh: boolean
  /** Aborted on timeout and on `stop()`. */
  signal: AbortSignal
}

export interface TokenResponse {
  /** The JWT. */
  token: string
  /**
   * Seconds the token lives from now, as the server counts. Anything but a finite number is ignored
   * with an `expires_in_ignored` warning; without it the token's own `exp − iat` counts.
   */
  expiresIn?: number | undefined
  /** Set on a token another tab obtained. */
  shared?: boolean | undefined
}

/** Gets a token from wherever the portal issues them. */
export type FetchToken = (request: TokenRequest) => Promise<TokenResponse>

export interface HttpSourceOptions {
  endpoint: string
  /** Where refreshes go. Default: `endpoint`. */
  refreshEndpoint?: string | undefined
  /** Default: the global `fetch`, looked up at call time. */
  fetch?: typeof globalThis.fetch | undefined
  /** Reads `Retry-After` dates when the answer has no `Date`. Default: the system clock. */
  now?: () => number
}

/**
 * The default source: the portal backend's token endpoints, authenticated by its session cookie.
 * Throws a TypeError for an endpoint that is not a URL, and `insecure_endpoint` for one that is
 * neither https nor loopback.
 */
export function createHttpSource({
  endpoint,
  refreshEndpoint = endpoint,
  fetch = (input, init) => globalThis.fetch(input, init),
  now = Date.now,
}: HttpSourceOptions): FetchToken {
  for (const url of [endpoint, refreshEndpoint]) assertSecure(url)
  return async ({ reason, refresh, signal }) => {
    const url = refresh ? refreshEndpoint : endpoint
    const asked = `POST ${url}`
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      // The reason lets the service tell a widget that dropped its token from tabs racing each other.
      body: JSON.stringify({ reason }),
      redirect: 'manual',
      signal,
    }).catch((cause: unknown) => {
      throw signal.aborted ? cause : new WidgetTokenError('network', `${asked} failed${foreignOrigin(url) ? ' (another origin: CORS?)' : ''}`, { cause })
    })
    let body: Record<string, unknown> | undefined
    try {
      body = Object(JSON.parse(await response.text()))
    } catch {
      // Not JSON: an error page, or a login page where a token was expected.
    }
    if (!response.ok) throw statusError(asked, response, now, typeof body?.code == 'string' ? body.code : undefined)
    if (!body) throw new WidgetTokenError('bad_response', `${asked} answered no JSON`)
    const { token, expiresIn } = body
    if (typeof token !== 'string' || token === '') throw new WidgetTokenError('bad_response', `${asked} answered no token`)
    return { token, expiresIn: expiresIn as number | undefined }
  }
}

const originOf = (endpoint: string) => new URL(endpoint, globalThis.location?.href ?? 'https://localhost')

/** The endpoint's origin when it is not the page's: the session cookie may not go there. */
export function foreignOrigin(endpoint: string): string | undefined {
  const { origin } = originOf(endpoint)
  return globalThis.location && origin !== globalThis.location.origin ? origin : undefined
}

function assertSecure(endpoint: string): void {
  // Off the page (server rendering) only an absolute endpoint can be judged; a relative one will
  // share the page's origin.
  const url = originOf(endpoint)
  const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$|\.localhost$/.test(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new WidgetTokenError('insecure_endpoint', `${url.protocol}//${url.host} is neither https nor loopback`)
  }
}

function statusError(asked: string, { status, type, headers }: Response, now: () => number, serverCode: string | undefined): WidgetTokenError {
  const code: ErrorCode =
    // The service turned down the page's origin: the setup is wrong, not the visitor's session.
    serverCode === 'foreign_origin'
      ? 'forbidden'
      : // A redirect here is a session that ended and was sent to the login page.
        status === 401 || status === 403 || type === 'opaqueredirect' || (status >= 300 && status < 400)
        ? 'unauthorized'
        : status === 429
          ? 'rate_limited'
          : 'http'
  return new WidgetTokenError(code, `${asked} answered ${status}${serverCode ? ' ' + serverCode : ''}`, {
    status,
    serverCode,
    retryAfterMs: parseRetryAfter(headers, now),
    // Other codes are as the Errors table says; of the other statuses, 5xx and 408 are worth another try.
    retryable: code === 'http' ? status >= 500 || status === 408 : undefined,
  })
}

/**
 * `Retry-After` in seconds or as an HTTP date. A date is measured against the answer's own `Date`,
 * so a wrong device clock does not stretch or cut the wait. Empty or unreadable means no advice.
 */
export function parseRetryAfter(headers: Headers, now: () => number): number | undefined {
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  const serverNow = Date.parse(headers.get('date') ?? '')
  return Number.isNaN(at) ? undefined : Math.max(0, at - (Number.isNaN(serverNow) ? now() : serverNow))
}

/**
 * Runs any source under the request timeout. What a source throws passes through as it is: the
 * session turns it into a {@link WidgetTokenError}.
 */
export function requestToken(
  fetchToken: FetchToken,
  request: Omit<TokenRequest, 'signal'>,
  options: Omit<DeadlineOptions, 'onTimeout'>,
): Promise<TokenResponse> {
  const onTimeout = () => new WidgetTokenError('timeout', `${options.timeoutMs} ms`)
  return withinDeadline((signal) => fetchToken({ ...request, signal }), { ...options, onTimeout })
}
