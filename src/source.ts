import type { Clock } from './clock'
import { isWidgetTokenError, WidgetTokenError } from './errors'

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
  /** Seconds the token lives from now, as the server counts. */
  expiresIn?: number | undefined
  /** The server's clock when it answered, epoch ms (from the `Date` header). */
  serverTime?: number | undefined
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
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '{}',
      cache: 'no-store',
      // A session that ended is often answered by a redirect to the login page.
      redirect: 'manual',
      signal,
    })
    const serverTime = parseDate(response.headers.get('date'))
    if (!response.ok) throw statusError(response, serverTime)
    return { ...parseBody(await response.text()), serverTime }
  }
}

function statusError(response: Response, serverTime: number | undefined): WidgetTokenError {
  const { status } = response
  if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
    return new WidgetTokenError('unauthorized', 'the token endpoint redirected: the portal session has ended', { status })
  }
  if (status === 401 || status === 403) {
    return new WidgetTokenError('unauthorized', `the token endpoint answered ${status}: the portal session has ended`, { status })
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), serverTime)
  if (status === 429) {
    return new WidgetTokenError('rate_limited', 'the token endpoint answered 429', { status, retryable: true, retryAfterMs })
  }
  const retryable = status >= 500 || status === 408
  return new WidgetTokenError('http', `the token endpoint answered ${status}`, { status, retryable, retryAfterMs })
}

function parseBody(text: string): TokenResponse {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badResponse('the answer is not JSON')
  }
  const { token, expiresIn } = (body ?? {}) as Record<string, unknown>
  if (typeof token !== 'string' || token === '') throw badResponse('the answer has no token')
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))) {
    throw badResponse('expiresIn is not a number of seconds')
  }
  return { token, expiresIn }
}

const badResponse = (message: string) => new WidgetTokenError('bad_response', message, { retryable: true })

function parseDate(value: string | null): number | undefined {
  const time = value === null ? NaN : Date.parse(value)
  return Number.isFinite(time) ? time : undefined
}

function parseRetryAfter(value: string | null, serverTime: number | undefined): number | undefined {
  if (value === null) return undefined
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000
  const at = parseDate(value)
  return at === undefined || serverTime === undefined ? undefined : Math.max(0, at - serverTime)
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
export async function requestToken(
  fetchToken: FetchToken,
  request: Omit<TokenRequest, 'signal'>,
  { timeoutMs, clock, signal }: RequestOptions,
): Promise<TokenResponse> {
  const controller = new AbortController()
  const timedOut = new WidgetTokenError('timeout', `no answer within ${timeoutMs} ms`, { retryable: true })
  const abortFromOutside = () => controller.abort(signal.reason)
  signal.addEventListener('abort', abortFromOutside)
  const timer = clock.setTimeout(() => controller.abort(timedOut), timeoutMs)
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason))
  })
  try {
    return await Promise.race([fetchToken({ ...request, signal: controller.signal }), aborted])
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason
    throw asWidgetTokenError(error)
  } finally {
    clock.clearTimeout(timer)
    signal.removeEventListener('abort', abortFromOutside)
  }
}

function asWidgetTokenError(error: unknown): WidgetTokenError {
  if (isWidgetTokenError(error)) return error
  return new WidgetTokenError('network', 'the token request failed', { retryable: true, cause: error })
}
