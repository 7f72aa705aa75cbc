// @vitest-environment node
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, jwtVerify, type JSONWebKeySet } from 'jose'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { describe, expect, it, vi } from 'vitest'
import { createTokenService, isTokenRefusal, type TokenService } from 'widget-token-server'
import { createHttpSource } from '../../src/source'
import { BASE, claimsOf, createService, ORG, ORIGIN, runOnFakeTime, TEST_START, tokenRequest } from '../../packages/server/test/helpers'

let service: TokenService

runOnFakeTime()

const json = async (response: Response) => (await response.json()) as Record<string, any>

/** The browser SDK's own source, talking to the service: how the SDK classifies each answer. */
const sdkSource = (svc: TokenService, session = 'a') =>
  createHttpSource({
    endpoint: `${BASE}/token`,
    refreshEndpoint: `${BASE}/token/refresh`,
    fetch: (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('Origin', ORIGIN)
      headers.set('X-Session', session)
      return svc.fetch(new Request(String(input), { ...init, headers }))
    },
  })

describe('createTokenService', () => {
  it('answers { token, expiresIn } with the guide’s claims, a jti and the session’s extra claims', async () => {
    ;({ service } = createService({ ttlSeconds: 1800, algorithm: undefined }))
    const response = await service.fetch(tokenRequest())
    const body = await json(response)

    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(body.expiresIn).toBe(1800)
    const { payload, protectedHeader } = await jwtVerify(body.token, createLocalJWKSet(await service.jwks()), {
      audience: ORG,
      issuer: 'enterprise-portal-auth',
      algorithms: ['RS256'],
    })
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) })
    expect(Object.keys(payload).sort()).toEqual(['aud', 'embeddedCxCustomer', 'exp', 'iat', 'iss', 'jti', 'sub'])
    expect(payload).toMatchObject({ sub: 'customer-a', iat: TEST_START / 1000, exp: TEST_START / 1000 + 1800 })
    expect(payload.embeddedCxCustomer).toEqual({ id: 'customer-a' })
  })

  it('answers the whole lifetime for a fresh token even when signing runs past a second boundary', async () => {
    let at = TEST_START + 500
    // Every reading of the clock is 400 ms later: signing that slow crosses into the next second.
    ;({ service } = createService({ ttlSeconds: 900, now: () => (at += 400) }))
    const viaEndpoint = await json(await service.fetch(tokenRequest()))
    const viaIssue = await service.issue('visitor')

    expect(viaEndpoint.expiresIn).toBe(900)
    expect(viaIssue.expiresIn).toBe(900)
  })

  it('refuses extra claims that would set a registered one, naming them, and signs nothing', async () => {
    const created = createService({ authenticate: () => ({ subject: 'visitor', claims: { aud: 'other-org', exp: 1, sub: 'admin', tier: 'gold' } }) })
    service = created.service
    const response = await service.fetch(tokenRequest())
    expect(response.status).toBe(500)
    expect(await json(response)).toEqual({ code: 'internal', message: 'the token service failed' })
    expect(created.logger.error).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('aud, exp, sub') }))
    await expect(service.issue('visitor', { jti: 'mine' })).rejects.toThrow(/jti/)
    await expect(service.issue('visitor', { nbf: 1, iat: 1 })).rejects.toThrow(/may not set iat, nbf:/)
  })

  it('serves the refresh endpoint and the JWKS under basePath', async () => {
    ;({ service } = createService({ basePath: '/chat/' }))
    const refresh = await service.fetch(new Request(`${ORIGIN}/chat/token/refresh`, { method: 'POST', headers: { Origin: ORIGIN, 'X-Session': 'a' } }))
    const jwks = await service.fetch(new Request(`${ORIGIN}/chat/jwks.json`))
    expect(refresh.status).toBe(200)
    expect(jwks.status).toBe(200)
    expect(jwks.headers.get('access-control-allow-origin')).toBe('*')
    expect(((await jwks.json()) as JSONWebKeySet).keys).toHaveLength(1)
    expect((await service.fetch(new Request(`${ORIGIN}/api/v1/embedded-cx/token`, { method: 'POST' }))).status).toBe(404)
  })

  it('answers 405 with Allow for other methods', async () => {
    ;({ service } = createService())
    const response = await service.fetch(new Request(`${BASE}/token`))
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
    expect(await json(response)).toEqual({ code: 'method_not_allowed', message: 'use POST' })
  })

  it('answers 401 without a session, and the SDK ends', async () => {
    ;({ service } = createService())
    const response = await service.fetch(tokenRequest('/token', { session: '' }))
    expect(response.status).toBe(401)
    expect(await json(response)).toEqual({ code: 'unauthenticated', message: 'sign in to the portal first' })
    await expect(sdkSource(service, '')({ reason: 'start', refresh: false, signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'unauthorized',
      retryable: false,
    })
  })

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['neither Origin nor Referer', { origin: null }],
  ])('refuses %s with 403', async (_, options) => {
    ;({ service } = createService())
    const response = await service.fetch(tokenRequest('/token', options))
    expect(response.status).toBe(403)
    expect((await json(response)).code).toBe('foreign_origin')
  })

  it('accepts a same-origin Referer and the allowed origins', async () => {
    ;({ service } = createService({ allowedOrigins: ['https://www.portal.example'] }))
    expect((await service.fetch(tokenRequest('/token', { origin: ORIGIN }))).status).toBe(403)
    expect((await service.fetch(tokenRequest('/token', { origin: 'https://www.portal.example' }))).status).toBe(200)
    ;({ service } = createService())
    const viaReferer = tokenRequest('/token', { origin: null, headers: { Referer: `${ORIGIN}/support?page=2` } })
    expect((await service.fetch(viaReferer)).status).toBe(200)
  })

  it('limits the body in bytes, not characters, also without Content-Length', async () => {
    ;({ service } = createService({ maxBodyBytes: 1024 }))
    const euros = JSON.stringify({ note: '€'.repeat(400) }) // 413 characters, 1213 bytes
    const streamed = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(euros))
        controller.close()
      },
    })
    const response = await service.fetch(tokenRequest('/token', { body: streamed }))
    expect(response.status).toBe(413)
    expect(await json(response)).toEqual({ code: 'body_too_large', message: 'the body is over 1024 bytes' })
    expect((await service.fetch(tokenRequest('/token', { body: JSON.stringify({ note: 'é'.repeat(400) }) }))).status).toBe(200)
  })

  it('refuses a payload over 3.5 KB of base64url with a 422 the SDK does not retry', async () => {
    ;({ service } = createService({ algorithm: 'RS256', authenticate: () => ({ subject: 'visitor', claims: { crm: 'x'.repeat(2800) } }) }))
    const response = await service.fetch(tokenRequest())
    expect(response.status).toBe(422)
    const body = await json(response)
    expect(body.code).toBe('token_too_large')
    expect(body.message).toMatch(/^the payload encodes to 3\d{3} bytes of base64url, over the 3584-byte limit/)
    await expect(sdkSource(service)({ reason: 'start', refresh: false, signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'http',
      status: 422,
      retryable: false,
    })
    await expect(service.issue('visitor', { crm: 'x'.repeat(2800) })).rejects.toSatisfy(isTokenRefusal)
  })

  it('gives requests of one session within the refresh window the same token', async () => {
    ;({ service } = createService({ ttlSeconds: 900 }))
    const [first, second] = await Promise.all([service.fetch(tokenRequest('/token/refresh')), service.fetch(tokenRequest('/token/refresh'))])
    const a = await json(first)
    const b = await json(second)
    vi.advanceTimersByTime(4000)
    const c = await json(await service.fetch(tokenRequest('/token/refresh')))
    const other = await json(await service.fetch(tokenRequest('/token/refresh', { session: 'b' })))
    vi.advanceTimersByTime(6000)
    const later = await json(await service.fetch(tokenRequest('/token/refresh')))

    expect(b.token).toBe(a.token)
    expect(c).toEqual({ token: a.token, expiresIn: 896 })
    expect(other.token).not.toBe(a.token)
    expect(later.token).not.toBe(a.token)
  })

  it('shares a token for at most a quarter of a short lifetime', async () => {
    ;({ service } = createService({ ttlSeconds: 8 }))
    const first = await json(await service.fetch(tokenRequest()))
    vi.advanceTimersByTime(2000)
    const second = await json(await service.fetch(tokenRequest('/token/refresh')))
    expect(second.token).not.toBe(first.token)
    expect(second.expiresIn).toBe(8)
  })

  it('limits requests per session, with Retry-After, and the SDK waits that long', async () => {
    ;({ service } = createService({ sessionRateLimit: { points: 2, durationSeconds: 60 }, refreshWindowSeconds: 0.001 }))
    expect((await service.fetch(tokenRequest())).status).toBe(200)
    expect((await service.fetch(tokenRequest())).status).toBe(200)
    const refused = await service.fetch(tokenRequest())
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('60')
    expect((await service.fetch(tokenRequest('/token', { session: 'b' }))).status).toBe(200)
    await expect(sdkSource(service)({ reason: 'schedule', refresh: true, signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'rate_limited',
      retryable: true,
      retryAfterMs: 60_000,
    })
    vi.advanceTimersByTime(60_000)
    expect((await service.fetch(tokenRequest())).status).toBe(200)
  })

  it('limits requests per client address before authenticating', async () => {
    const authenticate = vi.fn(() => ({ subject: 'visitor' }))
    ;({ service } = createService({ addressRateLimit: { points: 3, durationSeconds: 10 }, authenticate }))
    const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } })
    for (const session of ['a', 'b', 'c']) expect((await service.fetch(tokenRequest('/token', { session }), from('192.0.2.7'))).status).toBe(200)
    const refused = await service.fetch(tokenRequest('/token', { session: 'd' }), from('192.0.2.7'))

    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('10')
    expect(authenticate).toHaveBeenCalledTimes(3)
    expect((await service.fetch(tokenRequest('/token', { session: 'd' }), from('198.51.100.1'))).status).toBe(200)
  })

  it('takes any rate-limiter-flexible limiter', async () => {
    const limiter = new RateLimiterMemory({ points: 1, duration: 30 })
    ;({ service } = createService({ addressRateLimit: { limiter } }))
    const socket = { incoming: { socket: { remoteAddress: '203.0.113.7' } } }
    expect((await service.fetch(tokenRequest('/token', { session: 'a' }), socket)).status).toBe(200)
    const refused = await service.fetch(tokenRequest('/token', { session: 'b' }), socket)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('30')
  })

  it('answers 503 store_unavailable when a rate limiter cannot reach its store', async () => {
    const unreachable = { consume: () => Promise.reject(new Error('connection refused')) } as unknown as RateLimiterMemory
    ;({ service } = createService({ sessionRateLimit: { limiter: unreachable } }))
    const response = await service.fetch(tokenRequest())
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect((await json(response)).code).toBe('store_unavailable')
  })

  it('answers 500, logged, when authenticate throws, and the SDK retries', async () => {
    const { service: failing, logger } = createService({ authenticate: () => Promise.reject(new Error('session store down')) })
    service = failing
    const response = await service.fetch(tokenRequest())
    expect(response.status).toBe(500)
    expect(await json(response)).toEqual({ code: 'internal', message: 'the token service failed' })
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('POST /api/v1/embedded-cx/token'), expect.objectContaining({ message: 'session store down' }))
  })
})

describe('keys', () => {
  it('generates a key in memory with a loud warning when none are configured', async () => {
    const created = createService()
    service = created.service
    await service.ready()
    expect(created.logger.warn).toHaveBeenCalledWith(expect.stringContaining('NO SIGNING KEYS CONFIGURED'))
  })

  it('signs with a configured PEM key, its kid the same on every instance', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true })
    const pem = await exportPKCS8(privateKey)
    const one = createService({ keys: [{ privateKey: pem }] })
    const two = createService({ keys: [{ privateKey: pem }] })
    service = one.service
    const token = (await one.service.issue('visitor')).token

    await expect(jwtVerify(token, createLocalJWKSet(await two.service.jwks()))).resolves.toBeTruthy()
    expect(one.logger.warn).not.toHaveBeenCalledWith(expect.stringContaining('NO SIGNING KEYS'))
    two.service.close()
  })

  it('publishes the older configured keys for one token lifetime after start', async () => {
    const pair = () => generateKeyPair('ES256', { extractable: true }).then(({ privateKey }) => exportJWK(privateKey))
    const [current, previous] = [await pair(), await pair()]
    ;({ service } = createService({ ttlSeconds: 600, keys: [{ privateKey: current, alg: 'ES256' }, { privateKey: previous, alg: 'ES256' }] }))
    const published = await service.jwks()
    expect(published.keys).toHaveLength(2)
    expect(decodeProtectedHeader((await service.issue('visitor')).token).kid).toBe(published.keys[0]!.kid)
    vi.advanceTimersByTime(600_001)
    expect((await service.jwks()).keys.map((key) => key.kid)).toEqual([published.keys[0]!.kid])
  })

  it('signs ES256 with a configured JWK', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    ;({ service } = createService({ keys: [{ privateKey: { ...(await exportJWK(privateKey)), alg: 'ES256' } }] }))
    const token = (await service.issue('visitor')).token
    expect(decodeProtectedHeader(token).alg).toBe('ES256')
    await expect(jwtVerify(token, createLocalJWKSet(await service.jwks()), { algorithms: ['ES256'] })).resolves.toBeTruthy()
    expect(JSON.stringify(await service.jwks())).not.toMatch(/"d"/)
  })

  it.each([
    ['a PEM that is not a key', { privateKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }],
    ['a public JWK', { privateKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } }],
    ['HS256', { privateKey: { kty: 'oct', k: 'secret' }, alg: 'HS256' as never }],
  ])('rejects %s with a TypeError', async (_, key) => {
    ;({ service } = createService({ keys: [key] }))
    await expect(service.ready()).rejects.toThrow(TypeError)
  })

  it.each([
    ['no issuer', { issuer: '' }],
    ['no audience', { audience: undefined as never }],
    ['no authenticate', { authenticate: undefined as never }],
    ['a negative ttl', { ttlSeconds: -1 }],
    ['a relative basePath', { basePath: 'api' }],
  ])('throws a TypeError for %s', (_, options) => {
    expect(() => createService(options)).toThrow(TypeError)
  })

  it('can be created without a logger override and without a clock, warning about each', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    service = createTokenService({ issuer: 'i', audience: ORG, authenticate: () => undefined })
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no clock guard configured'))
  })
})
