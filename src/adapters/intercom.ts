import type { WidgetAdapter } from './adapter'
import { waitFor } from './wait'

export type IntercomCommand = (command: 'boot' | 'update' | 'shutdown', settings?: Record<string, unknown>) => unknown

export interface IntercomWidgetOptions {
  /** The boot settings without the JWT: `app_id` and whatever else your Messenger takes. */
  settings: { app_id: string; [key: string]: unknown }
  /** The `aud` your tokens carry, to check before the widget sees them. */
  audience?: string
  /** Finds `Intercom`. Default: `window.Intercom`. */
  intercom?: () => IntercomCommand | undefined
  /** How long to wait for the Intercom snippet. Default 30 s. */
  waitMs?: number
}

/**
 * The Intercom Messenger with JWT-secured users: the first token boots it (`intercom_user_jwt`),
 * later ones go through `Intercom('update')`, and `shutdown` ends it with the portal session.
 *
 * @example
 * import { intercomWidget } from 'widget-token/intercom'
 * createTokenManager({ endpoint: '/api/intercom/token', widget: intercomWidget({ settings: { app_id: 'abc123' } }) })
 */
export function intercomWidget({
  settings,
  audience,
  intercom = () => (globalThis as { Intercom?: IntercomCommand }).Intercom,
  waitMs = 30_000,
}: IntercomWidgetOptions): WidgetAdapter {
  return {
    audience,
    attach: () => () => {},
    async apply(token, { first, signal }) {
      const Intercom = await waitFor(intercom, waitMs, signal, 'window.Intercom')
      if (first) Intercom('boot', { ...settings, intercom_user_jwt: token })
      else Intercom('update', { intercom_user_jwt: token })
    },
    ended() {
      intercom()?.('shutdown')
    },
  }
}
