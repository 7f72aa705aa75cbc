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
  on(event: 'disconnected', handler: () => void): unknown
  off?: ((event: 'disconnected', handler: () => void) => unknown) | undefined
}

export interface GenWidgetOptions {
  /** The widget configuration without `settings.authentication`. `organization.id` is the expected `aud`. */
  config: GenConfig
  /** The widget, or a function that finds it. Default: `window.gen`, waited for if its script loads later. */
  gen?: GenApi | (() => GenApi | undefined)
  /** How long to wait for the widget script before giving up with `widget_unavailable`. Default 30 s. */
  waitMs?: number
}

/**
 * The Genesys Cloud Embedded CX `gen` widget: the first token starts it with `gen.init`, later ones
 * go through `gen.updateConfiguration`, or a soft re-init where that is missing or fails.
 *
 * @example
 * createTokenManager({
 *   endpoint: '/api/v1/embedded-cx/token',
 *   widget: genWidget({ config: { organization: { id: ORG_ID, region: 'mypurecloud.com' } } }),
 * })
 */
export function genWidget({ config, gen, waitMs = 30_000 }: GenWidgetOptions): WidgetAdapter {
  const find = typeof gen === 'function' ? gen : () => gen ?? (globalThis as { gen?: GenApi }).gen
  let host: WidgetHost | undefined
  let subscribed: GenApi | undefined
  const onDisconnected = () => host?.disconnected()

  const unsubscribe = () => {
    subscribed?.off?.('disconnected', onDisconnected)
    subscribed = undefined
  }

  return {
    audience: config.organization.id,
    waitMs,
    attach(newHost) {
      host = newHost
      return () => {
        unsubscribe()
        host = undefined
      }
    },
    async apply(token, { first, signal }) {
      const api = await waitFor(() => find()?.init && find(), waitMs, signal, 'window.gen')
      const withToken: GenConfig = {
        ...config,
        settings: { ...config.settings, authentication: { method: 'jwt', token } },
      }
      if (first || !(await tryUpdate(api, withToken))) {
        try {
          await api.init(withToken)
        } catch (error) {
          throw new WidgetTokenError('widget_rejected', 'gen.init', { retryable: true, cause: error })
        }
      }
      if (subscribed !== api) {
        unsubscribe()
        api.on('disconnected', onDisconnected)
        subscribed = api
      }
    },
  }
}

async function tryUpdate(api: GenApi, config: GenConfig): Promise<boolean> {
  if (typeof api.updateConfiguration !== 'function') return false
  try {
    await api.updateConfiguration(config)
    return true
  } catch {
    return false
  }
}
