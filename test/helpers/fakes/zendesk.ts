/**
 * Zendesk Messaging's authentication API, after
 * https://developer.zendesk.com/api-reference/widget-messaging/web/authentication/ :
 * `zE('messenger', 'loginUser', jwtCallback, loginCallback)` calls `jwtCallback(callback)` whenever
 * it needs a JWT, and `loginCallback(error)` with the outcome; `zE('messenger', 'logoutUser')`.
 */
export function createFakeZendesk({ accept = (_jwt: string): boolean => true } = {}) {
  let jwtCallback: ((callback: (jwt: string) => void) => void) | undefined
  let loginCallback: ((error: unknown) => void) | undefined
  const received: string[] = []
  let loggedOut = false
  const zE = (_widget: 'messenger', command: 'loginUser' | 'logoutUser', jwt?: typeof jwtCallback, login?: typeof loginCallback) => {
    if (command === 'logoutUser') loggedOut = true
    else [jwtCallback, loginCallback] = [jwt, login]
  }
  return {
    zE,
    received,
    get loggedOut() {
      return loggedOut
    },
    /** Asks for a JWT as the widget does at sign-in and when its token expired. */
    askForJwt() {
      jwtCallback?.((jwt) => {
        received.push(jwt)
        loginCallback?.(accept(jwt) ? null : { message: 'invalid JWT' })
      })
    },
  }
}
