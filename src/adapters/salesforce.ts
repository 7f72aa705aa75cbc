import type { WidgetAdapter } from './adapter'
import { waitFor } from './wait'

/** The part of Salesforce Embedded Messaging's `embeddedservice_bootstrap` the adapter uses. */
export interface EmbeddedServiceBootstrap {
  userVerificationAPI: {
    setIdentityToken(token: { identityTokenType: 'JWT'; identityToken: string }): unknown
    clearSession(onlyClearSession?: boolean): unknown
  }
}

export interface SalesforceWidgetOptions {
  /** The `aud` your tokens carry, to check before the widget sees them. */
  audience?: string
  /** Finds the bootstrap object. Default: `window.embeddedservice_bootstrap`. */
  bootstrap?: () => EmbeddedServiceBootstrap | undefined
  /** How long to wait for `onEmbeddedMessagingReady`. Default 30 s. */
  waitMs?: number
  /**
   * The widget fired `onEmbeddedMessagingReady` before the manager started. Start the manager
   * before `embeddedservice_bootstrap.init()` and leave this out.
   */
  ready?: boolean
}

const READY = 'onEmbeddedMessagingReady'
// The current name, and the one earlier releases used; the widget waits about 30 s for an answer.
const TOKEN_EXPIRED = ['onEmbeddedMessagingIdentityTokenExpired', 'onEmbeddedMessagingTokenExpired']

/**
 * Salesforce Embedded Messaging (Messaging for In-App and Web) with user verification: tokens go
 * through `userVerificationAPI.setIdentityToken` once the widget is ready, an expired identity token
 * is answered at once, and `clearSession()` signs the visitor out when the portal session ends.
 *
 * @example
 * import { salesforceWidget } from 'widget-token/salesforce'
 * createTokenManager({ endpoint: '/api/messaging/token', widget: salesforceWidget() })
 */
export function salesforceWidget({
  audience,
  bootstrap = () => (globalThis as { embeddedservice_bootstrap?: EmbeddedServiceBootstrap }).embeddedservice_bootstrap,
  waitMs = 30_000,
  ready = false,
}: SalesforceWidgetOptions = {}): WidgetAdapter {
  const onReady = () => (ready = true)
  return {
    audience,
    attach(host) {
      const onExpired = () => host.expired()
      addEventListener(READY, onReady)
      for (const type of TOKEN_EXPIRED) addEventListener(type, onExpired)
      return () => {
        removeEventListener(READY, onReady)
        for (const type of TOKEN_EXPIRED) removeEventListener(type, onExpired)
      }
    },
    async apply(token, { signal }) {
      const api = await waitFor(() => ready && bootstrap()?.userVerificationAPI, waitMs, signal, 'onEmbeddedMessagingReady')
      api.setIdentityToken({ identityTokenType: 'JWT', identityToken: token })
    },
    ended() {
      bootstrap()?.userVerificationAPI.clearSession()
    },
  }
}
