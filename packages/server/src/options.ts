import type { JWK } from 'jose'
import type { ClockGuardOptions } from './clock-guard'
import type { KeysOption } from './keys'
import type { SigningAlgorithm } from './ring'
import type { RateLimit } from './limits'
import { checkTrustProxy } from './proxy'
import type { OperatorEvent } from './report'
import type { Store } from './store'

/** Who the request is for, as the application's own session knows it. */
export interface Authenticated {
  /** The `sub` claim: the visitor's id at the identity provider. */
  subject: string
  /** Extra claims (`embeddedCxCustomer`, `routing`…). A registered one (`aud`, `exp`, `sub`…) is refused with a TypeError. */
  claims?: Record<string, unknown> | undefined
  /** What refreshes are de-duplicated and rate-limited by. Default: `subject`. */
  session?: string | undefined
}

/** What the browser SDK expects from the token endpoints. */
export interface IssuedToken {
  token: string
  /** Seconds the token lives from now. */
  expiresIn: number
}

export interface TokenServiceLogger {
  warn(message: string): void
  error(message: string, error?: unknown): void
}

export interface TokenServiceOptions {
  /** The `iss` claim: your backend's identifier, as registered with the widget's provider. */
  issuer: string
  /** The `aud` claim: the organization id. */
  audience: string
  /** How long each token lives. Default 900 (15 minutes). */
  ttlSeconds?: number | undefined
  /** Reads your session from the request (its cookie); nothing means 401. */
  authenticate: (request: Request) => Authenticated | undefined | Promise<Authenticated | undefined>
  /** Origins allowed to ask for tokens. Default: the origin the request was sent to. */
  allowedOrigins?: readonly string[] | undefined
  /**
   * Signing keys from configuration, the first signs; or a function that reads them (a secret
   * manager), called again every `keysRefreshSeconds`. Default: one generated in memory, with a warning.
   */
  keys?: KeysOption | undefined
  /** How often a `keys` function is called again. Default 300. */
  keysRefreshSeconds?: number | undefined
  /** For generated keys (and rotations without a key). Default RS256. */
  algorithm?: SigningAlgorithm | undefined
  /** Default `/api/v1/embedded-cx`. */
  basePath?: string | undefined
  /** The clock guard; `false` turns it off (the host runs NTP and you accept the risk). */
  clock?: ClockGuardOptions | false | undefined
  /** How long verifiers may cache the JWKS (its `Cache-Control: max-age`). Default 300. */
  jwksMaxAgeSeconds?: number | undefined
  /** Token requests of one session within this window share one token. Default 10 (capped at a quarter of the TTL). */
  refreshWindowSeconds?: number | undefined
  /** Per session. Default 30 per 60 s. */
  sessionRateLimit?: RateLimit | undefined
  /** Per client address. Default 300 per 60 s. */
  addressRateLimit?: RateLimit | undefined
  /**
   * How many proxies (load balancers, CDNs, ingress) stand between the browser and the service; each
   * must append to `X-Forwarded-For`. With it, the origin check reads `X-Forwarded-Proto` and
   * `X-Forwarded-Host` (or `Forwarded`), and the per-address limit the `X-Forwarded-For` entry the
   * outermost proxy wrote (the `trustProxy`-th from the right). Default `false`: the request's own
   * URL and socket. Only set it when the service cannot be reached except through those proxies.
   */
  trustProxy?: number | false | undefined
  /** How the client address is found. Default: the socket of a Node server (Hono, Express, Fastify), or the trusted X-Forwarded-For hop with `trustProxy`. Nothing found: only the per-session limit applies. */
  clientAddress?: ((request: Request, env: unknown) => string | undefined) | undefined
  /** Request bodies above this are refused with 413. Default 1024. */
  maxBodyBytes?: number | undefined
  /**
   * Payloads whose base64url encoding is longer are refused with 422 before signing: the guide's
   * rule (EC3), 3.5 KB with a safety margin under the platform's ~4 KB. Default 3584.
   */
  maxPayloadBytes?: number | undefined
  /** Whole signed tokens above this are refused with 422: what the browser SDK and the widget accept. Default 4096. */
  maxTokenBytes?: number | undefined
  /**
   * State shared by several instances (e.g. `createRedisStore`): the token each session gets within
   * the refresh window, and the key ring's rotation schedule. Requires `keys` from configuration.
   * Default: this process's memory.
   */
  store?: Store | undefined
  /** Default: `console`. Refusals an operator must see, clock alerts and store outages are logged at warn, each reason at most once a minute. */
  logger?: TokenServiceLogger | undefined
  /** Receives every operator event as data (for metrics): refusals, clock drift, store outages. Never a token or a session id. */
  onEvent?: ((event: OperatorEvent) => void) | undefined
  /** The clock used for `iat`, `exp` and rotations. Default `Date.now`. */
  now?: (() => number) | undefined
}

export interface TokenService {
  /** Web-standard handler for `POST {basePath}/token`, `POST {basePath}/token/refresh`, `GET {basePath}/jwks.json`. */
  fetch(request: Request, env?: unknown): Promise<Response>
  /**
   * Signs a token for `subject` now, after the clock guard and the size check. Rejects with a
   * {@link TokenRefusal}, or a TypeError for extra claims that would set a registered one.
   */
  issue(subject: string, claims?: Record<string, unknown>): Promise<IssuedToken>
  /** The public keys, as served at `jwks.json`. */
  jwks(): Promise<{ keys: JWK[] }>
  /** Publishes the next key at once; it signs from `activatesAt` (after the JWKS cache lifetime). */
  rotate(): Promise<{ kid: string; activatesAt: number }>
  /** Resolves once the keys are loaded (a `keys` function's read in progress included) and a store answers; rejects with a `TypeError` for a key that cannot be read. */
  ready(): Promise<void>
  /** Stops the clock guard's background measurements. */
  close(): void
}

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : typeof value)

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`widget-token-server: ${name} must be a positive number, not ${show(value)}: leave it out for the default, ${fallback}`)
  }
  return value
}

function optionalFunction(name: string, value: unknown) {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`widget-token-server: ${name} must be a function, not ${show(value)}`)
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
}

function checkOrigins(origins: unknown) {
  if (origins === undefined) return
  if (!Array.isArray(origins)) throw new TypeError(`widget-token-server: allowedOrigins must be an array of origins, e.g. ['https://portal.example.com']`)
  origins.forEach((origin: unknown, index) => {
    let canonical: string | undefined
    try {
      canonical = new URL(String(origin)).origin
    } catch {}
    if (typeof origin !== 'string' || canonical !== origin) {
      const hint = canonical && canonical !== 'null' ? `: write ${JSON.stringify(canonical)}` : ", e.g. 'https://portal.example.com'"
      throw new TypeError(`widget-token-server: allowedOrigins[${index}] must be an origin (scheme, host and port, no path), not ${show(origin)}${hint}`)
    }
  })
}

function checkCollaborators(options: TokenServiceOptions) {
  if (options.store !== undefined && !hasMethods(options.store, ['get', 'set', 'setIfAbsent', 'delete', 'increment'])) {
    throw new TypeError('widget-token-server: store must have get, set, setIfAbsent, delete and increment: use createRedisStore(client) or createMemoryStore()')
  }
  if (options.logger !== undefined && !hasMethods(options.logger, ['warn', 'error'])) {
    throw new TypeError('widget-token-server: logger must have warn(message) and error(message, error), e.g. console or a pino logger')
  }
  if (options.algorithm !== undefined && options.algorithm !== 'RS256' && options.algorithm !== 'ES256') {
    throw new TypeError(`widget-token-server: algorithm must be 'RS256' or 'ES256', not ${show(options.algorithm)}`)
  }
  for (const name of ['clientAddress', 'now', 'onEvent'] as const) optionalFunction(name, options[name])
  checkOrigins(options.allowedOrigins)
}

function keysRefreshSeconds(options: TokenServiceOptions): number {
  if (options.keysRefreshSeconds !== undefined && typeof options.keys !== 'function') {
    throw new TypeError('widget-token-server: keysRefreshSeconds applies to keys given as a function (keys: () => secretManager.signingKeys()): leave it out, or pass keys as a function')
  }
  return positive('keysRefreshSeconds', options.keysRefreshSeconds, 300)
}

const REQUIRED = {
  issuer: "the iss your widget's provider knows your backend by, e.g. 'enterprise-portal-auth'",
  audience: 'the aud: your organization id at the widget’s provider',
}

/** The options every part needs, checked and defaulted. */
export function resolveSettings(options: TokenServiceOptions) {
  for (const name of ['issuer', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') throw new TypeError(`widget-token-server: ${name} is required: ${REQUIRED[name]}`)
  }
  if (typeof options.authenticate !== 'function') throw new TypeError('widget-token-server: authenticate(request) is required: it reads your session and returns { subject }')
  const basePath = options.basePath ?? '/api/v1/embedded-cx'
  if (typeof basePath !== 'string' || !basePath.startsWith('/')) throw new TypeError(`widget-token-server: basePath must start with "/", not ${show(basePath)}`)
  checkCollaborators(options)
  return {
    basePath: basePath.replace(/\/+$/, ''),
    ttlSeconds: Math.floor(positive('ttlSeconds', options.ttlSeconds, 900)),
    jwksMaxAgeSeconds: Math.floor(positive('jwksMaxAgeSeconds', options.jwksMaxAgeSeconds, 300)),
    refreshWindowSeconds: positive('refreshWindowSeconds', options.refreshWindowSeconds, 10),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, 1024),
    maxPayloadBytes: positive('maxPayloadBytes', options.maxPayloadBytes, 3584),
    maxTokenBytes: positive('maxTokenBytes', options.maxTokenBytes, 4096),
    keysRefreshSeconds: keysRefreshSeconds(options),
    trustProxy: checkTrustProxy(options.trustProxy),
  }
}

