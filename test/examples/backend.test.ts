// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import { createBackend, type Backend, type BackendOptions } from '../../examples/backend/server.mjs'

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
  return { response, body: (await response.json()) as { token: string; expiresIn: number; error?: { code: string; message: string } } }
}

const jwks = async () => createLocalJWKSet((await (await fetch(`${backend.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet)

describe('the example backend', () => {
  it('sets an httpOnly, SameSite=Strict session cookie on login', async () => {
    await start()
    const response = await post('/login', { body: { name: 'Ada' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('set-cookie')).toMatch(/^sid=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/)
  })

  it('answers 401 without a session', async () => {
    await start()
    const { response, body } = await token('sid=forged')
    expect(response.status).toBe(401)
    expect(body.error?.code).toBe('no_session')
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
    const claims = [first, second].map(({ body }) => JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString()))
    expect(claims[1].sub).toBe(claims[0].sub)
    expect(claims[1].iat - claims[0].iat).toBe(60)
  })

  it('keeps a rotated key published until the tokens it signed expire', async () => {
    let now = Date.now()
    await start({ ttlSeconds: 300, now: () => now })
    const cookie = await signIn()
    const before = (await token(cookie)).body.token
    const newKid = await backend.rotateKey()
    const after = (await token(cookie)).body.token

    expect(decodeProtectedHeader(after).kid).toBe(newKid)
    expect(decodeProtectedHeader(before).kid).not.toBe(newKid)
    await expect(jwtVerify(before, await jwks())).resolves.toBeTruthy()
    now += 301_000
    const published = (await (await fetch(`${backend.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet
    expect(published.keys.map((key) => key.kid)).toEqual([newKid])
  })

  it('refuses claims that encode to more than 3.5 KB, naming their size', async () => {
    await start({ claimsFor: () => ({ crmRecord: 'x'.repeat(4000) }) })
    const { response, body } = await token(await signIn())
    expect(response.status).toBe(500)
    expect(body.error?.code).toBe('claims_too_large')
    expect(body.error?.message).toMatch(/encode to \d{4} bytes, over the 3584-byte limit/)
  })

  it('stops signing while its clock is more than 10 s off the reference', async () => {
    let drift = 11_000
    await start({ now: () => Date.now() + drift, referenceNow: () => Date.now() })
    const cookie = await signIn()
    const refused = await token(cookie)
    expect(refused.response.status).toBe(503)
    expect(refused.body.error?.code).toBe('clock_drift')

    drift = 2000
    expect((await token(cookie)).response.status).toBe(200)
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
