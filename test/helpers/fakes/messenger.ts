import type { AuthCode, AuthProviderPlugin } from '../../../src/adapters/messenger'

type CommandEvent = { resolve(value?: unknown): void; reject(error?: unknown): void }

/**
 * Genesys Cloud Web Messenger's authenticated messaging as the page sees it. Sources, cited per
 * behaviour below:
 * - [provider]: https://developer.genesys.cloud/commdigital/digital/webmessaging/messengersdk/SDKCommandsEvents/authProviderPlugin
 * - [configure]: https://developer.genesys.cloud/commdigital/digital/webmessaging/messengersdk/authenticatedMessenger
 * - [auth]: https://developer.genesys.cloud/commdigital/digital/webmessaging/messengersdk/SDKCommandsEvents/authPlugin
 * - [oauth]: RFC 6749 §4.1.2, an authorization code is used at most once.
 */
export function createFakeMessenger({ accept = (_code: AuthCode): boolean => true, loaded = true } = {}) {
  const commands = new Map<string, (event: CommandEvent) => void>()
  const subscriptions = new Map<string, Array<(data?: unknown) => void>>()
  const calls: unknown[][] = []
  const redeemed = new Set<string>()
  const codes: AuthCode[] = []
  let registrations = 0
  let refusedRegistrations = 0
  let ready = false
  let signedIn = false

  const publish = (event: string, data?: unknown) => subscriptions.get(event)?.forEach((handler) => handler(data))
  const plugin: AuthProviderPlugin = {
    registerCommand: (name, handler) => void commands.set(name, handler as (event: CommandEvent) => void),
    subscribe: (event, handler) => void subscriptions.set(event, [...(subscriptions.get(event) ?? []), handler]),
    ready: () => void (ready = true),
  }

  const command = (command: string, ...args: unknown[]) => {
    calls.push([command, ...args])
    if (command === 'registerPlugin' && args[0] === 'AuthProvider') {
      // The Messenger keeps one plugin per name; this fake refuses a second AuthProvider so a page
      // that registers it twice shows up in the tests.
      if (registrations++) return void refusedRegistrations++
      ;(args[1] as (plugin: AuthProviderPlugin) => void)(plugin)
    }
    // [auth] Auth.logout removes the tokens Messenger generated.
    if (command === 'command' && args[0] === 'Auth.logout') {
      signedIn = false
      return Promise.resolve()
    }
  }

  const run = (name: string) => new Promise((resolve, reject) => commands.get(name)!({ resolve, reject }))

  // [oauth] a code already redeemed is refused; [provider] Messenger then gets the tokens from the
  // code with the Genesys Cloud Auth API, which may refuse it too.
  const redeem = (code: AuthCode) => {
    const fresh = !redeemed.has(code.authCode)
    redeemed.add(code.authCode)
    return fresh && accept(code)
  }

  // [configure] the deployment snippet defines `Genesys` as a command queue; the SDK it loads takes
  // over the global with its own function. Before the snippet has run there is no `Genesys`.
  let Genesys: ((...args: Parameters<typeof command>) => unknown) | undefined = loaded ? (...args) => command(...args) : undefined
  return {
    get Genesys() {
      return Genesys
    },
    /** The deployment snippet ran: `Genesys` is its command queue. */
    loadSnippet() {
      Genesys = (...args: Parameters<typeof command>) => command(...args)
    },
    /** The Messenger SDK finished loading and replaced the snippet's queue. */
    loadSdk() {
      Genesys = (...args: Parameters<typeof command>) => command(...args)
    },
    calls,
    codes,
    get ready() {
      return ready
    },
    get registrations() {
      return registrations
    },
    get refusedRegistrations() {
      return refusedRegistrations
    },
    get signedIn() {
      return signedIn
    },
    getAuthCode: () => run('getAuthCode') as Promise<AuthCode>,
    reAuthenticate: () => run('reAuthenticate'),
    publish,
    /**
     * Messenger signs the visitor in: [provider] it asks getAuthCode for a code and redeems it; a
     * refused code is an Auth.authError ([configure]) and [configure] Messenger calls reAuthenticate
     * "when current refreshToken and/or authCode are no more valid", then after it resolves asks
     * getAuthCode again by itself. [auth] a successful sign-in publishes Auth.authenticated.
     * Resolves once signed in, or when reAuthenticate is rejected; gives up after `rounds` so a
     * page that never backs off cannot spin the test forever.
     */
    async signIn(rounds = 50) {
      for (let round = 0; round < rounds; round++) {
        const code = await run('getAuthCode') as AuthCode
        codes.push(code)
        if (redeem(code)) {
          signedIn = true
          return publish('Auth.authenticated')
        }
        publish('Auth.authError', { errorCode: 'invalid_grant' })
        try {
          await run('reAuthenticate')
        } catch {
          return
        }
      }
    },
  }
}
