import { WidgetTokenError } from '../errors'
import { createHttpSource, type FetchToken } from '../source'
import type { WidgetAdapter } from './adapter'

/** What Web Messenger's `getAuthCode` resolves with. */
export interface AuthCode {
  authCode: string
  redirectUri: string
  codeVerifier?: string
}

interface CommandEvent<T = unknown> {
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
  /** How long an authorization code may be used. Default 60 s. */
  codeLifetimeSeconds?: number
}

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
  codeLifetimeSeconds = 60,
}: GenesysMessengerOptions = {}): WidgetAdapter {
  return {
    // An authorization code is redeemed once: no other tab and no second caller may get it.
    singleUse: true,
    attach(host) {
      let attached = true
      const answer = (event: CommandEvent<AuthCode | void>) => {
        if (!attached) return event.reject(new Error('signed out'))
        host.token().then((credential) => event.resolve(JSON.parse(credential) as AuthCode), (error: unknown) => event.reject(error))
      }
      genesys()?.('registerPlugin', 'AuthProvider', (AuthProvider: AuthProviderPlugin) => {
        AuthProvider.registerCommand('getAuthCode', answer)
        // The portal session is the identity provider's session here: nothing to show, the next
        // getAuthCode fetches a fresh code.
        AuthProvider.registerCommand('reAuthenticate', (event) => event.resolve())
        for (const error of ['Auth.authError', 'Auth.tokenError']) AuthProvider.subscribe(error, (data) => host.refused(data))
        AuthProvider.subscribe('MessagingService.reconnected', () => host.expired())
        AuthProvider.ready()
      })
      return () => (attached = false)
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
      genesys()?.('command', 'Auth.logout')
    },
  }
}

export interface AuthCodeSourceOptions {
  /** Answers `{ authCode, redirectUri, codeVerifier?, expiresIn? }` for the portal session. */
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
    const { authCode, redirectUri, codeVerifier, expiresIn } = (await response.json().catch(() => ({}))) as AuthCode & { expiresIn?: number }
    const token = typeof authCode === 'string' ? JSON.stringify({ authCode, redirectUri, codeVerifier }) : undefined
    return new Response(JSON.stringify({ token, expiresIn }), { status: response.status })
  }
  return createHttpSource({ endpoint, refreshEndpoint: endpoint, fetch: repack })
}
