/**
 * The adapter for Genesys Cloud Web Messenger: an `AuthProvider` plugin that answers `getAuthCode`
 * with a single-use OAuth code from your backend (`authCodeSource`).
 *
 * @module
 */
import { WidgetTokenError } from '../errors'
import { createHttpSource, type FetchToken } from '../source'
import type { WidgetAdapter, WidgetHost } from './adapter'
import { waitFor } from './wait'

/** What Web Messenger's `getAuthCode` resolves with; the backend's answer, passed on as it is. */
export interface AuthCode {
  authCode: string
  redirectUri: string
  /** With PKCE. */
  codeVerifier?: string
  /** For an Okta identity provider. */
  nonce?: string
  /** For an Okta identity provider, in seconds. */
  maxAge?: number
  /** The issuer from the authorization response, when the identity provider gives one. */
  iss?: string
}

export interface CommandEvent<T = unknown> {
  resolve(value?: T): void
  reject(error?: unknown): void
}

/** The AuthProvider plugin object Web Messenger hands to `registerPlugin`. */
export interface AuthProviderPlugin {
  registerCommand(command: 'getAuthCode' | 'reAuthenticate', handler: (event: CommandEvent<AuthCode | void>) => void): void
  subscribe(event: string, handler: (data?: unknown) => void): void
  ready(): void
}

export type GenesysCommand = (command: string, ...args: unknown[]) => unknown

export interface GenesysMessengerOptions {
  /** Finds `Genesys`. Default: `window.Genesys`, the command queue of the Messenger snippet. */
  genesys?: () => GenesysCommand | undefined
  /** How long to wait for the Messenger snippet to define `Genesys` before reporting it missing. Default 30 s. */
  waitMs?: number
  /** How long an authorization code may be used. Default 60 s. */
  codeLifetimeSeconds?: number
  /**
   * Re-authentications allowed after Genesys refused codes in a row; each next code waits for the
   * manager's backoff (`retry`). Default 3.
   */
  reAuthenticateRetries?: number
}

/**
 * The page's one Messenger takes one AuthProvider: it is registered once per page, and answers for
 * whichever session runs. Kept per page, not per `Genesys` function: the loaded SDK replaces the
 * snippet's command queue.
 */
interface Route {
  host?: WidgetHost | undefined
  refusals: number
}
let route: Route | undefined

/**
 * Genesys Cloud Web Messenger with authenticated conversations. The Messenger asks for an OAuth
 * authorization code (`getAuthCode`, and again after `reAuthenticate`); each is fetched from the
 * portal backend's session, silently, without a page reload. Its credential is a code, not a JWT:
 * use {@link authCodeSource} as the manager's `fetchToken`.
 *
 * @example
 * import { authCodeSource, genesysMessenger } from 'widget-token/messenger'
 * createTokenManager({
 *   fetchToken: authCodeSource({ endpoint: '/api/messenger/auth-code' }),
 *   widget: genesysMessenger(),
 * }).start()
 */
export function genesysMessenger({
  genesys = () => (globalThis as { Genesys?: GenesysCommand }).Genesys,
  waitMs = 30_000,
  codeLifetimeSeconds = 60,
  reAuthenticateRetries = 3,
}: GenesysMessengerOptions = {}): WidgetAdapter {
  const register = (api: GenesysCommand, route: Route) =>
    api('registerPlugin', 'AuthProvider', (AuthProvider: AuthProviderPlugin) => {
      AuthProvider.registerCommand('getAuthCode', (event) => {
        if (!route.host) return event.reject(new Error('signed out'))
        route.host.token().then((credential) => event.resolve(JSON.parse(credential) as AuthCode), (error: unknown) => event.reject(error))
      })
      // The portal session is the identity provider's session here: nothing to show, Messenger asks
      // getAuthCode for a fresh code next, which waits out the backoff a refusal started. Codes
      // Genesys keeps refusing end the loop.
      AuthProvider.registerCommand('reAuthenticate', (event) =>
        route.host && route.refusals <= reAuthenticateRetries ? event.resolve() : event.reject(new Error('sign-in refused')),
      )
      AuthProvider.subscribe('Auth.authError', (error) => {
        route.refusals++
        route.host?.refused(error)
      })
      AuthProvider.subscribe('Auth.authenticated', () => (route.refusals = 0))
      AuthProvider.ready()
    })

  return {
    // An authorization code is redeemed once: no other tab and no second caller may get it.
    singleUse: true,
    attach(host) {
      const attached = new AbortController()
      const join = (api: GenesysCommand) => {
        if (!route) register(api, (route = { refusals: 0 }))
        route.host = host
      }
      waitFor(genesys, waitMs, attached.signal, 'window.Genesys').then(
        (api) => attached.signal.aborted || join(api),
        (error: unknown) => attached.signal.aborted || host.refused(error),
      )
      return () => {
        attached.abort()
        if (route?.host === host) route.host = undefined
      }
    },
    inspect(credential, { sentAt, expiresIn }) {
      let code: Partial<AuthCode> | undefined
      try {
        code = JSON.parse(credential) as Partial<AuthCode>
      } catch {}
      if (typeof code?.authCode !== 'string' || typeof code.redirectUri !== 'string') {
        throw new WidgetTokenError('malformed_token', 'not an authorization code')
      }
      const lifetimeMs = (expiresIn ?? codeLifetimeSeconds) * 1000
      if (lifetimeMs <= 0) throw new WidgetTokenError('expired_token')
      return { issuedAt: sentAt, expiresAt: sentAt + lifetimeMs, lifetimeMs, bytes: credential.length, skewMs: undefined }
    },
    ended() {
      Promise.resolve(genesys()?.('command', 'Auth.logout')).catch(() => {})
    },
  }
}

export interface AuthCodeSourceOptions {
  /** Answers `{ authCode, redirectUri, codeVerifier?, nonce?, maxAge?, iss?, expiresIn? }` for the portal session. */
  endpoint: string
  fetch?: typeof globalThis.fetch
}

/**
 * Fetches authorization codes from the portal backend, with the built-in source's session cookie,
 * timeout and failure handling, and packs each for {@link genesysMessenger}.
 */
export function authCodeSource({ endpoint, fetch = (input, init) => globalThis.fetch(input, init) }: AuthCodeSourceOptions): FetchToken {
  const repack: typeof globalThis.fetch = async (input, init) => {
    const response = await fetch(input, init)
    if (!response.ok) return response
    const { expiresIn, ...code } = (await response.json().catch(() => ({}))) as AuthCode & { expiresIn?: number }
    const token = typeof code.authCode === 'string' ? JSON.stringify(code) : undefined
    return new Response(JSON.stringify({ token, expiresIn }))
  }
  return createHttpSource({ endpoint, refreshEndpoint: endpoint, fetch: repack })
}
