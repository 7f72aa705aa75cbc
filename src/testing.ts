import { jwtDecode, type JwtPayload } from 'jwt-decode'
import type { WidgetAdapter, WidgetHost } from './adapters/adapter'
import { WidgetTokenError } from './errors'
import type { PageSetup, PageSignal } from './page'
import type { FetchToken, Reason, TokenRequest, TokenResponse } from './source'

// ─── Tokens ──────────────────────────────────────────────────────────────────────────────────

export interface UnsignedTokenOptions {
  /** Seconds from `iat` to `exp`. Default 1800. */
  lifetimeSeconds?: number
  /** The issue time, epoch ms. Default: `Date.now()`, so fake timers apply. */
  issuedAt?: number
  /** Claims to add or override (`aud`, `sub`, …). */
  claims?: Record<string, unknown>
}

/**
 * A well-formed JWT with `alg: none` and no signature. The SDK decodes tokens and never verifies
 * them (the widget's provider does), so these pass every check a real token passes.
 *
 * @example
 * const token = unsignedToken({ lifetimeSeconds: 600, claims: { aud: 'my-org-id' } })
 */
export function unsignedToken({ lifetimeSeconds = 1800, issuedAt = Date.now(), claims = {} }: UnsignedTokenOptions = {}): string {
  const iat = Math.floor(issuedAt / 1000)
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'test-visitor', iat, exp: iat + lifetimeSeconds, ...claims })}.`
}

// UTF-8 through encodeURIComponent rather than TextEncoder, which Jest's jsdom environment lacks.
function base64url(value: unknown): string {
  const binary = encodeURIComponent(JSON.stringify(value)).replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

// ─── The token backend ───────────────────────────────────────────────────────────────────────

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

// ─── The widget ──────────────────────────────────────────────────────────────────────────────

export interface ReceivedToken {
  token: string
  /** The decoded payload, for assertions on `sub`, `aud`, `exp`. */
  claims: JwtPayload & Record<string, unknown>
  /** True for the token that started the widget. */
  first: boolean
}

export interface FakeWidgetOptions {
  /** The widget asks for tokens (`ask()`) instead of being handed them, as Zendesk and Web Messenger do. */
  pull?: boolean
  /** The `aud` its tokens must carry. */
  audience?: string
  /**
   * By default the widget is as strict as the guide's: once disconnected (or its token ran out) it
   * ignores tokens until it is started again (`restart`). `true` makes it take any token, as widgets
   * whose update also reconnects do.
   */
  lenient?: boolean
}

export interface FakeWidget extends WidgetAdapter {
  /** Every token the widget accepted, oldest first. */
  readonly received: readonly ReceivedToken[]
  /** The token the widget holds now. */
  readonly current: ReceivedToken | undefined
  /** Tokens the widget refused (`refuseNext`). */
  readonly refused: readonly string[]
  /** Tokens a disconnected widget ignored because they came as an update, not a restart. */
  readonly ignored: readonly string[]
  /** Whether the widget holds a token it accepted and has not lost since. */
  readonly connected: boolean
  /** Whether a running manager is attached. */
  readonly attached: boolean
  /** The error the manager ended with, once it did (the widget was told to sign out). */
  readonly endedWith: WidgetTokenError | undefined
  /** The widget lost its session, as on a `disconnected` event. */
  disconnect(): void
  /** The widget says its token ran out and waits for a new one; it also does so by itself at the token's `exp`. */
  expire(): void
  /** The widget refuses the next `times` tokens it gets (push) or asks for (pull). */
  refuseNext(times?: number): void
  /** A pull widget asks for a token; resolves with the one it accepted. */
  ask(): Promise<string>
}

/**
 * A widget adapter that records what it receives and misbehaves on demand.
 *
 * @example
 * const widget = createFakeWidget()
 * createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget }).start()
 * await vi.advanceTimersByTimeAsync(0)
 * expect(widget.current?.claims.sub).toBe('test-visitor')
 */
export function createFakeWidget({ pull = false, audience, lenient = false }: FakeWidgetOptions = {}): FakeWidget {
  const received: ReceivedToken[] = []
  const refused: string[] = []
  const ignored: string[] = []
  let host: WidgetHost | undefined
  let toRefuse = 0
  let endedWith: WidgetTokenError | undefined
  let connected = false
  let expiry: ReturnType<typeof setTimeout> | undefined

  const lose = (tell: (host: WidgetHost) => void) => {
    clearTimeout(expiry)
    connected = false
    if (host) tell(host)
  }
  const accept = (token: string, first: boolean) => {
    const claims = jwtDecode<JwtPayload & Record<string, unknown>>(token)
    received.push({ token, claims, first })
    connected = true
    clearTimeout(expiry)
    // The widget checks its token's exp itself, as the real one does, and drops the session when it passes.
    if (typeof claims.exp === 'number') expireAt(claims.exp * 1000)
  }
  // Checked again on every wake-up, and chained: setTimeout holds 32-bit delays only.
  const expireAt = (at: number) => {
    expiry = setTimeout(() => (Date.now() < at ? expireAt(at) : lose((attached) => attached.expired())), Math.min(at - Date.now(), 2 ** 31 - 1))
  }
  const requireHost = (action: string): WidgetHost => {
    if (!host) throw new Error(`fake widget: cannot ${action} before a manager starts (or after it stopped)`)
    return host
  }

  const widget: FakeWidget = {
    audience,
    attach(newHost) {
      host = newHost
      return () => {
        if (host !== newHost) return
        host = undefined
        clearTimeout(expiry)
      }
    },
    ended(error) {
      endedWith = error
    },
    received,
    refused,
    ignored,
    get current() {
      return received.at(-1)
    },
    get connected() {
      return connected
    },
    get attached() {
      return host !== undefined
    },
    get endedWith() {
      return endedWith
    },
    disconnect: () => lose((attached) => attached.disconnected()),
    expire: () => lose((attached) => attached.expired()),
    refuseNext(times = 1) {
      toRefuse += times
    },
    async ask() {
      for (;;) {
        const token = await requireHost('ask').token(received.length ? 'disconnect' : 'start')
        if (toRefuse === 0) {
          accept(token, received.length === 0)
          return token
        }
        toRefuse--
        refused.push(token)
        host?.refused(new Error('refused by the fake widget'))
      }
    },
  }
  if (!pull) {
    widget.apply = (token, { first, restart }) => {
      if (toRefuse > 0) {
        toRefuse--
        refused.push(token)
        throw new Error('refused by the fake widget')
      }
      // A disconnected widget takes a token only when it is started again.
      if (!first && !restart && !connected && !lenient) return void ignored.push(token)
      accept(token, first)
    }
  }
  return widget
}

// ─── The page ────────────────────────────────────────────────────────────────────────────────

export interface PageDriver {
  /** Pass as the manager's `page` option. */
  page: PageSetup
  /** How many managers listen now; 0 after every `stop()`. */
  readonly listeners: number
  /** The tab became visible again. */
  visible(): void
  /** The tab resumed from frozen, the page came back from the back/forward cache, or the device woke. */
  resume(): void
  /** The network came back. */
  online(): void
}

/**
 * Page signals on demand, instead of the real document's events.
 *
 * @example
 * const driver = createPageDriver()
 * createTokenManager({ endpoint, widget, page: driver.page })
 * driver.visible()
 */
export function createPageDriver(): PageDriver {
  const listeners = new Set<(signal: PageSignal) => void>()
  const send = (signal: PageSignal) => {
    for (const notify of [...listeners]) notify(signal)
  }
  return {
    page(notify) {
      const listener = (signal: PageSignal) => notify(signal)
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get listeners() {
      return listeners.size
    },
    visible: () => send('visible'),
    resume: () => send('resume'),
    online: () => send('online'),
  }
}
