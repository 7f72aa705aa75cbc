// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import { readEnvironment } from '../../examples/backend/main.mjs'
import { createBackend, type Backend, type BackendOptions } from '../../examples/backend/server.mjs'
import { createCorrelation } from '../../examples/data-injection/correlation'
import { createMemoryStore, type KeyValueStore } from '../../examples/data-injection/store'

const ORG = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8'
let backend: Backend

afterEach(async () => {
  await backend?.close()
})

async function start(options: BackendOptions = {}) {
  backend = await createBackend({ organizationId: ORG, ...options })
  return backend
}

function post(path: string, { cookie, origin = backend.url, body = {} }: { cookie?: string; origin?: string | null; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (origin) headers.Origin = origin
  if (cookie) headers.Cookie = cookie
  return fetch(`${backend.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body), redirect: 'manual' })
}

async function signIn(name = 'Ada') {
  const response = await post('/login', { body: { name } })
  return response.headers.get('set-cookie')!.split(';')[0]!
}

async function token(cookie: string, path = '/api/v1/embedded-cx/token') {
  const response = await post(path, { cookie })
  return { response, body: (await response.json()) as { token: string; expiresIn: number; code?: string; message?: string } }
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

const jwks = async () => createLocalJWKSet((await (await fetch(`${backend.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet)

describe('the example backend', () => {
  it('sets a signed, httpOnly, SameSite=Strict session cookie on login', async () => {
    await start({ sessionTtlSeconds: 3600 })
    const response = await post('/login', { body: { name: 'Ada' } })
    const cookie = response.headers.get('set-cookie')!
    expect(response.status).toBe(200)
    expect(cookie).toMatch(/^sid=[\w-]{43}\.[\w%]+;/)
    expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=3600', 'Path=/', 'SameSite=Strict'])
  })

  it('refuses a session id whose signature does not match', async () => {
    await start()
    const [, value] = (await signIn()).split('=')
    const [id] = decodeURIComponent(value!).split('.')
    expect((await token(`sid=${id}.forged`)).response.status).toBe(401)
    expect((await token(`sid=${id}`)).response.status).toBe(401)
  })

  it('hears the reason the SDK gives and still issues; an odd or oversized body changes nothing', async () => {
    const heard: Array<string | undefined> = []
    await start({ onTokenRequest: ({ reason }) => heard.push(reason) })
    const cookie = await signIn()
    const bodies = [{ reason: 'disconnect' }, {}, { reason: '<script>' }, { reason: 'x'.repeat(300) }, { reason: 'schedule', padding: 'x'.repeat(400) }]
    const statuses = []
    for (const body of bodies) statuses.push((await post('/api/v1/embedded-cx/token/refresh', { cookie, body })).status)

    expect(heard).toEqual(['disconnect', undefined, undefined, undefined, undefined])
    expect(statuses).toEqual([200, 200, 200, 200, 200])
  })

  it('answers 401 without a session', async () => {
    await start()
    const { response, body } = await token('sid=forged')
    expect(response.status).toBe(401)
    expect(body.code).toBe('unauthenticated')
  })

  it.each([
    ['a foreign Origin', 'https://evil.example'],
    ['neither Origin nor Referer', null],
  ])('refuses %s', async (_, origin) => {
    await start()
    const cookie = await signIn()
    const response = await post('/api/v1/embedded-cx/token', { cookie, origin })
    expect(response.status).toBe(403)
  })

  it('accepts a same-origin Referer where a client sends no Origin', async () => {
    await start()
    const cookie = await signIn()
    const response = await fetch(`${backend.url}/api/v1/embedded-cx/token`, {
      method: 'POST',
      headers: { Cookie: cookie, Referer: `${backend.url}/support` },
    })
    expect(response.status).toBe(200)
  })

  it('issues RS256 tokens with a kid and the guide’s claims that verify against the JWKS', async () => {
    await start({ ttlSeconds: 900 })
    const { response, body } = await token(await signIn())

    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(body.expiresIn).toBe(900)
    const { payload, protectedHeader } = await jwtVerify(body.token, await jwks(), { audience: ORG, algorithms: ['RS256'] })
    expect(protectedHeader.kid).toEqual(expect.any(String))
    expect(payload).toMatchObject({ aud: ORG, iss: 'widget-token-example-portal', sub: expect.stringMatching(/^customer-/) })
    expect(payload.exp! - payload.iat!).toBe(900)
    expect(payload.embeddedCxCustomer).toEqual({ id: payload.sub })
    expect(payload.routing).toEqual({ queueId: 'messaging-queue', language: 'en-US' })
  })

  it('refreshes with a new token for the same visitor', async () => {
    let now = Date.UTC(2026, 2, 2, 9)
    await start({ now: () => now })
    const cookie = await signIn()
    const first = await token(cookie)
    now += 60_000
    const second = await token(cookie, '/api/v1/embedded-cx/token/refresh')

    expect(second.response.status).toBe(200)
    expect(second.body.token).not.toBe(first.body.token)
    const [before, after] = [first, second].map(({ body }) => claimsOf(body.token) as { sub: string; iat: number })
    expect(after!.sub).toBe(before!.sub)
    expect(after!.iat - before!.iat).toBe(60)
  })

  it('signs with a rotated key only once cached key sets know it, and retires the old one after its tokens', async () => {
    let now = Date.now()
    await start({ ttlSeconds: 600, now: () => now })
    const cookie = await signIn()
    const cachedBeforeRotation = await jwks()
    const oldKid = decodeProtectedHeader((await token(cookie)).body.token).kid
    const { kid: newKid, activatesAt } = await backend.rotateKey()
    const jwksResponse = await fetch(`${backend.url}/.well-known/jwks.json`)
    const maxAgeMs = Number(/max-age=(\d+)/.exec(jwksResponse.headers.get('cache-control')!)![1]) * 1000

    expect(activatesAt).toBe(now + maxAgeMs)
    expect(((await jwksResponse.json()) as JSONWebKeySet).keys.map((key) => key.kid)).toEqual([newKid, oldKid])
    now += 15_000
    const afterRotation = (await token(cookie, '/api/v1/embedded-cx/token/refresh')).body.token
    expect(decodeProtectedHeader(afterRotation).kid).toBe(oldKid)
    await expect(jwtVerify(afterRotation, cachedBeforeRotation)).resolves.toBeTruthy()

    const rotatedAt = activatesAt - maxAgeMs
    now = activatesAt
    expect(decodeProtectedHeader((await token(cookie, '/api/v1/embedded-cx/token/refresh')).body.token).kid).toBe(newKid)
    // The last token the old key signed (15 s after the rotation) lives 600 s: its key stays until then.
    now = rotatedAt + 614_000
    await expect(jwtVerify(afterRotation, await jwks())).resolves.toBeTruthy()
    now = rotatedAt + 616_000
    const published = (await (await fetch(`${backend.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet
    expect(published.keys.map((key) => key.kid)).toEqual([newKid])
  })

  it('carries the data-injection reference claim, which resolves to the signed-in customer until logout', async () => {
    let now = Date.UTC(2026, 2, 2, 9)
    const store = createMemoryStore()
    const written: string[] = []
    const recording: KeyValueStore = {
      ...store,
      set: (key, value, ttlMs) => (written.push(key, value), store.set(key, value, ttlMs)),
      setIfAbsent: (key, value, ttlMs) => (written.push(key, value), store.setIfAbsent(key, value, ttlMs)),
    }
    const correlation = createCorrelation({ store: recording, sessions: { customerIdFor: (handle) => backend.customerIdFor(handle) } })
    await start({
      now: () => now,
      identify: (name) => (name === 'Ada Lovelace' ? 'cust-4711' : `customer-${name}`),
      claimsFor: ({ handle }) => correlation.correlationClaims(handle),
    })
    const cookie = await signIn('Ada Lovelace')
    const first = claimsOf((await token(cookie)).body.token)
    now += 60_000
    const refreshed = claimsOf((await token(cookie, '/api/v1/embedded-cx/token/refresh')).body.token)

    expect(first).toMatchObject({ sub: 'cust-4711', cxRef: expect.stringMatching(/^[\w-]{22}$/), routing: { queueId: 'messaging-queue' } })
    expect(refreshed.cxRef).toBe(first.cxRef)
    expect(await correlation.resolve(first.cxRef as string)).toEqual({ sessionId: expect.any(String), customerId: 'cust-4711' })
    // The correlation store names the session by its handle: nothing written there opens the session.
    const sessionId = decodeURIComponent(cookie.slice('sid='.length)).split('.')[0]!
    expect(written.join(' ')).not.toContain(sessionId)

    await post('/logout', { cookie })
    expect(await correlation.resolve(first.cxRef as string)).toBeUndefined()
  })

  it('refuses a payload over 3.5 KB of base64url with a 422 naming its size, and signs one just under it', async () => {
    await start({ claimsFor: () => ({ crmRecord: 'x'.repeat(2700) }) })
    const { response, body } = await token(await signIn())
    expect(response.status).toBe(422)
    expect(body.code).toBe('token_too_large')
    expect(body.message).toMatch(/^the payload encodes to \d{4} bytes of base64url, over the 3584-byte limit/)

    await backend.close()
    await start({ claimsFor: () => ({ crmRecord: 'x'.repeat(2150) }) })
    const fits = await token(await signIn())
    expect(fits.response.status).toBe(200)
    expect(fits.body.token.length).toBeGreaterThan(3584)
  })

  it('stops signing while its clock is more than 10 s off the reference, with Retry-After', async () => {
    const onDrift = vi.fn()
    await start({ clock: { readTime: () => Date.now() - 11_000, onDrift } })
    const refused = await token(await signIn())
    expect(refused.response.status).toBe(503)
    expect(refused.response.headers.get('retry-after')).toBe('30')
    expect(refused.body.code).toBe('clock_drift')
    expect(onDrift).toHaveBeenCalledWith(expect.objectContaining({ driftMs: expect.closeTo(11_000, -2) }))
  })

  it.each([
    ['NaN', () => NaN],
    ['a promise', () => Promise.resolve(NaN)],
    ['a string', () => new Date().toUTCString()],
  ])('fails closed when the clock reference answers %s', async (_, readTime) => {
    await start({ clock: { readTime: readTime as () => number, onError: () => {} } })
    const refused = await token(await signIn())
    expect(refused.response.status).toBe(503)
    expect(refused.body.code).toBe('clock_unverified')
  })

  it('ends a session after its lifetime, server-side', async () => {
    let now = Date.now()
    await start({ sessionTtlSeconds: 600, now: () => now })
    const cookie = await signIn()
    now += 599_000
    expect((await token(cookie)).response.status).toBe(200)
    now += 2_000
    expect((await token(cookie)).response.status).toBe(401)
  })

  it('gives a new session id on every sign-in and invalidates the one it replaces', async () => {
    await start()
    const first = await signIn()
    const response = await post('/login', { cookie: first, body: { name: 'Ada' } })
    const second = response.headers.get('set-cookie')!.split(';')[0]!
    expect(second).not.toBe(first)
    expect((await token(first)).response.status).toBe(401)
    expect((await token(second)).response.status).toBe(200)
  })

  it('keeps a bounded number of sessions, dropping the least recently used', async () => {
    await start({ maxSessions: 3 })
    const cookies = []
    for (let index = 0; index < 4; index++) cookies.push(await signIn(`visitor ${index}`))
    expect((await token(cookies[0]!)).response.status).toBe(401)
    for (const cookie of cookies.slice(1)) expect((await token(cookie)).response.status).toBe(200)
  })

  it('limits the sign-in body in bytes, not characters', async () => {
    await start()
    const euros = { name: '€'.repeat(2000) } // 2011 characters, 6011 bytes
    const response = await post('/login', { body: euros })
    expect(response.status).toBe(413)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('body_too_large')
  })

  it('refuses a cross-site form sign-in', async () => {
    await start()
    const response = await fetch(`${backend.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
      body: 'name=Mallory',
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('set-cookie')).toBeNull()
  })

  it('ends the session on logout', async () => {
    await start()
    const cookie = await signIn()
    const response = await post('/logout', { cookie })
    expect(response.headers.get('set-cookie')).toMatch(/^sid=; .*Max-Age=0/)
    expect((await token(cookie)).response.status).toBe(401)
  })

  it.each(['/', '/spa/'])('serves %s with a nonce-based CSP and a strict referrer policy', async (path) => {
    await start({ widgetOrigin: 'https://apps.mypurecloud.com' })
    const response = await fetch(`${backend.url}${path}`)
    const csp = response.headers.get('content-security-policy')!
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!
    const html = await response.text()

    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}'`)
    expect(csp).toContain("frame-src 'self' https://apps.mypurecloud.com")
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
    for (const tag of html.match(/<script(?! type="application\/json")[^>]*>/g)!) expect(tag).toContain(`nonce="${nonce}"`)
    const again = await fetch(`${backend.url}${path}`)
    expect(again.headers.get('content-security-policy')).not.toContain(nonce)
  })

  it('escapes the visitor’s name in the portal page', async () => {
    await start()
    const cookie = await signIn('<img src=x onerror=alert(1)>')
    const html = await (await fetch(`${backend.url}/`, { headers: { Cookie: cookie } })).text()
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).not.toContain('<img src=x')
  })
})

describe('the example backend’s environment', () => {
  it('takes valid settings and defaults', () => {
    expect(readEnvironment({ PORT: '8080', TOKEN_TTL_SECONDS: '900' })).toMatchObject({ PORT: 8080, TOKEN_TTL_SECONDS: 900, LEEWAY_SECONDS: 20 })
  })

  it('needs a configured signing key to share Redis between instances', () => {
    expect(() => readEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL: several instances sharing Redis need TOKEN_SIGNING_KEY_FILE/)
    expect(readEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379', TOKEN_SIGNING_KEY_FILE: '/run/secrets/key.pem' }).REDIS_URL).toBe('redis://127.0.0.1:6379')
  })

  it('names every invalid variable', () => {
    expect(() => readEnvironment({ PORT: 'eighty', TOKEN_TTL_SECONDS: '-5', SESSION_SECRET: 'short', CLOCK_REFERENCE_URL: 'http://time.example' })).toThrow(
      /PORT: .*; TOKEN_TTL_SECONDS: .*; SESSION_SECRET: SESSION_SECRET must be at least 32 characters; CLOCK_REFERENCE_URL: CLOCK_REFERENCE_URL must be an https URL/,
    )
  })
})
