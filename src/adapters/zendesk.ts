/**
 * The adapter for Zendesk Messaging: answers `loginUser`'s JWT callback with a fresh token whenever
 * Zendesk asks.
 *
 * @module
 */
import type { WidgetAdapter } from './adapter'
import { waitFor } from './wait'

/** What Zendesk's `loginCallback` receives when a sign-in fails. */
export interface ZendeskLoginFailedError {
  message: string
  reason: string
  type: string
}

/** Zendesk's `zE` command function, as far as the adapter uses it (the widget's own `zE` fits). */
export interface ZendeskCommand {
  (
    scope: 'messenger',
    method: 'loginUser',
    jwtCallback: (callback: (jwt: string) => void) => void,
    loginCallback?: (error: ZendeskLoginFailedError | null) => void,
  ): void
  (scope: 'messenger', method: 'logoutUser'): void
}

export interface ZendeskWidgetOptions {
  /** The `aud` your tokens carry, to check before the widget sees them. */
  audience?: string
  /** Finds `zE`. Default: `window.zE`, which exists once Zendesk's snippet has loaded. */
  zE?: () => ZendeskCommand | undefined
  /** How long to wait for the snippet before reporting it missing. Default 30 s. */
  waitMs?: number
  /**
   * Sign-ins tried again after Zendesk reports a failed one; each asks for a JWT that waits for the
   * manager's backoff (`retry`). Default 3.
   */
  signInRetries?: number
}

/**
 * Zendesk Messaging with authenticated visitors. The adapter signs the visitor in with
 * `zE('messenger', 'loginUser', …)` as soon as Zendesk's snippet has loaded; Zendesk asks for a JWT
 * whenever it needs one and each time gets a fresh one from the portal backend. A failed sign-in is
 * a `widget_rejected` error and is tried again after the manager's backoff; a snippet that never
 * loads ends the run with `widget_unavailable`; `logoutUser` runs when the portal session ends.
 *
 * @example
 * import { zendeskWidget } from 'widget-token/zendesk'
 * createTokenManager({ endpoint: '/api/zendesk/token', widget: zendeskWidget() }).start()
 */
export function zendeskWidget({
  audience,
  zE = () => (globalThis as { zE?: ZendeskCommand }).zE,
  waitMs = 30_000,
  signInRetries = 3,
}: ZendeskWidgetOptions = {}): WidgetAdapter {
  return {
    audience,
    attach(host) {
      const attached = new AbortController()
      let failures = 0
      const signIn = (api: ZendeskCommand) =>
        api(
          'messenger',
          'loginUser',
          (callback) => {
            // A stopped manager rejects; Zendesk then keeps the visitor as they are.
            host.token().then((jwt) => attached.signal.aborted || callback(jwt), () => {})
          },
          (error) => {
            if (!error) failures = 0
            if (!error || attached.signal.aborted) return
            // The refusal starts the manager's backoff, which the next sign-in's JWT waits out.
            host.refused(error)
            if (failures++ < signInRetries) signIn(api)
          },
        )
      waitFor(zE, waitMs, attached.signal, 'window.zE').then(
        (api) => attached.signal.aborted || signIn(api),
        (error: unknown) => attached.signal.aborted || host.refused(error),
      )
      return () => attached.abort()
    },
    ended() {
      zE()?.('messenger', 'logoutUser')
    },
  }
}
