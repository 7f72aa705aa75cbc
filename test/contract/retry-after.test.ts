// @vitest-environment node
import { exportJWK, generateKeyPair } from 'jose'
import Redis from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { createRedisStore, type TokenService } from 'widget-token-server'
import { WidgetTokenError } from '../../src/errors'
import { createRecovery } from '../../src/policy'
import { parseRetryAfter } from '../../src/source'
import { createService, runOnFakeTime, tokenRequest } from '../../packages/server/test/helpers'

// The server writes Retry-After; the browser SDK reads it. These tests hand the one's real answers to
// the other, so neither side can change its reading of the header alone.

runOnFakeTime()

/** How long the SDK waits after this answer: its parser, then its retry policy without jitter. */
function sdkWaitMs(response: Response): number | undefined {
  const retryAfterMs = parseRetryAfter(response.headers, () => Date.now())
  const error = new WidgetTokenError(response.status === 429 ? 'rate_limited' : 'http', '', { status: response.status, retryable: true, retryAfterMs })
  return createRecovery({ baseMs: 1000, maxMs: 60_000 }, () => 0).failed(error, Date.now(), undefined)
}

/** Asks again after `waitMs`, one millisecond early and on time: what the SDK would get each time. */
async function askAgainAfter(service: TokenService, waitMs: number) {
  vi.advanceTimersByTime(waitMs - 1)
  const early = (await service.fetch(tokenRequest())).status
  vi.advanceTimersByTime(1)
  const onTime = (await service.fetch(tokenRequest())).status
  return { early, onTime }
}

describe('Retry-After from the server, as the SDK reads it', () => {
  it('a 429 from the session limit: the SDK waits until the limiter lets it in, not a millisecond less', async () => {
    const { service } = createService({ sessionRateLimit: { points: 1, durationSeconds: 60 }, refreshWindowSeconds: 0.001 })
    expect((await service.fetch(tokenRequest())).status).toBe(200)
    const refused = await service.fetch(tokenRequest())

    expect(refused.status).toBe(429)
    expect(sdkWaitMs(refused)).toBe(60_000)
    expect(await askAgainAfter(service, sdkWaitMs(refused)!)).toEqual({ early: 429, onTime: 200 })
  })

  it('a 429 part-way through the window: whole seconds rounded up, so the SDK never comes back too early', async () => {
    const { service } = createService({ addressRateLimit: { points: 1, durationSeconds: 10 } })
    const socket = { incoming: { socket: { remoteAddress: '203.0.113.7' } } }
    expect((await service.fetch(tokenRequest('/token', { session: 'a' }), socket)).status).toBe(200)
    vi.advanceTimersByTime(2_500)
    const refused = await service.fetch(tokenRequest('/token', { session: 'b' }), socket)

    expect(refused.headers.get('retry-after')).toBe('8')
    expect(sdkWaitMs(refused)).toBe(8_000)
    vi.advanceTimersByTime(sdkWaitMs(refused)!)
    expect((await service.fetch(tokenRequest('/token', { session: 'b' }), socket)).status).toBe(200)
  })

  it('a 503 while Redis is down: the SDK waits the five seconds the server asked', async () => {
    // Nothing listens on port 1: the client fails at once, as a production client set to fail fast does.
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
    redis.on('error', () => {})
    try {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true })
      const { service } = createService({ keys: [{ privateKey: await exportJWK(privateKey), alg: 'ES256' }], store: createRedisStore(redis) })
      const refused = await service.fetch(tokenRequest())

      expect(refused.status).toBe(503)
      expect((await refused.json()) as unknown).toMatchObject({ code: 'store_unavailable' })
      expect(sdkWaitMs(refused)).toBe(5_000)
    } finally {
      redis.disconnect()
    }
  })

  it('a 503 from the clock guard: the SDK waits the thirty seconds until the guard measures again', async () => {
    const { service } = createService({ clock: { readTime: () => Date.now() + 60_000, onDrift: () => {}, onError: () => {} } })
    const refused = await service.fetch(tokenRequest())

    expect(refused.status).toBe(503)
    expect((await refused.json()) as unknown).toMatchObject({ code: 'clock_drift' })
    expect(sdkWaitMs(refused)).toBe(30_000)
  })
})
