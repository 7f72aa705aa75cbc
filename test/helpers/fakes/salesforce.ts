import { jwtDecode } from 'jwt-decode'
import { vi } from 'vitest'
import type { EmbeddedServiceBootstrap } from '../../../src/adapters/salesforce'

const READY = 'onEmbeddedMessagingReady'
const TOKEN_EXPIRED = 'onEmbeddedMessagingIdentityTokenExpired'
// The client waits this long for a new identity token after its expiry event.
const SET_IDENTITY_TOKEN_TIMEOUT_MS = 30_000

/**
 * Salesforce Messaging for In-App and Web (Embedded Messaging) with user verification, as the page
 * sees it. Sources, cited per behaviour below:
 * - [bootstrap]: the client script Salesforce serves to every deployment (`bootstrap.js`:
 *   `EmbeddedMessagingUserVerification.prototype.setIdentityToken` and `.clearSession`,
 *   `validateJwt`, `handleIdentityTokenExpiry`, `resetClientToInitialState`, `removeMarkup`);
 * - [events]: https://developer.salesforce.com/docs/service/messaging-web/references/m4w-reference/event-listeners.html
 * - [api]: https://developer.salesforce.com/docs/service/messaging-web/references/m4w-reference/userVerificationAPI.html
 * - [guide]: https://developer.salesforce.com/docs/service/messaging-web/guide/user-verification.html
 */
export function createFakeSalesforce() {
  let readyFired = false
  let identityToken: string | undefined
  let expiryWait: ReturnType<typeof setTimeout> | undefined
  const tokens: string[] = []
  let resets = 0

  // [bootstrap] resetClientToInitialState → removeMarkup: the button goes and Ready fires again
  // "for subsequent conversations/sessions"; [events] lists the same for a logged-out user.
  const reset = () => {
    identityToken = undefined
    resets++
    dispatchEvent(new Event(READY))
  }

  const userVerificationAPI = {
    // [bootstrap] returns a boolean and never throws: false before Ready, for any type but JWT, and
    // for a JWT whose `exp` is not after the device clock (`Math.floor(Date.now()/1000) < exp`).
    setIdentityToken: vi.fn(({ identityTokenType, identityToken: token }: { identityTokenType: 'JWT'; identityToken: string }): boolean => {
      if (!readyFired || identityTokenType.trim().toUpperCase() !== 'JWT') return false
      let exp: number | undefined
      try {
        exp = jwtDecode(token).exp
      } catch {
        return false
      }
      if (!(exp !== undefined && Math.floor(Date.now() / 1000) < exp)) return false
      identityToken = token
      tokens.push(token)
      // [bootstrap] a valid token resolves the wait started by the expiry event.
      clearTimeout(expiryWait)
      expiryWait = undefined
      return true
    }),
    // [api] `clearSession(true)` ends an authenticated session and returns a promise; [bootstrap]
    // it rejects before Ready, and resets the client (so Ready fires again) once cleared.
    clearSession: vi.fn((_shouldEndSession?: boolean): Promise<void> => {
      if (!readyFired) return Promise.reject(new Error("Method can't be invoked before the onEmbeddedMessagingReady event is fired."))
      reset()
      return Promise.resolve()
    }),
  }
  const bootstrap = { userVerificationAPI } satisfies EmbeddedServiceBootstrap

  return {
    bootstrap,
    /** Every identity token the client accepted, in order. */
    tokens,
    /** How many times the client reset the verified session. */
    get resets() {
      return resets
    },
    /** [guide] the conversation button renders once the API holds a valid identity token. */
    get buttonShown() {
      return identityToken !== undefined
    },
    /** [events] the client is ready for `setIdentityToken`. */
    ready() {
      readyFired = true
      dispatchEvent(new Event(READY))
    },
    /** [events] the visitor signed out elsewhere (another tab cleared the session): the client resets. */
    resetSession: reset,
    /**
     * [events] the visitor interacts after both tokens expired: the client fires its expiry event and
     * clears the session unless a valid token arrives within 30 s ([bootstrap] SET_IDENTITY_TOKEN_TIMEOUT).
     */
    tokenExpired() {
      dispatchEvent(new Event(TOKEN_EXPIRED))
      expiryWait = setTimeout(reset, SET_IDENTITY_TOKEN_TIMEOUT_MS)
    },
  }
}
