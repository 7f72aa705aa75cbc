import mitt from 'mitt'
import type { WidgetTokenError } from './errors'
import type { Reason } from './source'

/** A new token reached the widget. Times are epoch ms on the local clock; the token itself is never included. */
export interface TokenEvent {
  reason: Reason
  /** When the token was requested. */
  issuedAt: number
  /** When the widget's token runs out. */
  expiresAt: number
  lifetimeMs: number
}

/**
 * Where the manager is:
 * - `idle`: made, not started; `starting`: until the first token reaches the widget;
 * - `active`: the widget is connected and holds a valid token;
 * - `refreshing`: a refresh is under way while the widget still holds a valid token;
 * - `recovering`: the widget lost its session (disconnected, refused a token) and is being brought back;
 * - `expired`: the widget's token ran out (on the SDK's clock, or the widget said so) before a new one arrived;
 * - `ended`: the portal session is gone or the setup cannot work; `stopped`: after `stop()`.
 */
export type State = 'idle' | 'starting' | 'active' | 'refreshing' | 'recovering' | 'expired' | 'ended' | 'stopped'

/** The manager's state changed. */
export interface StateEvent {
  state: State
  previous: State
}

/** The widget's token ran out before a new one arrived. */
export interface ExpiredEvent {
  expiredAt: number
}

/** The SDK gave up: the portal session is gone or the setup cannot work. Nothing more is scheduled. */
export interface EndedEvent {
  error: WidgetTokenError
}

/** Something works, but not as it should. */
export type Warning =
  /** The server's clock minus the device's, as the token's `iat` tells, is over 30 s. */
  | { code: 'clock_skew'; skewMs: number }
  /** The token is close to the 4096-byte limit. */
  | { code: 'token_size'; bytes: number }
  /** The page is not a secure context: tokens can be read on the network. */
  | { code: 'insecure_page' }
  /** The answer's `expiresIn` was not a finite number of seconds; the token's own `exp − iat` counted instead. */
  | { code: 'expires_in_ignored' }
  /**
   * The endpoint is on another origin than the page: the session cookie goes only if the backend
   * allows credentialed CORS and the browser sends third-party cookies.
   */
  | { code: 'cross_origin_endpoint'; origin: string }

export type Events = {
  state: StateEvent
  token: TokenEvent
  expired: ExpiredEvent
  error: WidgetTokenError
  ended: EndedEvent
  warning: Warning
}

export type Listener<K extends keyof Events> = (event: Events[K]) => void

export interface Emitter {
  on<K extends keyof Events>(type: K, listener: Listener<K>): () => void
  emit<K extends keyof Events>(type: K, event: Events[K]): void
}

/** A typed event bus on which a throwing listener cannot break the SDK or the other listeners. */
export function createEmitter(): Emitter {
  const bus = mitt<Events>()
  return {
    on(type, listener) {
      const isolated = (event: Events[typeof type]) => isolate(() => listener(event))
      bus.on(type, isolated)
      return () => bus.off(type, isolated)
    },
    emit: (type, event) => bus.emit(type, event),
  }
}

/**
 * Runs page or widget code the SDK calls out to; what it throws surfaces as uncaught (console,
 * `window.onerror`) without unwinding the SDK's own stack.
 */
export function isolate(action: () => void): void {
  try {
    action()
  } catch (error) {
    globalThis.reportError?.(error)
  }
}
