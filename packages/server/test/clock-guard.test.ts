// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { ClockSourceError, type ClockGuardOptions, type TokenService } from 'widget-token-server'
import { createService, runOnFakeTime, tokenRequest } from './helpers'

let service: TokenService

runOnFakeTime()

function guarded(clock: ClockGuardOptions) {
  const onError = vi.fn()
  const onDrift = vi.fn()
  ;({ service } = createService({ clock: { onError, onDrift, ...clock } }))
  return { onError, onDrift }
}

const status = async () => {
  const response = await service.fetch(tokenRequest())
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, any> }
}

describe('the clock guard', () => {
  it('issues while the clock is within 10 s of the reference', async () => {
    guarded({ readTime: () => Date.now() + 9_000 })
    expect((await status()).status).toBe(200)
  })

  it('refuses with 503 and Retry-After over 10 s of drift, and calls onDrift', async () => {
    const { onDrift } = guarded({ readTime: () => Date.now() - 11_000 })
    expect(await status()).toMatchObject({ status: 503, retryAfter: '30', body: { code: 'clock_drift' } })
    expect(onDrift).toHaveBeenCalledWith({ driftMs: 11_000, measuredAt: Date.now() })
  })

  it('recovers once a later measurement finds the clock corrected', async () => {
    let referenceAheadMs = 60_000
    guarded({ readTime: () => Date.now() + referenceAheadMs })
    expect((await status()).status).toBe(503)
    referenceAheadMs = 0
    await vi.advanceTimersByTimeAsync(30_000)
    expect((await status()).status).toBe(200)
  })

  it.each([
    ['NaN', () => NaN],
    ['a promise of NaN', () => Promise.resolve(NaN)],
    ['a string', () => new Date().toUTCString() as never],
    ['seconds instead of milliseconds', () => Math.floor(Date.now() / 1000)],
    ['an invalid Date', () => new Date('soon')],
    ['a rejection', () => Promise.reject(new Error('DNS'))],
  ])('fails closed when the source answers %s, and reports it', async (_, readTime) => {
    const { onError } = guarded({ readTime })
    expect(await status()).toMatchObject({ status: 503, retryAfter: '30', body: { code: 'clock_unverified' } })
    expect(onError).toHaveBeenCalledWith(expect.any(ClockSourceError))
  })

  it('waits on a source that answers with a promise of the time', async () => {
    guarded({ readTime: () => Promise.resolve(Date.now() + 20_000) })
    expect((await status()).body.code).toBe('clock_drift')
  })

  it('keeps issuing on an unreadable source only under whenUnknown: issue, reporting every failure', async () => {
    const { onError } = guarded({ readTime: () => NaN, whenUnknown: 'issue' })
    expect((await status()).status).toBe(200)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(onError).toHaveBeenCalledTimes(2)
  })

  it('measures in the background, three readings at a time, never per token', async () => {
    const readTime = vi.fn(() => Date.now())
    guarded({ readTime, intervalMs: 60_000 })
    for (let index = 0; index < 5; index++) await service.fetch(tokenRequest('/token', { session: `s${index}` }))
    expect(readTime).toHaveBeenCalledTimes(3)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(readTime).toHaveBeenCalledTimes(6)
  })

  it('takes the median of three readings, each corrected by half its round trip', async () => {
    // The reference is 9 s behind; each reading takes a 4 s round trip and is taken half-way.
    // Uncorrected, the readings would say 11 s; the first one is an outlier the median drops.
    const offsets = [600_000, -9_000, -9_000]
    const { onDrift } = guarded({
      readTime: async () => {
        const sentAt = Date.now()
        await vi.advanceTimersByTimeAsync(4_000)
        return sentAt + 2_000 + offsets.shift()!
      },
    })
    expect((await status()).status).toBe(200)
    expect(onDrift).not.toHaveBeenCalled()
  })

  it('reads the Date header of an https reference with HEAD', async () => {
    const fetch = vi.fn(async () => new Response(null, { headers: { Date: new Date(Date.now() - 30_000).toUTCString() } }))
    guarded({ url: 'https://login.mypurecloud.com/', fetch })
    expect((await status()).body.code).toBe('clock_drift')
    expect(fetch).toHaveBeenCalledWith(new URL('https://login.mypurecloud.com/'), expect.objectContaining({ method: 'HEAD' }))
  })

  it('refuses a plain-http reference or no source at all', () => {
    expect(() => createService({ clock: { url: 'http://time.example' } })).toThrow(TypeError)
    expect(() => createService({ clock: {} })).toThrow(TypeError)
  })
})
