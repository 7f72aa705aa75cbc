import type { WidgetTokenError } from '../errors'
import type { Reason } from '../source'
import type { InspectOptions, TokenInfo } from '../token'

/** What the token manager offers a widget adapter. */
export interface WidgetHost {
  /**
   * A fresh, validated token for a widget that asks for one (pull widgets). Concurrent calls share
   * one request; failures are retried in the background and the promise settles with the first
   * success. Rejects only when the SDK ends or stops.
   */
  token(reason?: Reason): Promise<string>
  /**
   * The widget lost its session: refresh once and hand the new token over with `restart`. Bursts cost
   * one request; a drop within 10 s of a new token is that token's rejection, and backs off.
   */
  disconnected(): void
  /**
   * The widget says its token ran out and waits for a new one: announce `expired`, refresh now
   * (reason `expired`), even past a planned retry. Said again right after a new token, it gets the
   * next after backoff, as a disconnect does.
   */
  expired(): void
  /**
   * The widget refused a token it asked for; it will ask again. Reported as a `widget_rejected`
   * error whose `retryInMs` says how long the next `token()` call waits. A `WidgetTokenError` that is
   * not retryable (`widget_unavailable`: the widget's script never came) ends the run instead.
   */
  refused(cause?: unknown): void
}

export interface ApplyContext {
  /** True for the session's first token: the widget still has to be started with it. */
  first: boolean
  /**
   * True when the widget lost its session since its last token (it reported a disconnect, refused a
   * token or said its token ran out, or the token ran out on the SDK's own clock): a widget that needs
   * it is started again. False on the first token and on planned refreshes of a connected widget.
   */
  restart: boolean
  /** Aborted on `stop()`: nothing may reach the widget after that. */
  signal: AbortSignal
}

/**
 * Connects the manager to one widget. Push widgets implement `apply`; pull widgets leave it out
 * and call `host.token()` when they need a token.
 */
export interface WidgetAdapter {
  /**
   * The credential can be redeemed only once (an OAuth authorization code): it is never shared with
   * other tabs, and concurrent `token()` calls each get their own.
   */
  singleUse?: boolean | undefined
  /** The `aud` the widget's tokens must carry, when the widget knows it. */
  audience?: string | undefined
  /** Subscribes to the widget; returns the teardown, called on `stop()` and when the SDK ends. */
  attach(host: WidgetHost): () => void
  /**
   * How long the first `apply` may wait for the widget's script to load, on top of the request
   * timeout that bounds every hand-over. Default 30 000.
   */
  waitMs?: number | undefined
  /**
   * Hands a validated token to the widget, within the request timeout. A rejection or a timeout is
   * a retryable `widget_rejected`.
   */
  apply?(token: string, context: ApplyContext): void | Promise<void>
  /**
   * Checks a credential that is not a JWT (an OAuth authorization code, say) in place of the JWT
   * checks: returns its lifetime, or throws a `WidgetTokenError` to refuse it.
   */
  inspect?(credential: string, options: InspectOptions): TokenInfo
  /** The SDK ended (the portal session is gone): sign the visitor out of the widget. */
  ended?(error: WidgetTokenError): void
}
