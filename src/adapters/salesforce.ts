/**
 * The adapter for Salesforce Messaging for In-App and Web (Embedded Messaging): pushes identity
 * tokens with `setIdentityToken` and answers the identity-token expiry event.
 *
 * @module
 */
import { WidgetTokenError } from '../errors'
import type { WidgetAdapter } from './adapter'
import { waitFor } from './wait'

/** The part of Salesforce Embedded Messaging's `embeddedservice_bootstrap` the adapter uses. */
export interface EmbeddedServiceBootstrap {
  userVerificationAPI: {
    /** False (it never throws) when the client refuses the token, e.g. one whose `exp` has passed on the device clock. */
    setIdentityToken(token: { identityTokenType: 'JWT'; identityToken: string }): boolean
    clearSession(shouldEndSession?: boolean): Promise<void>
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
// Salesforce clears the session if no valid token arrives within 30 s of this event.
const TOKEN_EXPIRED = 'onEmbeddedMessagingIdentityTokenExpired'

/**
 * Salesforce Messaging for In-App and Web (Embedded Messaging) with user verification: tokens go
 * through `userVerificationAPI.setIdentityToken` once the widget is ready, a token it refuses is a
 * `widget_rejected` error, an expired identity token is answered at once, a session Salesforce
 * reset gets a new token, and `clearSession(true)` signs the visitor out when the portal session ends.
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
  return {
    audience,
    waitMs,
    attach(host) {
      const onReady = () => {
        ready = true
        // Ready again after a token was set: the client reset the session (a sign-out in another
        // tab, an expiry left unanswered) and shows no button until it gets a token. The first
        // Ready comes while the first token is on its way, which the manager brings in all the same.
        host.disconnected()
      }
      const onExpired = () => host.expired()
      addEventListener(READY, onReady)
      addEventListener(TOKEN_EXPIRED, onExpired)
      return () => {
        removeEventListener(READY, onReady)
        removeEventListener(TOKEN_EXPIRED, onExpired)
      }
    },
    async apply(token, { signal }) {
      const api = await waitFor(() => ready && bootstrap()?.userVerificationAPI, waitMs, signal, READY)
      // Resumed after the widget was found: stop() may have run meanwhile.
      signal.throwIfAborted()
      if (!api.setIdentityToken({ identityTokenType: 'JWT', identityToken: token })) {
        throw new WidgetTokenError('widget_rejected', 'setIdentityToken refused the token')
      }
    },
    ended() {
      bootstrap()?.userVerificationAPI.clearSession(true).catch(() => {})
    },
  }
}
