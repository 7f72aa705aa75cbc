import { WidgetTokenError } from '../errors'
import type { FetchToken, Reason, TokenRequest, TokenResponse } from '../source'
import { unsignedToken } from './token'

/** Each way a token backend fails that the SDK handles, named after what the page then sees. */
export type BackendFailure =
  /** HTTP 503 (or `status`): `error` code `http`, retried. */
  | 'server_error'
  /** HTTP 429 with `Retry-After` (`retryAfterSeconds`, default 30): `rate_limited`, retried after it. */
  | 'rate_limited'
  /** HTTP 401: `unauthorized`, then `ended`. */
  | 'unauthorized'
  /** No answer until the SDK gives up: `timeout`, retried. */
  | 'hang'
  /** The request never reaches a server (offline, DNS): `network`, retried. */
  | 'network'
  /** HTTP 200 with an HTML page instead of JSON: `bad_response`, retried. */
  | 'not_json'
  /** A token that is not a JWT: `malformed_token`. */
  | 'malformed_token'
  /** A token whose lifetime is over: `expired_token`. */
  | 'expired_token'
  /** A token for another audience: `audience_mismatch` (when the manager knows its audience). */
  | 'wrong_audience'

export interface FailureOptions {
  /** How many requests in a row fail this way. Default 1; `Infinity` until `recover()`. */
  times?: number
  /** For `rate_limited`. Default 30. */
  retryAfterSeconds?: number
  /** For `server_error`. Default 503. */
  status?: number
}

export interface FakeBackendOptions {
  /** The lifetime of every token, in seconds. Default 1800. */
  lifetimeSeconds?: number
  /** The `aud` of every token. */
  audience?: string
  /** Claims added to every token. */
  claims?: Record<string, unknown>
  /** Whether answers carry `expiresIn`. Default true. */
  sendExpiresIn?: boolean
}

export interface BackendRequest {
  /** The URL for `fetch`; `undefined` through `fetchToken`. */
  url: string | undefined
  /** What `fetchToken` was told; `undefined` through `fetch`. */
  reason: Reason | undefined
  /** How it was answered. */
  outcome: BackendFailure | 'token'
}

export interface FakeBackend {
  /** Pass as `fetch` with any `endpoint`: answers every POST as the documented backend contract. */
  fetch: typeof globalThis.fetch
  /** Pass as `fetchToken`: answers as a custom source would, throwing `WidgetTokenError`s. */
  fetchToken: FetchToken
  /** Every request, oldest first. */
  readonly requests: readonly BackendRequest[]
  /** Every token handed out, oldest first. */
  readonly issued: readonly string[]
  /** Requests left hanging (`hang`) that the SDK has not aborted yet. */
  readonly hanging: number
  /** The next requests (`times`, default 1) fail this way; queued after earlier failures. */
  fail(failure: BackendFailure, options?: FailureOptions): void
  /** Forgets queued failures: the next request gets a token. */
  recover(): void
}

/**
 * A portal backend without a network: mints unsigned tokens with the lifetime you choose and fails
 * on demand in each documented way.
 *
 * @example
 * const backend = createFakeBackend({ lifetimeSeconds: 600 })
 * const manager = createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget })
 * backend.fail('rate_limited', { retryAfterSeconds: 10 })
 */
export function createFakeBackend({ lifetimeSeconds = 1800, audience, claims, sendExpiresIn = true }: FakeBackendOptions = {}): FakeBackend {
  const failures: Array<{ failure: BackendFailure; options: FailureOptions; left: number }> = []
  const requests: BackendRequest[] = []
  const issued: string[] = []
  let hanging = 0

  function next(url: string | undefined, reason: Reason | undefined): { failure?: BackendFailure; options: FailureOptions } {
    const head = failures[0]
    if (head && --head.left <= 0) failures.shift()
    requests.push({ url, reason, outcome: head?.failure ?? 'token' })
    return head ? { failure: head.failure, options: head.options } : { options: {} }
  }

  /** The body of a 200 answer, good or deliberately bad. */
  function answer(failure: BackendFailure | undefined): TokenResponse {
    const now = Date.now()
    const base = { ...(audience === undefined ? {} : { aud: audience }), ...claims }
    if (failure === 'malformed_token') return { token: 'not-a-jwt' }
    if (failure === 'expired_token') {
      const token = unsignedToken({ lifetimeSeconds, issuedAt: now - 2 * lifetimeSeconds * 1000, claims: base })
      return { token, expiresIn: -lifetimeSeconds }
    }
    const token = unsignedToken({ lifetimeSeconds, issuedAt: now, claims: failure === 'wrong_audience' ? { ...base, aud: 'another-audience' } : base })
    issued.push(token)
    return sendExpiresIn ? { token, expiresIn: lifetimeSeconds } : { token }
  }

  function hang(signal: AbortSignal | null | undefined): Promise<never> {
    hanging++
    return new Promise((_, reject) => {
      signal?.addEventListener('abort', () => {
        hanging--
        reject(signal.reason)
      })
    })
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const { failure, options } = next(typeof input === 'object' && 'url' in input ? input.url : String(input), undefined)
    switch (failure) {
      case 'hang':
        return hang(init.signal)
      case 'network':
        throw new TypeError('Failed to fetch')
      case 'server_error':
        return respond(options.status ?? 503, '{"error":"unavailable"}')
      case 'rate_limited':
        return respond(429, '{"error":"slow down"}', { 'retry-after': String(options.retryAfterSeconds ?? 30) })
      case 'unauthorized':
        return respond(401, '{"error":"no session"}')
      case 'not_json':
        return respond(200, '<!doctype html><title>Sign in</title>')
      default:
        return respond(200, JSON.stringify(answer(failure)))
    }
  }

  const fetchToken: FetchToken = async ({ reason, signal }: TokenRequest) => {
    const { failure, options } = next(undefined, reason)
    switch (failure) {
      case 'hang':
        return hang(signal)
      case 'network':
        throw new TypeError('Failed to fetch')
      case 'server_error': {
        const status = options.status ?? 503
        throw new WidgetTokenError('http', `HTTP ${status}`, { status, retryable: status >= 500 || status === 408 })
      }
      case 'rate_limited': {
        const retryAfterMs = (options.retryAfterSeconds ?? 30) * 1000
        throw new WidgetTokenError('rate_limited', '', { status: 429, retryable: true, retryAfterMs })
      }
      case 'unauthorized':
        throw new WidgetTokenError('unauthorized', '401', { status: 401 })
      case 'not_json':
        throw new WidgetTokenError('bad_response', 'not JSON', { retryable: true })
      default:
        return answer(failure)
    }
  }

  return {
    fetch,
    fetchToken,
    requests,
    issued,
    get hanging() {
      return hanging
    },
    fail(failure, options = {}) {
      failures.push({ failure, options, left: options.times ?? 1 })
    },
    recover() {
      failures.length = 0
    },
  }
}

// jsdom (Jest's default browser environment) has no `Response`; the SDK needs only these members.
function respond(status: number, body: string, headers: Record<string, string> = {}): Response {
  const all: Record<string, string> = { 'content-type': status === 200 && body.startsWith('{') ? 'application/json' : 'text/html', ...headers }
  if (typeof Response === 'function') return new Response(body, { status, headers: all })
  return {
    ok: status >= 200 && status < 300,
    status,
    type: 'basic',
    headers: { get: (name: string) => all[name.toLowerCase()] ?? null },
    text: async () => body,
  } as unknown as Response
}
