import { vi } from 'vitest'

/**
 * Salesforce Embedded Messaging's user verification, after
 * https://developer.salesforce.com/docs/service/messaging-web/guide/user-verification.html :
 * `onEmbeddedMessagingReady` fires on window when the client is ready; `setIdentityToken` takes
 * `{ identityTokenType: 'JWT', identityToken }`; `onEmbeddedMessagingIdentityTokenExpired` asks
 * for a new token; `clearSession()` ends the verified session.
 */
export function createFakeSalesforce() {
  const tokens: string[] = []
  const bootstrap = {
    userVerificationAPI: {
      setIdentityToken: vi.fn(({ identityToken }: { identityTokenType: 'JWT'; identityToken: string }) => {
        tokens.push(identityToken)
      }),
      clearSession: vi.fn(),
    },
  }
  return {
    bootstrap,
    tokens,
    ready: () => dispatchEvent(new Event('onEmbeddedMessagingReady')),
    tokenExpired: (name = 'onEmbeddedMessagingIdentityTokenExpired') => dispatchEvent(new Event(name)),
  }
}
