import type { Clock } from './clock'
import { asWidgetTokenError, WidgetTokenError } from './errors'

/** Why the SDK is asking for a token. */
export type Reason =
  | 'start'
  | 'schedule'
  | 'visible'
  | 'resume'
  | 'online'
  | 'disconnect'
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
  /** Seconds the token lives from now, as the server counts. Default: `exp − iat`. */
  expiresIn?: number | undefined
  /** Set on a token another tab obtained. */
  shared?: boolean | undefined
}

/** Gets a token from wherever the portal issues them. */
export type FetchToken = (request: TokenRequest) => Promise<TokenResponse>

export interface HttpSourceOptions {
  endpoint: string
  refreshEndpoint: string
  fetch: typeof globalThis.fetch
}

/** The default source: the portal backend's token endpoints, authenticated by its session cookie. */
export function createHttpSource({ endpoint, refreshEndpoint, fetch }: HttpSourceOptions): FetchToken {
  return async ({ refresh, signal }) => {
    const response = await fetch(refresh ? refreshEndpoint : endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      redirect: 'manual',
      signal,
    })
    if (!response.ok) throw statusError(response)
    return parseBody(await response.text())
  }
}

function statusError(response: Response): WidgetTokenError {
  const { status } = response
  // A redirect here is a session that ended and was sent to the login page.
  if (status === 401 || status === 403 || response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
    return new WidgetTokenError('unauthorized', String(status), { status })
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
  if (status === 429) {
    return new WidgetTokenError('rate_limited', '', { status, retryable: true, retryAfterMs })
  }
  const retryable = status >= 500 || status === 408
  return new WidgetTokenError('http', `HTTP ${status}`, { status, retryable, retryAfterMs })
}

function parseBody(text: string): TokenResponse {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badResponse('not JSON')
  }
  const { token, expiresIn } = (body ?? {}) as Record<string, unknown>
  if (typeof token !== 'string' || token === '') throw badResponse('no token')
  if (expiresIn !== undefined && typeof expiresIn !== 'number') throw badResponse('expiresIn is not a number')
  return { token, expiresIn }
}

const badResponse = (message: string) => new WidgetTokenError('bad_response', message, { retryable: true })

// Token endpoints send seconds; the HTTP-date form counts as no advice.
function parseRetryAfter(value: string | null): number | undefined {
  const seconds = value === null ? NaN : Number(value)
  return seconds >= 0 ? seconds * 1000 : undefined
}

export interface RequestOptions {
  timeoutMs: number
  clock: Clock
  /** Aborts the request from outside (the manager's `stop()`). */
  signal: AbortSignal
}

/**
 * Runs any source under a timeout and turns what it throws into a {@link WidgetTokenError}.
 * A custom source that ignores its signal is raced, so it cannot hold the SDK past the timeout.
 * Rejects with the outer signal's reason when that aborts.
 */
export function requestToken(
  fetchToken: FetchToken,
  request: Omit<TokenRequest, 'signal'>,
  { timeoutMs, clock, signal }: RequestOptions,
): Promise<TokenResponse> {
  return new Promise((resolve, reject) => {
    const controller = new AbortController()
    const abort = (reason: unknown) => {
      controller.abort(reason)
      reject(reason)
    }
    const abortFromOutside = () => abort(signal.reason)
    const timer = clock.setTimeout(() => abort(new WidgetTokenError('timeout', `${timeoutMs} ms`, { retryable: true })), timeoutMs)
    signal.addEventListener('abort', abortFromOutside)
    fetchToken({ ...request, signal: controller.signal })
      .then(resolve, (error: unknown) => reject(asWidgetTokenError(error)))
      .finally(() => {
        clock.clearTimeout(timer)
        signal.removeEventListener('abort', abortFromOutside)
      })
  })
}
