/**
 * The adapter for the Intercom Messenger: boots it with the first `intercom_user_jwt` and updates it
 * within Intercom's update budget.
 *
 * @module
 */
import { WidgetTokenError } from '../errors'
import type { WidgetAdapter } from './adapter'
import { waitFor } from './wait'

export type IntercomCommand = (command: 'boot' | 'update' | 'shutdown', settings?: Record<string, unknown>) => unknown

export interface IntercomSettings {
  app_id: string
  [key: string]: unknown
}

export interface IntercomWidgetOptions {
  /** The boot settings without the JWT: `app_id` and whatever else your Messenger takes. */
  settings: IntercomSettings
  /** The `aud` your tokens carry, to check before the widget sees them. */
  audience?: string
  /**
   * Starts the Messenger with the first token. Default: `Intercom('boot', settings)`. With
   * `@intercom/messenger-js-sdk` pass its `Intercom` export, which installs and boots in one call,
   * and do not call it yourself.
   */
  boot?: ((settings: IntercomSettings & { intercom_user_jwt: string }) => unknown) | undefined
  /** Finds `Intercom`. Default: `window.Intercom`. */
  intercom?: () => IntercomCommand | undefined
  /** How long to wait for the Intercom snippet. Default 30 s. */
  waitMs?: number
  /**
   * `update` calls the adapter may make in any 30 minutes. Intercom allows 20, shared with the
   * page's own calls; a refresh beyond this waits for the window to move on. Default 10.
   */
  updatesPer30Minutes?: number
}

const THROTTLE_WINDOW_MS = 30 * 60_000

/**
 * The Intercom Messenger with JWT-secured users: the first token boots it (`intercom_user_jwt`),
 * later ones go through `Intercom('update')` within Intercom's update limit, a token for another
 * `user_id` ends the session, and `shutdown` ends it with the portal session.
 *
 * @example
 * import { intercomWidget } from 'widget-token/intercom'
 * createTokenManager({ endpoint: '/api/intercom/token', widget: intercomWidget({ settings: { app_id: 'abc123' } }) })
 */
export function intercomWidget({
  settings,
  audience,
  boot,
  intercom = () => (globalThis as { Intercom?: IntercomCommand }).Intercom,
  waitMs = 30_000,
  updatesPer30Minutes = 10,
}: IntercomWidgetOptions): WidgetAdapter {
  // The booted user, kept across restarts of the manager: the Messenger stays booted until shutdown.
  let userId: unknown
  let booted = false
  let updatedAt: number[] = []
  return {
    audience,
    waitMs,
    attach: () => () => {},
    async apply(token, { signal }) {
      const tokenUserId = claims(token).user_id
      if (!booted) {
        const withToken = { ...settings, intercom_user_jwt: token }
        if (boot) boot(withToken)
        else {
          const command = await waitFor(intercom, waitMs, signal, 'window.Intercom')
          // Resumed after the script was found: stop() may have run meanwhile.
          signal.throwIfAborted()
          command('boot', withToken)
        }
        ;[booted, userId, updatedAt] = [true, tokenUserId, []]
        return
      }
      // Another visitor needs a shutdown and a new boot, which only the page can decide on.
      if (tokenUserId !== userId) throw new WidgetTokenError('widget_rejected', 'the token is for another user_id', { retryable: false })
      const now = Date.now()
      updatedAt = updatedAt.filter((at) => at > now - THROTTLE_WINDOW_MS)
      if (updatedAt.length >= updatesPer30Minutes) {
        const retryAfterMs = updatedAt[0]! + THROTTLE_WINDOW_MS - now
        throw new WidgetTokenError('widget_rejected', 'update limit reached', { retryAfterMs })
      }
      const command = await waitFor(intercom, waitMs, signal, 'window.Intercom')
      signal.throwIfAborted()
      command('update', { intercom_user_jwt: token })
      updatedAt.push(now)
    },
    ended() {
      if (booted) intercom()?.('shutdown')
      booted = false
    },
  }
}

// The token passed the manager's checks before it got here: its payload decodes.
function claims(token: string): { user_id?: unknown } {
  return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { user_id?: unknown }
}
