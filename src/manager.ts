import type { WidgetAdapter, WidgetHost } from './adapters/adapter'
import { systemClock, type Clock } from './clock'
import { asWidgetTokenError, isWidgetTokenError, WidgetTokenError } from './errors'
import { createEmitter, type Events, type Listener } from './events'
import { watchPage, type PageSetup } from './page'
import { backoffDelay, createTimer, planRefresh, retryDelay, type Plan, type RetryPolicy } from './schedule'
import { createHttpSource, requestToken, type FetchToken, type Reason, type TokenResponse } from './source'
import type { TabLink, TabSync } from './tabs'
import { inspectToken, LARGE_TOKEN_BYTES, type TokenInfo } from './token'

export interface TokenManagerOptions {
  /** The portal backend's token endpoint, called with the session cookie. Needed unless `fetchToken` is given. */
  endpoint?: string
  /** Where refreshes go. Default: `endpoint`. */
  refreshEndpoint?: string
  /** Replaces the built-in HTTP source, for backends with another contract. */
  fetchToken?: FetchToken
  /** The widget adapter, e.g. `genWidget({ config })`. */
  widget: WidgetAdapter
  /** How long before expiry to refresh, at most half the token's lifetime. Default 120. */
  leewaySeconds?: number
  /** Abort a token request after this long. Default 10 000. */
  requestTimeoutMs?: number
  /** Backoff between failed tries. Default `{ baseMs: 1000, maxMs: 60000 }`. */
  retry?: Partial<RetryPolicy>
  /** The `aud` tokens must carry. Default: the adapter's. */
  audience?: string
  /** `fetch` for the built-in source. Default: the global one. */
  fetch?: typeof globalThis.fetch
  /** Time source. Default: the system clock. */
  clock?: Clock
  /** Page-lifecycle signals. Default: the browser page's. */
  page?: PageSetup
  /** One refresh per browser instead of per tab: `shareAcrossTabs()` from `widget-token/tabs`. */
  tabs?: TabSync
  /** Randomness for backoff jitter, in [0, 1). Default: `Math.random`. */
  random?: () => number
}

export type State = 'idle' | 'starting' | 'active' | 'refreshing' | 'expired' | 'ended' | 'stopped'

export interface TokenManager {
  /** Where the manager is. `refreshing` only while the widget still holds a valid token. */
  readonly state: State
  /** When the widget's current token runs out, epoch ms on the local clock. */
  readonly expiresAt: number | undefined
  /** Gets the first token to the widget and keeps it fresh. Resolves once the widget has it. */
  start(): Promise<void>
  /** Replaces the token now (joins a refresh already under way). Rejects if that attempt fails. */
  refresh(): Promise<void>
  /** Aborts requests, clears timers, removes listeners. Nothing reaches the widget afterwards. */
  stop(): void
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof Events>(type: K, listener: Listener<K>): () => void
}

const MAX_SKEW_MS = 30_000
/** A timer this late means the device slept or the tab was frozen. */
const LATE_TIMER_MS = 30_000

type Waiter = [resolve: (token: string) => void, reject: (reason: unknown) => void]

/**
 * Keeps a widget's token valid for as long as the portal session lasts.
 *
 * @example
 * const manager = createTokenManager({
 *   endpoint: '/api/v1/embedded-cx/token',
 *   refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
 *   widget: genWidget({ config }),
 * })
 * manager.on('ended', () => showSignInAgain())
 * await manager.start()
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { widget, clock = systemClock, page = watchPage, random = Math.random } = options
  const fetchToken = options.fetchToken ?? defaultSource(options)
  const leewayMs = (options.leewaySeconds ?? 120) * 1000
  const timeoutMs = options.requestTimeoutMs ?? 10_000
  const policy: RetryPolicy = { baseMs: 1000, maxMs: 60_000, ...options.retry }
  const audience = options.audience ?? widget.audience
  const events = createEmitter()
  const timer = createTimer(clock)

  let phase: 'idle' | 'running' | 'ended' | 'stopped' = 'idle'
  let tab: TabLink | undefined
  let session = new AbortController()
  let teardowns: Array<() => void> = []
  let waiters: Waiter[] = []
  let startPromise: Promise<void> | undefined
  let flight: Promise<string> | undefined
  let current: Plan | undefined
  let expiredAnnounced = false
  let retry: { at: number; reason: Reason } | undefined
  let failures = 0
  let invalidInARow = 0
  let lastDeliveredAt = -Infinity
  let rejections = 0

  function run(reason: Reason, shared?: TokenResponse): Promise<string> {
    if (flight) return flight
    timer.cancel()
    retry = undefined
    const thisFlight = (flight = obtain(reason, session.signal, shared))
    const landed = () => {
      if (flight === thisFlight) flight = undefined
      reconcile()
    }
    // Runs before the callers' own handlers, so they see the manager settled.
    thisFlight.then((token) => {
      landed()
      for (const [resolve] of waiters.splice(0)) resolve(token)
    }, landed)
    return thisFlight
  }

  async function obtain(reason: Reason, signal: AbortSignal, shared?: TokenResponse): Promise<string> {
    const sentAt = clock.now()
    const first = current === undefined
    try {
      const request = () => requestToken(fetchToken, { reason, refresh: !first }, { timeoutMs, clock, signal })
      const response = shared ?? (await (tab ? tab.request(request, signal) : request()))
      const { token, expiresIn } = response
      // One invalid token may be a fluke; the second in a row is the backend's setup.
      const info = (widget.inspect ?? inspectToken)(token, { audience, expiresIn, sentAt, retryable: !invalidInARow++ })
      try {
        await widget.apply?.(token, { first, signal })
      } catch (error) {
        throw signal.aborted || isWidgetTokenError(error) ? error : new WidgetTokenError('widget_rejected', '', { retryable: true, cause: error })
      }
      if (signal.aborted) throw signal.reason
      accept(info, response.shared ? 'tab' : reason, sentAt)
      return token
    } catch (error) {
      if (!signal.aborted) fail(error)
      throw error
    }
  }

  function accept(info: TokenInfo, reason: Reason, sentAt: number): void {
    const now = clock.now()
    const plan = planRefresh(sentAt, info.lifetimeMs, leewayMs, now)
    // Once a session is enough to know the device clock is off.
    const skewMs = info.skewMs ?? 0
    if (!current && Math.abs(skewMs) > MAX_SKEW_MS) {
      events.emit('warning', { code: 'clock_skew', skewMs })
    }
    // A widget that asks for its tokens gets none it did not ask for.
    current = widget.apply ? plan : { ...plan, refreshAt: Infinity }
    expiredAnnounced = false
    failures = invalidInARow = 0
    lastDeliveredAt = now
    if (info.bytes > LARGE_TOKEN_BYTES) {
      events.emit('warning', { code: 'token_size', bytes: info.bytes })
    }
    events.emit('token', { reason, issuedAt: sentAt, expiresAt: plan.expiresAt, lifetimeMs: info.lifetimeMs })
  }

  function fail(thrown: unknown): void {
    const error = asWidgetTokenError(thrown)
    if (!error.retryable) return end(error)
    const delayMs = retryDelay({
      attempt: ++failures, policy, random, now: clock.now(), expiresAt: current?.expiresAt, retryAfterMs: error.retryAfterMs,
    })
    retryLater(error, delayMs, 'retry')
  }

  /** Plans the next try and tells the page when it will be. */
  function retryLater(error: WidgetTokenError, delayMs: number, reason: Reason): void {
    error.retryInMs = delayMs
    retry = { at: clock.now() + delayMs, reason }
    events.emit('error', error)
  }

  /** Does what is due now, then aims the one timer at the next thing due. */
  function reconcile(trigger?: Reason): void {
    if (phase !== 'running' || flight) return
    const now = clock.now()
    let expiryAt = current && widget.apply && !expiredAnnounced ? current.expiresAt : Infinity
    if (now >= expiryAt) {
      expiredAnnounced = true
      events.emit('expired', { expiredAt: expiryAt })
      expiryAt = Infinity
    }
    const dueAt = retry?.at ?? current?.refreshAt ?? Infinity
    if (now >= dueAt || (retry && trigger === 'online')) {
      void run(trigger ?? retry?.reason ?? 'schedule')
      return
    }
    const wakeAt = Math.min(dueAt, expiryAt)
    if (wakeAt !== Infinity) timer.at(wakeAt, (lateByMs) => reconcile(lateByMs > LATE_TIMER_MS ? 'resume' : undefined))
  }

  function onDisconnected(): void {
    if (phase !== 'running' || !current || flight || retry) return
    const now = clock.now()
    // A widget that stayed connected for a while had a fresh problem; one that drops right after a
    // new token is rejecting tokens, and its refreshes back off like failures.
    if (now - lastDeliveredAt >= policy.maxMs) rejections = 0
    if (rejections++ === 0) {
      void run('disconnect')
      return
    }
    const error = new WidgetTokenError('widget_rejected', 'disconnected again', { retryable: true })
    retryLater(error, Math.max(policy.baseMs, backoffDelay(rejections - 1, policy, random)), 'disconnect')
    reconcile()
  }

  /** The next token to reach the widget, through retries; rejects only when the SDK ends or stops. */
  function nextToken(reason: Reason = 'start'): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (phase !== 'running') return reject(notRunning())
      waiters.push([resolve, reject])
      if (!retry) void run(reason)
    })
  }

  const host: WidgetHost = {
    token: nextToken,
    disconnected: onDisconnected,
    expired: () => {
      if (phase === 'running') void run('disconnect')
    },
    refused: (cause) => events.emit('error', new WidgetTokenError('widget_rejected', '', { retryable: true, cause })),
  }

  function end(error: WidgetTokenError): void {
    phase = 'ended'
    teardown(error)
    events.emit('error', error)
    events.emit('ended', { error })
    widget.ended?.(error)
  }

  function teardown(reason: unknown): void {
    session.abort(reason)
    timer.cancel()
    retry = undefined
    for (const detach of teardowns.splice(0)) detach()
    for (const [, reject] of waiters.splice(0)) reject(reason)
  }

  return {
    get state(): State {
      if (phase !== 'running') return phase
      if (!current) return 'starting'
      if (expiredAnnounced) return 'expired'
      return flight ? 'refreshing' : 'active'
    },
    get expiresAt() {
      return current?.expiresAt
    },
    start() {
      if (phase === 'running') return startPromise!
      phase = 'running'
      session = new AbortController()
      current = undefined
      failures = invalidInARow = rejections = 0
      if (globalThis.isSecureContext === false) {
        events.emit('warning', { code: 'insecure_page' })
      }
      tab = options.tabs?.(`${options.endpoint} ${audience}`, (response) => {
        if (phase === 'running' && !flight) void run('tab', response)
      })
      teardowns = [page((signal) => reconcile(signal)), widget.attach(host), () => tab?.close()]
      return (startPromise = widget.apply ? nextToken().then(() => {}) : Promise.resolve())
    },
    refresh() {
      if (phase !== 'running') return Promise.reject(notRunning())
      return run('manual').then(() => {})
    },
    stop() {
      if (phase === 'stopped') return
      phase = 'stopped'
      teardown(new DOMException('stopped', 'AbortError'))
    },
    on: events.on,
  }
}

const notRunning = () => new DOMException('not started', 'InvalidStateError')

function defaultSource(options: TokenManagerOptions): FetchToken {
  const { endpoint } = options
  if (endpoint === undefined) throw new TypeError('widget-token: endpoint or fetchToken is required')
  const refreshEndpoint = options.refreshEndpoint ?? endpoint
  for (const url of [endpoint, refreshEndpoint]) assertSecure(url)
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  return createHttpSource({ endpoint, refreshEndpoint, fetch })
}

/** Throws a TypeError for what is not a URL, and `insecure_endpoint` for what is not https or loopback. */
function assertSecure(endpoint: string): void {
  // Off the page (server rendering) only an absolute endpoint can be judged; a relative one will
  // share the page's origin.
  const url = new URL(endpoint, globalThis.location?.href ?? 'https://localhost')
  const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$|\.localhost$/.test(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new WidgetTokenError('insecure_endpoint', `${url.protocol}//${url.host}`)
  }
}
