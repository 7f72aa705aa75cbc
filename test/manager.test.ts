import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget } from '../src'
import { createHarness, ENDPOINT, genConfig, MINUTE, PAGE_RETURNS, REFRESH_ENDPOINT, settle, sleepDevice, setVisibility, T0, type Harness } from './helpers/setup'
import { sdkTimerCount } from './helpers/widget'
import { createBackend } from './helpers/backend'
import { createFakeGen } from './helpers/widget'

let h: Harness

afterEach(() => {
  h?.manager.stop()
  vi.useRealTimers()
  delete (globalThis as { gen?: unknown }).gen
})

describe('start', () => {
  it('posts once to the endpoint and starts the widget with the token', async () => {
    h = createHarness()
    await h.manager.start()

    expect(h.backend.requests).toHaveLength(1)
    const [{ url, init }] = h.backend.requests as [{ url: string; init: RequestInit }]
    expect(url).toBe(ENDPOINT)
    expect(init).toMatchObject({ method: 'POST', body: '{"reason":"start"}', credentials: 'same-origin' })
    expect(init.signal).toBeInstanceOf(AbortSignal)
    expect(h.widget.gen.init).toHaveBeenCalledTimes(1)
    expect(h.widget.gen.init.mock.calls[0]?.[0]).toEqual({
      ...genConfig,
      settings: { ...genConfig.settings, authentication: { method: 'jwt', token: h.backend.issued[0] } },
    })
    expect(h.of('token')).toEqual([{ reason: 'start', issuedAt: T0, expiresAt: T0 + 30 * MINUTE, lifetimeMs: 30 * MINUTE }])
    expect(h.manager.state).toBe('active')
    expect(h.manager.expiresAt).toBe(T0 + 30 * MINUTE)
  })

  it('plans the refresh two minutes before expiry', async () => {
    h = createHarness()
    await h.manager.start()

    await vi.advanceTimersByTimeAsync(28 * MINUTE - 1)
    expect(h.backend.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(h.backend.requests.map((request) => request.url)).toEqual([ENDPOINT, REFRESH_ENDPOINT])
  })

  it('does not start twice', async () => {
    h = createHarness()
    const first = h.manager.start()
    const second = h.manager.start()
    await Promise.all([first, second])
    expect(second).toBe(first)
    expect(h.backend.requests).toHaveLength(1)
    expect(h.widget.gen.init).toHaveBeenCalledTimes(1)
  })

  it('waits for a widget script that loads later', async () => {
    vi.useFakeTimers({ now: T0 })
    const backend = createBackend()
    const widget = createFakeGen()
    const manager = createTokenManager({ endpoint: ENDPOINT, widget: genWidget({ config: genConfig }), fetch: backend.fetch })
    const started = manager.start()

    await vi.advanceTimersByTimeAsync(5000)
    expect(manager.state).toBe('starting')
    ;(globalThis as { gen?: unknown }).gen = widget.gen
    await vi.advanceTimersByTimeAsync(100)
    await started
    expect(widget.token).toBe(backend.issued[0])
    manager.stop()
  })

  it('ends with widget_unavailable when the widget never loads', async () => {
    vi.useFakeTimers({ now: T0 })
    const backend = createBackend()
    const manager = createTokenManager({ endpoint: ENDPOINT, widget: genWidget({ config: genConfig, waitMs: 2000 }), fetch: backend.fetch })
    const ended = vi.fn()
    manager.on('ended', ended)
    const started = manager.start()
    const rejected = expect(started).rejects.toMatchObject({ code: 'widget_unavailable' })

    await vi.advanceTimersByTimeAsync(2100)
    await rejected
    expect(ended).toHaveBeenCalledTimes(1)
    expect(manager.state).toBe('ended')
    expect(sdkTimerCount()).toBe(0)
  })
})

describe('refresh', () => {
  it('hands the new token over with updateConfiguration and plans again', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.widget.gen.init).toHaveBeenCalledTimes(1)
    expect(h.widget.gen.updateConfiguration).toHaveBeenCalledTimes(1)
    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.of('token').map((event) => event.reason)).toEqual(['start', 'schedule'])
    expect(h.manager.expiresAt).toBe(T0 + 58 * MINUTE)

    await vi.advanceTimersByTimeAsync(28 * MINUTE)
    expect(h.backend.requests).toHaveLength(3)
  })

  it('re-initialises the widget when updateConfiguration is missing', async () => {
    h = createHarness()
    h.widget.gen.updateConfiguration = undefined
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.widget.token).toBe(h.backend.issued[1])
  })

  it('re-initialises the widget when updateConfiguration throws', async () => {
    h = createHarness()
    h.widget.gen.updateConfiguration = vi.fn(() => {
      throw new Error('not supported in this mode')
    })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.of('error')).toEqual([])
  })

  it('refreshes on demand and resolves once the widget has the token', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(5 * MINUTE)
    await h.manager.refresh()

    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.of('token').at(-1)).toMatchObject({ reason: 'manual', expiresAt: T0 + 35 * MINUTE })
  })

  it('rejects a requested refresh that fails, and keeps retrying in the background', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer({ status: 503 })

    await expect(h.manager.refresh()).rejects.toMatchObject({ code: 'http', status: 503, retryable: true })
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.backend.requests).toHaveLength(3)
    expect(h.widget.token).toBe(h.backend.issued[1])
  })
})

describe('time', () => {
  it.each([
    ['ahead', 15 * MINUTE],
    ['behind', -15 * MINUTE],
  ])('refreshes on time with a device clock 15 minutes %s', async (_, offsetMs) => {
    h = createHarness({ serverAheadMs: -offsetMs })
    await h.manager.start()

    expect(h.manager.expiresAt).toBe(T0 + 30 * MINUTE)
    await vi.advanceTimersByTimeAsync(28 * MINUTE - 1)
    expect(h.backend.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(h.backend.requests).toHaveLength(2)
    expect(h.of('warning')).toEqual([expect.objectContaining({ code: 'clock_skew', skewMs: -offsetMs })])
    expect(h.of('error')).toEqual([])
  })

  it('does not warn about a skew of a few seconds', async () => {
    h = createHarness({ serverAheadMs: 20_000 })
    await h.manager.start()
    expect(h.of('warning')).toEqual([])
  })

  it('refreshes at half the lifetime when it is shorter than twice the leeway, without looping', async () => {
    h = createHarness({ ttlSeconds: 60 })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(10 * MINUTE)

    expect(h.backend.requests).toHaveLength(21)
    expect(h.of('expired')).toEqual([])
  })

  it('keeps refreshes at least a second apart for tokens that live a second', async () => {
    h = createHarness({ ttlSeconds: 1 })
    await h.manager.start()
    const sentAt = [Date.now()]
    h.manager.on('token', () => sentAt.push(Date.now()))
    await vi.advanceTimersByTimeAsync(10_000)

    expect(h.backend.requests).toHaveLength(11)
    for (const [index, at] of sentAt.slice(1).entries()) expect(at - sentAt[index]!).toBeGreaterThanOrEqual(1000)
  })

  it('chains delays longer than setTimeout can hold', async () => {
    h = createHarness({ ttlSeconds: 40 * 24 * 3600 })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(2 ** 31)

    expect(h.backend.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(40 * 24 * 3600 * 1000 - 120_000 - 2 ** 31)
    expect(h.backend.requests).toHaveLength(2)
  })

  it('notices a device that slept past the refresh when the late timer fires', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    sleepDevice(2 * 60 * MINUTE)
    await vi.advanceTimersByTimeAsync(27 * MINUTE)

    expect(h.of('expired')).toHaveLength(1)
    expect(h.of('token').at(-1)?.reason).toBe('resume')
    expect(h.manager.state).toBe('active')
  })
})

describe('page lifecycle', () => {
  it.each(PAGE_RETURNS)('refreshes at once for %s whose timers stalled past the refresh', async (_, signal, reason) => {
    h = createHarness()
    await h.manager.start()
    sleepDevice(29 * MINUTE)
    signal()
    await settle()

    expect(h.backend.requests).toHaveLength(2)
    expect(h.of('token').at(-1)?.reason).toBe(reason)
    expect(h.of('expired')).toEqual([])
  })

  it('announces expiry first when the tab returns after the token ran out', async () => {
    h = createHarness()
    await h.manager.start()
    setVisibility('hidden')
    sleepDevice(45 * MINUTE)
    setVisibility('visible')
    await settle()

    expect(h.events.map((entry) => entry.type)).toEqual(['token', 'expired', 'token'])
    expect(h.widget.token).toBe(h.backend.issued[1])
  })

  it('makes no request when a shown tab is not yet due', async () => {
    h = createHarness()
    await h.manager.start()
    sleepDevice(10 * MINUTE)
    setVisibility('visible')
    window.dispatchEvent(new Event('focus'))
    await settle()

    expect(h.backend.requests).toHaveLength(1)
  })
})

describe('options', () => {
  it('says what it needs when given neither an endpoint nor a fetchToken', () => {
    // @ts-expect-error the options' type says so too
    expect(() => createTokenManager({ widget: genWidget({ config: genConfig }) })).toThrow('widget-token: endpoint or fetchToken is required')
  })

  it('reads a Retry-After date against its clock when the answer has no Date', async () => {
    vi.useFakeTimers({ now: T0 })
    const clockNow = Date.parse('Mon, 02 Mar 2026 09:00:00 GMT') - 20 * MINUTE
    const fetch = vi.fn(async () => new Response(null, { status: 503, headers: { 'retry-after': 'Mon, 02 Mar 2026 08:41:00 GMT' } }))
    const manager = createTokenManager({
      endpoint: ENDPOINT,
      fetch,
      widget: genWidget({ config: genConfig, gen: createFakeGen().gen }),
      clock: { now: () => clockNow, setTimeout: (callback, delayMs) => setTimeout(callback, delayMs), clearTimeout: (handle) => clearTimeout(handle as number) },
      random: () => 0,
    })
    const errors = vi.fn()
    manager.on('error', errors)
    manager.start().catch(() => {})
    await settle()
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'http', retryAfterMs: MINUTE, retryInMs: MINUTE }))
    manager.stop()
  })
})
