import { createServiceClockGuard } from './clock-guard'
import { openKeyRing } from './keys'
import { consume, createLimiter, readBodyWithin } from './limits'
import { resolveSettings, type TokenService, type TokenServiceOptions } from './options'
import { fingerprint } from './fingerprint'
import { createRequestOrigin } from './proxy'
import { isTokenRefusal, TokenRefusal } from './refusal'
import { answer, createSigner } from './signing'
import { createReporter, createStoreWatch } from './report'
import { createMemoryStore, scopeStore, StoreUnavailableError } from './store'

export type { Authenticated, IssuedToken, TokenService, TokenServiceLogger, TokenServiceOptions } from './options'

const LOG_INTERVAL_MS = 60_000
// The widget no longer holds a token it can use: the one the refresh window holds may be that very one.
const DROPPED: ReadonlySet<string> = new Set(['disconnect', 'expired', 'refused'])

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
  const settings = resolveSettings(options)
  const now = options.now ?? (() => Date.now())
  const logger = options.logger ?? console
  const warn = (message: string) => logger.warn(message)
  const report = createReporter({ warn, error: (message, error) => logger.error(message, error), onEvent: options.onEvent, now, intervalMs: LOG_INTERVAL_MS })
  const storeWatch = createStoreWatch(report, now)
  const clockGuard = createServiceClockGuard(options.clock, now, report, warn)
  const requestOrigin = createRequestOrigin(settings.trustProxy, options.clientAddress)
  // Services with another issuer or audience on the same store (tenants, environments) never share
  // a refresh-window token, a key schedule or a rate-limit count.
  const tenant = `${encodeURIComponent(options.issuer)}/${encodeURIComponent(options.audience)}:`
  const store = scopeStore(options.store ?? createMemoryStore({ now }), tenant)
  const counting = options.store ? { store, now } : undefined
  const sessionLimiter = createLimiter(options.sessionRateLimit ?? { points: 30, durationSeconds: 60 }, 'sessionRateLimit', 'widget-token-session', counting)
  const addressLimiter = createLimiter(options.addressRateLimit ?? { points: 300, durationSeconds: 60 }, 'addressRateLimit', 'widget-token-address', counting)
  const keys = openKeyRing({
    configured: options.keys,
    refreshMs: settings.keysRefreshSeconds * 1000,
    report,
    algorithm: options.algorithm ?? 'RS256',
    store: options.store && store,
    now,
    ttlMs: settings.ttlSeconds * 1000,
    activationDelayMs: settings.jwksMaxAgeSeconds * 1000,
    warn,
  })
  const ring = keys.ring
  const signer = createSigner({
    issuer: options.issuer,
    audience: options.audience,
    ttlSeconds: settings.ttlSeconds,
    maxPayloadBytes: settings.maxPayloadBytes,
    maxTokenBytes: settings.maxTokenBytes,
    windowMs: Math.min(settings.refreshWindowSeconds * 1000, (settings.ttlSeconds * 1000) / 4),
    ring,
    store: options.store && store,
    checkClock: clockGuard.check,
  })
  const routes = {
    token: `${settings.basePath}/token`,
    refresh: `${settings.basePath}/token/refresh`,
    jwks: `${settings.basePath}/jwks.json`,
  }

  function checkOrigin(request: Request) {
    const allowed = options.allowedOrigins ?? [requestOrigin.origin(request)]
    const origin = request.headers.get('origin') ?? refererOrigin(request.headers.get('referer'))
    if (!origin || !allowed.includes(origin)) {
      // The header is the client's: bounded, and written as JSON by the reporter, so it cannot forge a line.
      const context = { expected: allowed, received: origin?.slice(0, 200) ?? null }
      throw new TokenRefusal('foreign_origin', 403, 'token requests are accepted only from the portal’s own origin', { context })
    }
  }

  async function tokenEndpoint(request: Request, env: unknown): Promise<Response> {
    if (request.method !== 'POST') throw new TokenRefusal('method_not_allowed', 405, 'use POST', { headers: { Allow: 'POST' } })
    // Before any limit: a foreign page's requests must not spend the budget of the visitors it targets.
    checkOrigin(request)
    // Without an address (no socket, no trusted proxy) there is no one to count; the session limit still holds.
    const address = requestOrigin.address(request, env)
    if (address !== undefined) await consume(addressLimiter, tenant + address, 'address')
    const reason = readReason(await readBodyWithin(request, settings.maxBodyBytes))
    const who = await options.authenticate(request)
    if (!who) throw new TokenRefusal('unauthenticated', 401, 'sign in to the portal first')
    if (typeof who.subject !== 'string' || who.subject === '') throw new TypeError('widget-token-server: authenticate returned no subject')
    const sessionKey = await fingerprint(who.session ?? who.subject)
    await consume(sessionLimiter, tenant + sessionKey, 'session')
    await clockGuard.check()
    const at = now()
    const body = answer(at, await signer.issueOnce(at, sessionKey, who, reason !== undefined && DROPPED.has(reason)))
    storeWatch.answered()
    // Not Response.json: a Response built from a string is one that @hono/node-server can write out directly.
    return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } })
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

  function refuse(request: Request, refusal: TokenRefusal): Response {
    const { code, status, detail: message, context } = refusal
    report({ type: 'refused', code, status, method: request.method, path: new URL(request.url).pathname, message, context })
    return refusal.toResponse()
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
        if (isTokenRefusal(error)) return refuse(request, error)
        if (error instanceof StoreUnavailableError) {
          storeWatch.failed(error.cause ?? error)
          return refuse(request, storeRefusal())
        }
        logger.error(`widget-token-server: ${request.method} ${new URL(request.url).pathname} failed`, error)
        return new TokenRefusal('internal', 500, 'the token service failed').toResponse()
      }
    },
    async issue(subject, claims) {
      if (typeof subject !== 'string' || subject === '') throw new TypeError('widget-token-server: issue() needs a subject')
      const at = now()
      try {
        return answer(at, await signer.sign(at, subject, claims))
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw storeRefusal()
        throw error
      }
    },
    async jwks() {
      return { keys: await (await ring).published() }
    },
    async rotate() {
      return (await ring).rotate()
    },
    async ready() {
      const keyRing = await ring
      await keys.refreshed()
      if (options.store) await untilStoreAnswers(() => keyRing.signingKey())
    },
    close() {
      clockGuard.close()
      keys.close()
    },
  }
}

const storeRefusal = () => new TokenRefusal('store_unavailable', 503, 'the token service cannot reach its shared store', { retryAfterSeconds: 5 })

const READY_RETRY_MS = 250
const READY_ATTEMPTS = 120

/** A store still connecting is waited for, up to half a minute; one that answers wrongly is not. */
async function untilStoreAnswers(probe: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await probe()
      return
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt >= READY_ATTEMPTS) throw error
      await new Promise((resolve) => setTimeout(resolve, READY_RETRY_MS))
    }
  }
}

/** The SDK's `{"reason":"…"}`; an empty body is a client from before reasons were sent. */
function readReason(body: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(body)
  if (text.trim() === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new TokenRefusal('bad_request', 400, 'the body must be JSON: {"reason":"…"} or nothing')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TokenRefusal('bad_request', 400, 'the body must be a JSON object: {"reason":"…"}')
  }
  const { reason } = parsed as { reason?: unknown }
  if (reason !== undefined && typeof reason !== 'string') throw new TokenRefusal('bad_request', 400, 'reason must be a string')
  return reason
}

function refererOrigin(referer: string | null): string | undefined {
  if (!referer) return undefined
  try {
    return new URL(referer).origin
  } catch {
    return undefined
  }
}
