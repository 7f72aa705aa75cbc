// @vitest-environment node
import { exportJWK, generateKeyPair } from 'jose'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SigningKeyInput, Store, TokenServiceOptions } from 'widget-token-server'
import { claimsOf, createService, tokenRequest } from './helpers'
import { storesToTest } from './redis'

// Two tenants (two services with their own issuer and audience) on one store, as two apps or two
// environments sharing one Redis with the default prefix.

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const now = () => Date.UTC(2026, 10, 25, 9)
const ecKey = async (): Promise<SigningKeyInput> => ({ privateKey: await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' })
let keysOfA: SigningKeyInput[]
let keysOfB: SigningKeyInput[]
beforeAll(async () => {
  keysOfA = [await ecKey()]
  keysOfB = [await ecKey()]
})

const backends = await storesToTest(now, cleanup)

function tenant(name: 'a' | 'b', store: Store, options: Partial<TokenServiceOptions> = {}) {
  const created = createService({
    issuer: `portal-${name}`,
    audience: `org-${name}`,
    keys: name === 'a' ? keysOfA : keysOfB,
    algorithm: undefined,
    store,
    now,
    ...options,
  })
  cleanup.push(() => created.service.close())
  return created.service
}

const tokenOf = async (response: Response) => ((await response.json()) as { token: string }).token

describe.each(backends)('two tenants on %s', (_, openStore) => {
  it('never answer one tenant with the other’s token for the same session', async () => {
    const store = await openStore()
    const a = tenant('a', store)
    const b = tenant('b', store)
    const fromA = await tokenOf(await a.fetch(tokenRequest('/token', { session: 'shared-id' })))
    const response = await b.fetch(tokenRequest('/token', { session: 'shared-id' }))

    expect(response.status).toBe(200)
    const fromB = await tokenOf(response)
    expect(fromB).not.toBe(fromA)
    expect(claimsOf(fromB)).toMatchObject({ iss: 'portal-b', aud: 'org-b' })
  })

  it('each keep their own key schedule, with keys of their own', async () => {
    const store = await openStore()
    const a = tenant('a', store)
    const b = tenant('b', store)
    expect((await a.fetch(tokenRequest())).status).toBe(200)
    expect((await b.fetch(tokenRequest())).status).toBe(200)
    expect((await b.fetch(tokenRequest('/token', { session: 'other' }))).status).toBe(200)
  })

  it('each count their own sessions against a limiter they share', async () => {
    const store = await openStore()
    const limiter = new RateLimiterMemory({ points: 1, duration: 60 })
    const a = tenant('a', store, { sessionRateLimit: { limiter } })
    const b = tenant('b', store, { sessionRateLimit: { limiter } })
    expect((await a.fetch(tokenRequest())).status).toBe(200)
    expect((await b.fetch(tokenRequest())).status).toBe(200)
    expect((await a.fetch(tokenRequest())).status).toBe(429)
  })
})

describe('a custom store that throws instead of rejecting', () => {
  const notConnected = () => {
    throw new Error('the client is not connected')
  }
  const throwingStore: Store = { get: notConnected, set: notConnected, setIfAbsent: notConnected, delete: notConnected, increment: notConnected }

  it('is an outage like any other: 503 store_unavailable with Retry-After, not a 500', async () => {
    const refused = await tenant('a', throwingStore).fetch(tokenRequest())
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    expect(await refused.json()).toEqual({ code: 'store_unavailable', message: 'the token service cannot reach its shared store' })
  })

  it('makes issue(), which no rate limit guards, refuse with store_unavailable too', async () => {
    await expect(tenant('a', throwingStore).issue('visitor')).rejects.toMatchObject({ name: 'TokenRefusal', code: 'store_unavailable', status: 503 })
  })
})
