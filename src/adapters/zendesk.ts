import type { WidgetAdapter } from './adapter'

/** Zendesk's `zE` command function, as far as the adapter uses it. */
export type ZendeskCommand = (
  widget: 'messenger',
  command: 'loginUser' | 'logoutUser',
  jwtCallback?: (callback: (jwt: string) => void) => void,
  loginCallback?: (error: unknown) => void,
) => unknown

export interface ZendeskWidgetOptions {
  /** The `aud` your tokens carry, to check before the widget sees them. */
  audience?: string
  /** Finds `zE`. Default: `window.zE`, which Zendesk's snippet defines as soon as it runs. */
  zE?: () => ZendeskCommand | undefined
}

/**
 * Zendesk Messaging with authenticated visitors. Zendesk asks for a JWT whenever it needs one
 * (sign-in, an expired token); each time it gets a fresh one from the portal backend. A failed
 * sign-in becomes a `widget_rejected` error; `logoutUser` runs when the portal session ends.
 *
 * @example
 * import { zendeskWidget } from 'widget-token/zendesk'
 * createTokenManager({ endpoint: '/api/zendesk/token', widget: zendeskWidget() }).start()
 */
export function zendeskWidget({
  audience,
  zE = () => (globalThis as { zE?: ZendeskCommand }).zE,
}: ZendeskWidgetOptions = {}): WidgetAdapter {
  let attached = false
  return {
    audience,
    attach(host) {
      attached = true
      zE()?.(
        'messenger',
        'loginUser',
        (callback) => {
          // A stopped manager rejects; Zendesk then keeps the visitor as they are.
          if (attached) host.token().then(callback, () => {})
        },
        (error) => {
          if (error) host.refused(error)
        },
      )
      return () => (attached = false)
    },
    ended() {
      zE()?.('messenger', 'logoutUser')
    },
  }
}
