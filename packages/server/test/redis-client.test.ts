// @vitest-environment node
import { exportJWK, generateKeyPair } from 'jose'
import Redis from 'ioredis'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRedisStore, type SigningKeyInput } from 'widget-token-server'
import { createService, tokenRequest } from './helpers'
import { hasRedisServer, ownRedisServer, uniquePrefix } from './redis'

// Redis as production meets it: hung, not yet up, down for a while. Each test runs a redis-server
// of its own, since pausing or stopping a shared one would disturb other tests.


const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

let key: SigningKeyInput
beforeAll(async () => {
  key = { privateKey: await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' }
})

/** An ioredis client as the README's scale-out snippet makes it, without an error listener of its own. */
function productionClient(url: string) {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  cleanup.push(() => client.disconnect())
  return client
}

function serviceOn(client: Redis, storeOptions: { commandTimeoutMs?: number } = {}) {
  const created = createService({ keys: [key], algorithm: undefined, refreshWindowSeconds: 0.001, store: createRedisStore(client, { prefix: uniquePrefix(), ...storeOptions }) })
  cleanup.push(() => created.service.close())
  return created
}

const settle = (promise: Promise<unknown>) => {
  const state = { done: false }
  promise.then(() => (state.done = true), () => (state.done = true))
  return state
}

describe.skipIf(!hasRedisServer)('Redis as a production client', () => {
  it('answers 503 within the command timeout while Redis hangs, not when it wakes', async () => {
    const redis = await ownRedisServer()
    cleanup.push(() => redis.stop())
    const client = productionClient(redis.url)
    const { service } = serviceOn(client, { commandTimeoutMs: 200 })
    await service.ready()
    expect((await service.fetch(tokenRequest())).status).toBe(200)

    const pauser = new Redis(redis.url, { lazyConnect: true })
    cleanup.push(() => pauser.disconnect())
    await pauser.connect()
    await pauser.call('CLIENT', 'PAUSE', '3000', 'ALL')
    const pausedAt = Date.now()
    const response = await service.fetch(tokenRequest('/token', { session: 'during-the-pause' }))
    const answeredAfterMs = Date.now() - pausedAt

    expect(response.status).toBe(503)
    expect(((await response.json()) as { code: string }).code).toBe('store_unavailable')
    // The pause lasts 3 s: an answer before it ends came from the timeout, not from Redis waking up.
    expect(answeredAfterMs).toBeLessThan(3000)
  }, 15_000)

  it('lets ready() wait for a Redis that is not up yet', async () => {
    const redis = await ownRedisServer()
    cleanup.push(() => redis.stop())
    await redis.stop()
    const client = productionClient(redis.url)
    const { service } = serviceOn(client)
    const ready = settle(service.ready())
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(ready.done).toBe(false)

    await redis.start()
    await vi.waitFor(() => expect(ready.done).toBe(true), { timeout: 5000, interval: 50 })
    await expect(service.ready()).resolves.toBeUndefined()
    expect((await service.fetch(tokenRequest())).status).toBe(200)
  }, 15_000)

  it('logs one line when an outage starts and one when it ends, and nothing from ioredis', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
    cleanup.push(() => consoleError.mockRestore())
    const redis = await ownRedisServer()
    cleanup.push(() => redis.stop())
    const client = productionClient(redis.url)
    const { service, logger } = serviceOn(client)
    await service.ready()

    await redis.stop()
    for (let index = 0; index < 20; index++) {
      expect((await service.fetch(tokenRequest('/token', { session: `s${index}` }))).status).toBe(503)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await redis.start()
    await vi.waitFor(async () => expect((await service.fetch(tokenRequest())).status).toBe(200), { timeout: 5000, interval: 50 })

    const lines = logger.warn.mock.calls.map(([line]) => String(line))
    expect(lines.filter((line) => line.includes('the shared store is unavailable'))).toHaveLength(1)
    expect(lines.filter((line) => line.includes('the shared store answers again'))).toHaveLength(1)
    expect(logger.error).not.toHaveBeenCalled()
    expect(consoleError.mock.calls.filter(([first]) => String(first).includes('ioredis'))).toEqual([])
  }, 20_000)

  it('makes issue() refuse with store_unavailable while Redis is down', async () => {
    const redis = await ownRedisServer()
    cleanup.push(() => redis.stop())
    const client = productionClient(redis.url)
    const { service } = serviceOn(client)
    await service.ready()
    await redis.stop()
    await expect(service.issue('visitor')).rejects.toMatchObject({ name: 'TokenRefusal', code: 'store_unavailable', status: 503 })
  }, 15_000)
})

describe('createRedisStore options', () => {
  it.each([0, -1, NaN, '1000'])('refuses commandTimeoutMs %s', (commandTimeoutMs) => {
    expect(() => createRedisStore({} as never, { commandTimeoutMs: commandTimeoutMs as never })).toThrow(/^widget-token-server: commandTimeoutMs must be a positive number of milliseconds/)
  })
})
