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

export type Events = {
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
      const isolated = (event: Events[typeof type]) => {
        try {
          listener(event)
        } catch (error) {
          reportLater(error)
        }
      }
      bus.on(type, isolated)
      return () => bus.off(type, isolated)
    },
    emit: (type, event) => bus.emit(type, event),
  }
}

// Surfaces the error as uncaught (console, window.onerror) without unwinding the SDK's own stack.
function reportLater(error: unknown): void {
  globalThis.reportError?.(error)
}
