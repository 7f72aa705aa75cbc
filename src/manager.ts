import type { WidgetAdapter } from './adapters/adapter'
import { systemClock, type Clock } from './clock'
import { createEmitter, type Events, type Listener, type State } from './events'
import { watchPage, type PageSetup } from './page'
import type { RetryPolicy } from './policy'
import { notRunning, openSession, type Session } from './session'
import { createHttpSource, foreignOrigin, type FetchToken } from './source'
import { shareAcrossTabs, type TabSync } from './tabs'
import type { Trail } from './trail'

interface CommonOptions {
  /** The widget adapter, e.g. `genWidget({ config })`. */
  widget: WidgetAdapter
  /** How long before expiry to refresh, at most half the token's lifetime. Default 120. */
  leewaySeconds?: number
  /** Abort a token request, or a hand-over to the widget, after this long. Default 10 000. */
  requestTimeoutMs?: number
  /** Backoff between failed tries. Default `{ baseMs: 1000, maxMs: 60000 }`. */
  retry?: Partial<RetryPolicy>
  /** The `aud` tokens must carry. Default: the adapter's. */
  audience?: string
  /** Time source. Default: the system clock. */
  clock?: Clock
  /** Page-lifecycle signals. Default: the browser page's. */
  page?: PageSetup
  /**
   * Tabs of one origin share one token request per lifetime (Web Locks + `BroadcastChannel`). Default
   * on; `false` makes each tab work alone; `shareAcrossTabs({ … })` from `widget-token/tabs` tunes it.
   */
  tabs?: TabSync | false
  /** Randomness for backoff jitter, in [0, 1). Default: `Math.random`. */
  random?: () => number
  /**
   * Receives every decision as data (why a request went out, what was planned, what a failure does
   * next), never a token. `explain(console.debug)` from `widget-token/debug` words each as one line.
   */
  log?: Trail
}

/** The portal backend's token endpoints, called with the session cookie. */
export interface EndpointOptions extends CommonOptions {
  endpoint: string
  /** Where refreshes go. Default: `endpoint`. */
  refreshEndpoint?: string
  /** `fetch` for the built-in source. Default: the global one. */
  fetch?: typeof globalThis.fetch
  fetchToken?: undefined
}

/** A source of your own, for backends with another contract. */
export interface FetchTokenOptions extends CommonOptions {
  fetchToken: FetchToken
  endpoint?: undefined
  /**
   * Names the credential this source returns, for sharing it across tabs: tabs whose managers have
   * the same key share tokens. Without one, a `fetchToken` manager does not share.
   */
  tabKey?: string
}

export type TokenManagerOptions = EndpointOptions | FetchTokenOptions

export interface TokenManager {
  /** Where the manager is (see {@link State}); each change is also a `state` event. */
  readonly state: State
  /** When the widget's current token runs out, epoch ms on the local clock. */
  readonly expiresAt: number | undefined
  /**
   * Gets the first token to the widget and keeps it fresh. Resolves once the widget has it; rejects
   * when this run ends (the `ended` event's error) or is stopped (an `AbortError`). A call while
   * running returns the same promise; a call after `stop()` or the end starts afresh.
   */
  start(): Promise<void>
  /** Replaces the token now (joins a refresh already under way). Rejects if that attempt fails. */
  refresh(): Promise<void>
  /** Ends this run: aborts its request, clears its timers, removes its page and widget listeners. */
  stop(): void
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof Events>(type: K, listener: Listener<K>): () => void
}

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
 * manager.start().catch(() => {}) // failures also arrive as `error` and `ended` events
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { widget, clock = systemClock } = options
  if (!options.fetchToken && typeof options.endpoint !== 'string') throw new TypeError('widget-token: endpoint or fetchToken is required')
  const policy = { baseMs: positive('retry.baseMs', options.retry?.baseMs, 1000), maxMs: positive('retry.maxMs', options.retry?.maxMs, 60_000) }
  if (policy.maxMs < policy.baseMs) throw new TypeError('widget-token: retry.maxMs must be at least retry.baseMs')
  const fetchToken = options.fetchToken ?? createHttpSource({ ...options, now: () => clock.now() })
  const audience = options.audience ?? widget.audience
  const events = createEmitter()
  let announced: State = 'idle'
  const config = {
    widget,
    fetchToken,
    clock,
    audience,
    events,
    page: options.page ?? watchPage,
    random: options.random ?? Math.random,
    leewayMs: positive('leewaySeconds', options.leewaySeconds, 120) * 1000,
    timeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    policy,
    log: options.log ?? (() => {}),
    tabs: options.tabs === false ? undefined : (options.tabs ?? shareAcrossTabs()),
    channelKey: options.fetchToken ? options.tabKey : [options.endpoint, options.refreshEndpoint ?? options.endpoint, audience].join(' '),
    announce(state: State) {
      if (state === announced) return
      const previous = announced
      announced = state
      events.emit('state', { state, previous })
    },
  }
  const otherOrigin = options.fetchToken ? undefined : foreignOrigin(options.endpoint) ?? foreignOrigin(options.refreshEndpoint ?? options.endpoint)
  let session: Session | undefined

  return {
    get state() {
      return session?.state ?? 'idle'
    },
    get expiresAt() {
      return session?.expiresAt
    },
    start() {
      if (session?.state !== 'ended' && session?.state !== 'stopped' && session) return session.started
      if (globalThis.isSecureContext === false) events.emit('warning', { code: 'insecure_page' })
      if (otherOrigin) events.emit('warning', { code: 'cross_origin_endpoint', origin: otherOrigin })
      session = openSession(config)
      return session.started
    },
    refresh: () => session?.refresh() ?? Promise.reject(notRunning()),
    stop: () => session?.stop(),
    on: events.on,
  }
}

/** Options are checked as the server checks its own: a value that would misbehave is refused by name. */
function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`widget-token: ${name} must be a number above 0, not ${value}`)
  return value
}
