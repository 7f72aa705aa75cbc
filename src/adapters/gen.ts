import { WidgetTokenError } from '../errors'
import type { WidgetAdapter, WidgetHost } from './adapter'
import { waitFor } from './wait'

/** The Embedded CX widget configuration, without the token: the adapter adds it. */
export interface GenConfig {
  organization: { id: string; region?: string; [key: string]: unknown }
  settings?: { [key: string]: unknown }
  [key: string]: unknown
}

/** The part of the `gen` widget API the adapter uses. */
export interface GenApi {
  init(config: GenConfig): unknown
  updateConfiguration?: ((config: GenConfig) => unknown) | undefined
  on(event: 'disconnected', handler: (detail?: GenDisconnect) => void): unknown
  off?: ((event: 'disconnected', handler: (detail?: GenDisconnect) => void) => unknown) | undefined
}

/** What a `disconnected` event may say; `reason: 'expired'` when the widget's token ran out. */
export interface GenDisconnect {
  reason?: string | undefined
}

export interface GenWidgetOptions {
  /** The widget configuration without `settings.authentication`. `organization.id` is the expected `aud`. */
  config: GenConfig
  /** The widget, or a function that finds it. Default: `window.gen`, waited for if its script loads later. */
  gen?: GenApi | (() => GenApi | undefined)
  /** How long to wait for the widget script before giving up with `widget_unavailable`. Default 30 s. */
  waitMs?: number
  /**
   * What a later token does when `gen.updateConfiguration` throws: `'reinit'` starts the widget
   * again with `gen.init` (the guide's soft re-initialisation; it may reset a conversation under
   * way), `'fail'` reports a retryable `widget_rejected` and tries again later. Default `'reinit'`.
   * A widget without `updateConfiguration` is always re-initialised.
   */
  onUpdateFailure?: 'reinit' | 'fail'
  /** The session ended (the `ended` event, e.g. a 401/403): sign the visitor out with whatever your `gen` offers. */
  ended?: ((error: WidgetTokenError) => void) | undefined
}

/**
 * The Embedded CX `gen` widget as the token-management guide describes it: the first token starts it
 * with `gen.init`, and so does the first token after the widget disconnected or its token ran out
 * (a disconnected widget "requires re-initialization"); planned refreshes of a connected widget go
 * through `gen.updateConfiguration`, or a soft re-init where that is missing or (with
 * `onUpdateFailure: 'reinit'`) throws.
 *
 * @example
 * createTokenManager({
 *   endpoint: '/api/v1/embedded-cx/token',
 *   widget: genWidget({ config: { organization: { id: ORG_ID, region: 'mypurecloud.com' } } }),
 * })
 */
export function genWidget({ config, gen, waitMs = 30_000, onUpdateFailure = 'reinit', ended }: GenWidgetOptions): WidgetAdapter {
  if (onUpdateFailure !== 'reinit' && onUpdateFailure !== 'fail') throw new TypeError('widget-token: onUpdateFailure')
  const find = typeof gen === 'function' ? gen : () => gen ?? (globalThis as { gen?: GenApi }).gen
  let host: WidgetHost | undefined
  let subscribed: GenApi | undefined
  const onDisconnected = (detail?: GenDisconnect) => (detail?.reason === 'expired' ? host?.expired() : host?.disconnected())

  const unsubscribe = () => {
    subscribed?.off?.('disconnected', onDisconnected)
    subscribed = undefined
  }

  return {
    audience: config.organization.id,
    waitMs,
    ended: (error) => ended?.(error),
    attach(newHost) {
      host = newHost
      return () => {
        unsubscribe()
        host = undefined
      }
    },
    async apply(token, { first, restart, signal }) {
      const api = await waitFor(() => find()?.init && find(), waitMs, signal, 'window.gen')
      const withToken: GenConfig = {
        ...config,
        settings: { ...config.settings, authentication: { method: 'jwt', token } },
      }
      // A disconnected widget ignores updates, and one without updateConfiguration can only be started again.
      let start = first || restart || !api.updateConfiguration
      for (;;) {
        // A session stopped while the widget was found or while it turned down an update gets no further call.
        signal.throwIfAborted()
        try {
          await (start ? api.init(withToken) : api.updateConfiguration!(withToken))
          break
        } catch (cause) {
          if (start || onUpdateFailure === 'fail') throw new WidgetTokenError('widget_rejected', 'gen', { cause })
          start = true
        }
      }
      if (subscribed !== api && host) {
        unsubscribe()
        api.on('disconnected', onDisconnected)
        subscribed = api
      }
    },
  }
}
