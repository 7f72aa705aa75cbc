import { afterOrAbort, type Clock } from './clock'
import { asWidgetTokenError, WidgetTokenError } from './errors'

/** Why the SDK is asking for a token. */
export type Reason =
  | 'start'
  | 'schedule'
  | 'visible'
  | 'resume'
  | 'online'
  | 'disconnect'
  | 'expired'
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
  return async ({ refresh, signal }) => {
    const response = await fetch(refresh ? refreshEndpoint : endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      redirect: 'manual',
      signal,
    })
    if (!response.ok) throw statusError(response, now)
    return parseBody(await response.text())
  }
}

function assertSecure(endpoint: string): void {
  // Off the page (server rendering) only an absolute endpoint can be judged; a relative one will
  // share the page's origin.
  const url = new URL(endpoint, globalThis.location?.href ?? 'https://localhost')
  const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$|\.localhost$/.test(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new WidgetTokenError('insecure_endpoint', `${url.protocol}//${url.host}`)
  }
}

function statusError(response: Response, now: () => number): WidgetTokenError {
  const { status } = response
  // A redirect here is a session that ended and was sent to the login page.
  if (status === 401 || status === 403 || response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
    return new WidgetTokenError('unauthorized', String(status), { status })
  }
  const retryAfterMs = parseRetryAfter(response.headers, now)
  if (status === 429) return new WidgetTokenError('rate_limited', '', { status, retryAfterMs })
  const retryable = status >= 500 || status === 408
  return new WidgetTokenError('http', `HTTP ${status}`, { status, retryable, retryAfterMs })
}

function parseBody(text: string): TokenResponse {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new WidgetTokenError('bad_response', 'not JSON')
  }
  const { token, expiresIn } = (body ?? {}) as Record<string, unknown>
  if (typeof token !== 'string' || token === '') throw new WidgetTokenError('bad_response', 'no token')
  return { token, expiresIn: expiresIn as number | undefined }
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

export interface DeadlineOptions {
  timeoutMs: number
  clock: Clock
  /** Aborts the task from outside (the session's end); the promise then rejects with its reason. */
  signal: AbortSignal
  /** What the promise rejects with when the time is up. */
  onTimeout: () => unknown
}

/**
 * Runs `task` until it settles, the time is up or `signal` aborts, whichever comes first, and leaves
 * no timer or listener behind. A task that ignores its own signal, never settles or throws at once
 * is cut off all the same.
 */
export function withinDeadline<T>(task: (signal: AbortSignal) => T | Promise<T>, { timeoutMs, clock, signal, onTimeout }: DeadlineOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const controller = new AbortController()
    const cutOff = (reason: unknown) => {
      controller.abort(reason)
      reject(reason)
    }
    const cancel = afterOrAbort(signal, timeoutMs, () => cutOff(signal.aborted ? signal.reason : onTimeout()), clock)
    new Promise<T>((run) => run(task(controller.signal))).then(
      (value) => (cancel(), resolve(value)),
      (error: unknown) => (cancel(), reject(error)),
    )
  })
}

/** Runs any source under the request timeout and turns what it throws into a {@link WidgetTokenError}. */
export function requestToken(
  fetchToken: FetchToken,
  request: Omit<TokenRequest, 'signal'>,
  options: Omit<DeadlineOptions, 'onTimeout'>,
): Promise<TokenResponse> {
  const onTimeout = () => new WidgetTokenError('timeout', `${options.timeoutMs} ms`)
  return withinDeadline((signal) => fetchToken({ ...request, signal }), { ...options, onTimeout }).catch((error: unknown) => {
    throw options.signal.aborted ? options.signal.reason : asWidgetTokenError(error)
  })
}
