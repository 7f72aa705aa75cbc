// @vitest-environment node
import { createLocalJWKSet, decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore, type SigningKeyInput, type TokenService, type TokenServiceOptions } from 'widget-token-server'
import { createService, tokenRequest } from './helpers'
import { connect, hasRedisServer, ownRedisServer, redisAvailable, uniquePrefix } from './redis'

const available = await redisAvailable()

let keys: SigningKeyInput[]
const cleanup: Array<() => unknown> = []

beforeAll(async () => {
  const pem = async () => exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey)
  keys = [{ privateKey: await pem() }, { privateKey: await pem() }]
})

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** Two instances of the token service, as two processes behind a load balancer would run it. */
async function twoInstances(options: Partial<TokenServiceOptions> = {}, url?: string) {
  const prefix = uniquePrefix()
  const instances: TokenService[] = []
  for (let index = 0; index < 2; index++) {
    const client = connect(url)
    client.on('error', () => {})
    await client.connect()
    const { service } = createService({ keys, algorithm: undefined, store: createRedisStore(client, { prefix }), ...options })
    await service.ready()
    instances.push(service)
    cleanup.push(() => (service.close(), client.disconnect()))
  }
  return instances as [TokenService, TokenService]
}

const json = async (response: Response) => (await response.json()) as Record<string, any>

describe.skipIf(!available)('several instances sharing Redis', () => {
  it('give one token per session per refresh window', async () => {
    const [a, b] = await twoInstances()
    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 ? a : b).fetch(tokenRequest('/token/refresh'))))
    const tokens = new Set(await Promise.all(answers.map(async (response) => (await json(response)).token)))
    expect(tokens.size).toBe(1)
    const other = await json(await b.fetch(tokenRequest('/token/refresh', { session: 'other' })))
    expect(tokens.has(other.token)).toBe(false)
  })

  it('hold one rate limit across both', async () => {
    const client = connect()
    await client.connect()
    cleanup.push(() => client.disconnect())
    const limiter = new RateLimiterRedis({ storeClient: client, keyPrefix: uniquePrefix(), points: 3, duration: 60 })
    const [a, b] = await twoInstances({ sessionRateLimit: { limiter }, refreshWindowSeconds: 0.001 })
    const statuses = []
    for (const instance of [a, b, a, b]) statuses.push((await instance.fetch(tokenRequest())).status)
    expect(statuses).toEqual([200, 200, 200, 429])
  })

  it('hold one rate limit across both when given only { points, durationSeconds }: the counts live in the store', async () => {
    const [a, b] = await twoInstances({ sessionRateLimit: { points: 3, durationSeconds: 60 }, refreshWindowSeconds: 0.001 })
    const statuses = []
    for (const instance of [a, b, a, b]) statuses.push((await instance.fetch(tokenRequest())).status)
    expect(statuses).toEqual([200, 200, 200, 429])
  })

  it('see a rotation started on one, and no token fails verification meanwhile', async () => {
    let now = Date.now()
    const [a, b] = await twoInstances({ now: () => now, jwksMaxAgeSeconds: 300, ttlSeconds: 900, refreshWindowSeconds: 0.001 })
    const cachedFromB = createLocalJWKSet(await b.jwks())
    const oldKid = decodeProtectedHeader((await b.issue('visitor')).token).kid
    const { kid: newKid, activatesAt } = await a.rotate()

    expect((await b.jwks()).keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newKid]))
    for (; now < activatesAt + 120_000; now += 30_000) {
      for (const instance of [a, b]) {
        const { token } = await instance.issue('visitor')
        expect(decodeProtectedHeader(token).kid).toBe(now < activatesAt ? oldKid : newKid)
        await expect(jwtVerify(token, cachedFromB, { currentDate: new Date(now) })).resolves.toBeTruthy()
      }
    }
    expect(await b.rotate()).toEqual({ kid: oldKid, activatesAt: now + 300_000 })
  })

  it('need keys from configuration', () => {
    expect(() => createService({ store: createRedisStore(connect()) })).toThrow(/keys from configuration/)
  })
})

describe.skipIf(!hasRedisServer)('a Redis restart', () => {
  it('refuses with 503 and Retry-After while Redis is down, then recovers; issued tokens stay valid', async () => {
    const redis = await ownRedisServer()
    cleanup.push(() => redis.stop())
    const [a, b] = await twoInstances({ refreshWindowSeconds: 0.001 }, redis.url)
    const before = await json(await a.fetch(tokenRequest()))

    await redis.stop()
    for (const instance of [a, b]) {
      const refused = await instance.fetch(tokenRequest('/token/refresh'))
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect(await json(refused)).toEqual({ code: 'store_unavailable', message: 'the token service cannot reach its shared store' })
    }

    await redis.start()
    let recovered: Response | undefined
    // The clients reconnect on their own, within a few of their 50 ms retries.
    for (let attempt = 0; attempt < 100 && recovered?.status !== 200; attempt++) {
      recovered = await b.fetch(tokenRequest('/token/refresh'))
      if (recovered.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(recovered!.status).toBe(200)
    const jwks = createLocalJWKSet(await b.jwks())
    await expect(jwtVerify(before.token, jwks)).resolves.toBeTruthy()
    await expect(jwtVerify((await json(recovered!)).token, jwks)).resolves.toBeTruthy()
    // A real redis-server is stopped and started: on a busy machine that takes seconds.
  }, 30_000)
})

describe.skipIf(!hasRedisServer)('the example backend while Redis is down', () => {
  it('answers a sign-in with 503 and Retry-After, not 500, then signs in once Redis is back', async () => {
    const { createBackend } = await import('../../../examples/backend/server.mjs')
    const redis = await ownRedisServer()
    cleanup.push(() => redis.stop())
    const client = connect(redis.url)
    client.on('error', () => {})
    await client.connect()
    const backend = await createBackend({ keys, store: createRedisStore(client, { prefix: uniquePrefix() }) })
    cleanup.push(() => backend.close().then(() => client.disconnect()))
    const signIn = () => fetch(`${backend.url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: backend.url }, body: '{"name":"Ada"}' })

    await redis.stop()
    const refused = await signIn()
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    expect(await refused.json()).toEqual({ error: { code: 'store_unavailable', message: 'the session store cannot be reached: try again shortly' } })

    await redis.start()
    let signedIn: Response | undefined
    for (let attempt = 0; attempt < 100 && signedIn?.status !== 200; attempt++) {
      signedIn = await signIn()
      if (signedIn.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(signedIn!.status).toBe(200)
  }, 30_000)
})

if (!hasRedisServer) console.warn('Redis restart test skipped: no redis-server binary on PATH (apt-get install redis-server)')

describe.skipIf(!available)('the example backend on two instances sharing Redis', () => {
  it('serves a session signed in on one from the other, and one token per refresh window', async () => {
    const { createBackend } = await import('../../../examples/backend/server.mjs')
    const prefix = uniquePrefix()
    const backends = []
    for (let index = 0; index < 2; index++) {
      const client = connect()
      await client.connect()
      const backend = await createBackend({ keys, sessionSecret: 'shared-session-secret-of-32-chars!', store: createRedisStore(client, { prefix }) })
      backends.push(backend)
      cleanup.push(() => backend.close().then(() => client.disconnect()))
    }
    const [a, b] = backends as [(typeof backends)[0], (typeof backends)[0]]
    const login = await fetch(`${a.url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: a.url }, body: '{"name":"Ada"}' })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const refresh = (backend: typeof a) =>
      fetch(`${backend.url}/api/v1/embedded-cx/token/refresh`, { method: 'POST', headers: { Cookie: cookie, Origin: backend.url } })
    const answers = await Promise.all([refresh(a), refresh(b), refresh(b)])
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    expect(new Set(await Promise.all(answers.map(async (answer) => (await json(answer)).token))).size).toBe(1)
    const sessionId = decodeURIComponent(cookie.slice('sid='.length)).split('.')[0]!
    const inspector = connect()
    await inspector.connect()
    cleanup.push(() => inspector.disconnect())
    const stored = await inspector.keys(`${prefix}*`)
    expect(stored.length).toBeGreaterThan(1)
    expect(stored.join(' ')).not.toContain(sessionId)
  })
})
