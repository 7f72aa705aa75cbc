import { SignJWT, type JWK } from 'jose'
import { createClockGuard, type ClockGuardOptions } from './clock'
import { createKeyRing, createSharedKeyRing, generateKey, loadKey, type KeyRing, type RingKey, type SigningAlgorithm, type SigningKeyInput } from './keys'
import { consume, createLimiter, readBodyWithin, type RateLimit } from './limits'
import { isTokenRefusal, TokenRefusal } from './refusal'
import { createMemoryStore, StoreUnavailableError, type Store } from './store'

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
  /** Signing keys from configuration; the first signs. Default: one generated in memory, with a warning. */
  keys?: readonly SigningKeyInput[] | undefined
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
  /** How the client address is found. Default: the socket of a Node server (Hono, Express, Fastify). */
  clientAddress?: ((request: Request, env: unknown) => string | undefined) | undefined
  /** Request bodies above this are refused with 413. Default 1024. */
  maxBodyBytes?: number | undefined
  /** Whole encoded tokens above this are refused with 422. Default 3584 (3.5 KB). */
  maxTokenBytes?: number | undefined
  /**
   * State shared by several instances (e.g. `createRedisStore`): the token each session gets within
   * the refresh window, and the key ring's rotation schedule. Requires `keys` from configuration.
   * Default: this process's memory.
   */
  store?: Store | undefined
  /** Default: `console`. */
  logger?: TokenServiceLogger | undefined
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
  /** Resolves once the keys are loaded; rejects with a `TypeError` for a key that cannot be read. */
  ready(): Promise<void>
  /** Stops the clock guard's background measurements. */
  close(): void
}

const REGISTERED = ['aud', 'iss', 'sub', 'iat', 'exp', 'nbf', 'jti']

function nodeSocketAddress(_request: Request, env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new TypeError(`widget-token/server: ${name} must be a positive number`)
  return value
}

function validate(options: TokenServiceOptions) {
  for (const name of ['issuer', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') throw new TypeError(`widget-token/server: ${name} is required`)
  }
  if (typeof options.authenticate !== 'function') throw new TypeError('widget-token/server: authenticate(request) is required')
  const basePath = (options.basePath ?? '/api/v1/embedded-cx').replace(/\/+$/, '')
  if (!basePath.startsWith('/')) throw new TypeError('widget-token/server: basePath must start with "/"')
  return {
    basePath,
    ttlSeconds: Math.floor(positive('ttlSeconds', options.ttlSeconds, 900)),
    jwksMaxAgeSeconds: Math.floor(positive('jwksMaxAgeSeconds', options.jwksMaxAgeSeconds, 300)),
    refreshWindowSeconds: positive('refreshWindowSeconds', options.refreshWindowSeconds, 10),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, 1024),
    maxTokenBytes: positive('maxTokenBytes', options.maxTokenBytes, 3584),
  }
}

/**
 * The portal backend's token service: signs the widget's JWTs and serves the endpoints the browser
 * SDK calls. Mount `fetch` in any framework that speaks Web `Request`/`Response`.
 *
 * @example
 * ```ts
 * const tokens = createTokenService({
 *   issuer: 'enterprise-portal-auth',
 *   audience: 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8',
 *   keys: [{ privateKey: process.env.TOKEN_SIGNING_KEY_PEM! }],
 *   clock: { url: 'https://login.mypurecloud.com' },
 *   authenticate: async (request) => {
 *     const session = await sessions.fromCookie(request.headers.get('cookie'))
 *     return session && { subject: session.customerId, session: session.id }
 *   },
 * })
 * ```
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const settings = validate(options)
  const now = options.now ?? (() => Date.now())
  const logger = options.logger ?? console
  const algorithm = options.algorithm ?? 'RS256'
  const clockGuard = options.clock === false ? undefined : createGuard()
  const sessionLimiter = createLimiter(options.sessionRateLimit ?? { points: 30, durationSeconds: 60 }, 'widget-token-session')
  const addressLimiter = createLimiter(options.addressRateLimit ?? { points: 300, durationSeconds: 60 }, 'widget-token-address')
  const clientAddress = options.clientAddress ?? nodeSocketAddress
  const store = options.store ?? createMemoryStore({ now })
  if (options.store && !options.keys?.length) {
    throw new TypeError('widget-token/server: a shared store needs keys from configuration: keys generated per instance would differ')
  }
  const ring = loadRing()
  // A misconfigured key surfaces through ready(), issue() and the 500 it causes, never as an unhandled rejection.
  ring.catch(() => {})
  const recent = new Map<string, { issuedAt: number; issued: Promise<{ token: string; expiresAt: number }> }>()
  const windowMs = Math.min(settings.refreshWindowSeconds * 1000, (settings.ttlSeconds * 1000) / 4)
  const routes = {
    token: `${settings.basePath}/token`,
    refresh: `${settings.basePath}/token/refresh`,
    jwks: `${settings.basePath}/jwks.json`,
  }

  function createGuard() {
    if (options.clock === undefined) {
      logger.warn('widget-token/server: no clock guard configured: tokens are signed whatever this host’s clock says. Pass clock: { url } (or clock: false to accept the risk).')
      return undefined
    }
    return createClockGuard(options.clock as ClockGuardOptions, now)
  }

  async function loadRing(): Promise<KeyRing> {
    const configured = options.keys ?? []
    const activationDelayMs = settings.jwksMaxAgeSeconds * 1000
    if (options.store) {
      return createSharedKeyRing({ keys: await Promise.all(configured.map((input) => loadKey(input))), store: options.store, now, activationDelayMs })
    }
    let keys: RingKey[]
    if (configured.length === 0) {
      logger.warn(
        'widget-token/server: NO SIGNING KEYS CONFIGURED. A key was generated in memory: every restart invalidates all tokens and every instance signs with a different key. Pass keys: [{ privateKey }] in production.',
      )
      keys = [await generateKey(algorithm)]
    } else {
      keys = await Promise.all(configured.map((input) => loadKey(input)))
      // Older configured keys may have signed tokens before a restart: publish them for one lifetime.
      for (const key of keys.slice(1)) key.lastExpiresAt = now() + settings.ttlSeconds * 1000
      for (const key of keys.slice(1)) key.activatesAt = -1
    }
    return createKeyRing({
      keys,
      now,
      activationDelayMs,
      createNext: (activatesAt) => generateKey(keys[0]!.alg, activatesAt),
    })
  }

  async function guardClock() {
    const verdict = await clockGuard?.check()
    if (!verdict || verdict.ok) return
    const message =
      verdict.reason === 'clock_drift'
        ? `the server clock is ${Math.round(verdict.driftMs! / 1000)} s off its reference; tokens are not issued until it is corrected`
        : 'the server clock could not be checked against its reference; tokens are not issued until it is'
    throw new TokenRefusal(verdict.reason, 503, message, { retryAfterSeconds: verdict.retryAfterSeconds })
  }

  async function sign(at: number, subject: string, claims: Record<string, unknown> = {}) {
    // The service alone sets these: an application's value would be a bug, and dropping it would hide one.
    const registered = Object.keys(claims).filter((name) => REGISTERED.includes(name))
    if (registered.length > 0) throw new TypeError(`widget-token/server: extra claims may not set ${registered.sort().join(', ')}: the service sets them`)
    await guardClock()
    const keyRing = await ring
    const key = await keyRing.signingKey()
    const iat = Math.floor(at / 1000)
    const exp = iat + settings.ttlSeconds
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setAudience(options.audience)
      .setIssuer(options.issuer)
      .setSubject(subject)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(globalThis.crypto.randomUUID())
      .sign(key.privateKey)
    const bytes = new TextEncoder().encode(token).byteLength
    if (bytes > settings.maxTokenBytes) {
      throw new TokenRefusal('token_too_large', 422, `the token encodes to ${bytes} bytes, over the ${settings.maxTokenBytes}-byte limit: put reference ids in the claims, not records`)
    }
    keyRing.signed(key, exp * 1000)
    return { token, expiresAt: exp * 1000 }
  }

  /**
   * Counted from the request's own instant, the one iat was taken from, so that a fresh token answers
   * exactly ttlSeconds however long signing took, as the SDK expects; a shared one answers what is left.
   */
  const answer = (at: number, { token, expiresAt }: { token: string; expiresAt: number }): IssuedToken => ({
    token,
    expiresIn: Math.max(0, Math.ceil((expiresAt - at) / 1000)),
  })

  /**
   * One token per session per window, across instances: each may sign, but only the first to record
   * its token in the store hands it out; the others answer with that one.
   */
  async function issueShared(at: number, sessionKey: string, who: Authenticated) {
    const key = `refresh:${sessionKey}`
    const shared = await store.get(key)
    if (shared) return JSON.parse(shared) as { token: string; expiresAt: number }
    const issued = await sign(at, who.subject, who.claims)
    if (await store.setIfAbsent(key, JSON.stringify(issued), windowMs)) return issued
    const winner = await store.get(key)
    return winner ? (JSON.parse(winner) as { token: string; expiresAt: number }) : issued
  }

  /** Requests of one session within the window share one signing. */
  function issueOnce(at: number, sessionKey: string, who: Authenticated) {
    for (const [key, entry] of recent) {
      if (at - entry.issuedAt < windowMs) break
      recent.delete(key)
    }
    const shared = recent.get(sessionKey)
    if (shared && at - shared.issuedAt < windowMs) return shared.issued
    const issued = issueShared(at, sessionKey, who)
    recent.delete(sessionKey)
    recent.set(sessionKey, { issuedAt: at, issued })
    issued.catch(() => recent.get(sessionKey)?.issued === issued && recent.delete(sessionKey))
    return issued
  }

  function checkOrigin(request: Request) {
    const allowed = options.allowedOrigins ?? [new URL(request.url).origin]
    const origin = request.headers.get('origin') ?? refererOrigin(request.headers.get('referer'))
    if (!origin || !allowed.includes(origin)) {
      throw new TokenRefusal('foreign_origin', 403, 'token requests are accepted only from the portal’s own origin')
    }
  }

  async function tokenEndpoint(request: Request, env: unknown): Promise<Response> {
    if (request.method !== 'POST') throw new TokenRefusal('method_not_allowed', 405, 'use POST', { headers: { Allow: 'POST' } })
    await consume(addressLimiter, clientAddress(request, env) ?? 'unknown', 'address')
    checkOrigin(request)
    await readBodyWithin(request, settings.maxBodyBytes)
    const who = await options.authenticate(request)
    if (!who) throw new TokenRefusal('unauthenticated', 401, 'sign in to the portal first')
    if (typeof who.subject !== 'string' || who.subject === '') throw new TypeError('widget-token/server: authenticate returned no subject')
    const sessionKey = await fingerprint(who.session ?? who.subject)
    await consume(sessionLimiter, sessionKey, 'session')
    await guardClock()
    const at = now()
    const body = answer(at, await issueOnce(at, sessionKey, who))
    return Response.json(body, { headers: { 'Cache-Control': 'no-store' } })
  }

  async function jwksEndpoint(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw new TokenRefusal('method_not_allowed', 405, 'use GET', { headers: { Allow: 'GET, HEAD' } })
    }
    const body = { keys: await (await ring).published() }
    return Response.json(body, {
      headers: { 'Cache-Control': `public, max-age=${settings.jwksMaxAgeSeconds}`, 'Access-Control-Allow-Origin': '*' },
    })
  }

  async function route(request: Request, env: unknown): Promise<Response> {
    const path = new URL(request.url).pathname
    if (path === routes.token || path === routes.refresh) return tokenEndpoint(request, env)
    if (path === routes.jwks) return jwksEndpoint(request)
    throw new TokenRefusal('not_found', 404, 'no such endpoint')
  }

  return {
    async fetch(request, env) {
      try {
        return await route(request, env)
      } catch (error) {
        if (isTokenRefusal(error)) return error.toResponse()
        if (error instanceof StoreUnavailableError) {
          logger.error(`widget-token/server: ${request.method} ${new URL(request.url).pathname} refused`, error)
          return new TokenRefusal('store_unavailable', 503, 'the token service cannot reach its shared store', { retryAfterSeconds: 5 }).toResponse()
        }
        logger.error(`widget-token/server: ${request.method} ${new URL(request.url).pathname} failed`, error)
        return new TokenRefusal('internal', 500, 'the token service failed').toResponse()
      }
    },
    async issue(subject, claims) {
      if (typeof subject !== 'string' || subject === '') throw new TypeError('widget-token/server: issue() needs a subject')
      const at = now()
      return answer(at, await sign(at, subject, claims))
    },
    async jwks() {
      return { keys: await (await ring).published() }
    },
    async rotate() {
      return (await ring).rotate()
    },
    async ready() {
      await ring
    },
    close() {
      clockGuard?.close()
    },
  }
}

// Session ids are secrets: counters and shared stores see only their digest.
async function fingerprint(session: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(session))
  let binary = ''
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function refererOrigin(referer: string | null): string | undefined {
  if (!referer) return undefined
  try {
    return new URL(referer).origin
  } catch {
    return undefined
  }
}
