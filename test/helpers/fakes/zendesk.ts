/// <reference types="zendesk-web-widget" />
import { jwtDecode } from 'jwt-decode'

type LoginFailedError = zE.LoginFailedError

/**
 * The Zendesk messaging Web Widget's authentication API as the page sees it, typed by
 * `@types/zendesk-web-widget`. Sources, cited per behaviour below:
 * - [auth]: https://developer.zendesk.com/api-reference/widget-messaging/web/authentication/
 * - [install]: https://developer.zendesk.com/documentation/zendesk-web-widget-sdks/sdks/web/getting_started/
 *   (the snippet is one `<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=…">`)
 */
export function createFakeZendesk({ loaded = true, accept = (_jwt: string): boolean => true } = {}) {
  let jwtCallback: ((callback: (jwt: string) => void) => void) | undefined
  let loginCallback: ((error: LoginFailedError | null) => void) | undefined
  let signedIn = false
  let loginCalls = 0
  const received: string[] = []

  // [auth] the widget asks jwtCallback for a JWT at sign-in and again whenever it needs an updated
  // one; the outcome goes to loginCallback: null, or a LoginFailedError. [auth] "A request made
  // with a JWT which has an exp that is in the past is rejected."
  const askForJwt = () =>
    jwtCallback?.((jwt) => {
      received.push(jwt)
      const exp = jwtDecode(jwt).exp ?? 0
      signedIn = accept(jwt) && exp * 1000 > Date.now()
      loginCallback?.(signedIn ? null : { message: 'Invalid JWT', reason: 'invalid_jwt', type: 'LoginFailedError' })
    })

  // Typed by the vendor's declaration: every overload the adapter may call must be accepted.
  const command = ((scope: string, method: string, ...args: unknown[]): void => {
    if (scope !== 'messenger') return
    if (method === 'loginUser') {
      loginCalls++
      ;[jwtCallback, loginCallback] = args as [typeof jwtCallback, typeof loginCallback]
      askForJwt()
    }
    // [auth] logoutUser reverts the widget to its pre-login state.
    if (method === 'logoutUser') signedIn = false
  }) as typeof zE

  // [install] `zE` exists only once the snippet script has run; there is no command queue before it.
  let current: typeof zE | undefined = loaded ? command : undefined
  return {
    get zE() {
      return current
    },
    /** The snippet script finished loading. */
    load() {
      current = command
    },
    received,
    get signedIn() {
      return signedIn
    },
    get loginCalls() {
      return loginCalls
    },
    /** The widget needs an updated JWT (an existing session accessed again, an expired token). */
    askForJwt,
  }
}
