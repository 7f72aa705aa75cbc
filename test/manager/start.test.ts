import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type TabSync, type WidgetAdapter } from '../../src'
import { createBackend } from '../helpers/backend'
import { freshToken } from '../helpers/jwt'
import { withPushWidget } from '../helpers/managers'
import { cleanUpManagers, createHarness, ENDPOINT, genConfig, MINUTE, REFRESH_ENDPOINT, settle, stopAfterTest, T0, type Harness } from '../helpers/setup'
import { createFakeGen, sdkTimerCount } from '../helpers/widget'

let h: Harness

cleanUpManagers()
// A widget script that loads later stays on the page otherwise.
afterEach(() => {
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

describe('before start()', () => {
  it('is idle, knows no expiry, refuses refresh() and ignores stop()', async () => {
    vi.useFakeTimers({ now: T0 })
    const manager = stopAfterTest(createTokenManager({ fetchToken: async () => ({ token: freshToken() }), widget: { attach: () => () => {} } }))
    expect(manager.state).toBe('idle')
    expect(manager.expiresAt).toBeUndefined()
    expect(() => manager.stop()).not.toThrow()
    await expect(manager.refresh()).rejects.toMatchObject({ name: 'InvalidStateError', message: 'not started' })
  })
})

describe('the first hand-over', () => {
  it('waits 30 s on top of the request timeout for a widget script to load', async () => {
    const { manager, errors } = withPushWidget(({}, { first }) => (first ? new Promise<void>((resolve) => setTimeout(resolve, 39_000)) : undefined))
    const started = manager.start()
    await vi.advanceTimersByTimeAsync(39_000)
    await expect(started).resolves.toBeUndefined()
    expect(errors).toEqual([])
  })

  it('fails as a retryable widget_rejected naming the time it waited', async () => {
    const { manager, errors } = withPushWidget(() => new Promise<void>(() => {}))
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(40_000 - 1)
    expect(errors).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(errors).toEqual([expect.objectContaining({ code: 'widget_rejected', retryable: true, message: 'widget-token: widget_rejected: not taken within 40000 ms' })])
  })

  it('waits as long as the adapter says its widget needs', async () => {
    const { manager, errors } = withPushWidget(() => new Promise<void>(() => {}), undefined, { waitMs: 5000 })
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(15_000)
    expect(errors.map((error) => error.message)).toEqual(['widget-token: widget_rejected: not taken within 15000 ms'])
  })
})

describe('a widget that cannot be attached', () => {
  it('rejects start() and removes the page listeners when the adapter cannot attach', async () => {
    vi.useFakeTimers({ now: T0 })
    const cleanup = vi.fn()
    const widget: WidgetAdapter = {
      attach: () => {
        throw new Error('widget API missing')
      },
      apply: vi.fn(),
    }
    const manager = createTokenManager({ fetchToken: async () => ({ token: freshToken() }), widget, page: () => cleanup })
    const ended = vi.fn()
    manager.on('ended', ended)
    let started!: Promise<void>
    expect(() => (started = manager.start())).not.toThrow()

    await expect(started).rejects.toMatchObject({ code: 'widget_unavailable', retryable: false })
    expect(cleanup).toHaveBeenCalledTimes(1)
    expect(ended).toHaveBeenCalledTimes(1)
    expect(widget.apply).not.toHaveBeenCalled()
    expect(manager.state).toBe('ended')
  })

  it('ends with the error an adapter reports from inside attach(), and detaches it', async () => {
    vi.useFakeTimers({ now: T0 })
    const { WidgetTokenError } = await import('../../src')
    const detach = vi.fn()
    const widget: WidgetAdapter = {
      attach: (host) => {
        host.refused(new WidgetTokenError('widget_unavailable', 'no window.Genesys'))
        return detach
      },
    }
    const manager = createTokenManager({ fetchToken: async () => ({ token: freshToken() }), widget })
    await expect(manager.start()).rejects.toMatchObject({ code: 'widget_unavailable' })
    expect(detach).toHaveBeenCalledTimes(1)
    expect(manager.state).toBe('ended')
    expect(sdkTimerCount()).toBe(0)
  })

  it('says the adapter could not attach, with what it threw', async () => {
    vi.useFakeTimers({ now: T0 })
    const manager = stopAfterTest(
      createTokenManager({
        fetchToken: async () => ({ token: freshToken() }),
        widget: {
          attach: () => {
            throw new Error('widget API missing')
          },
        },
      }),
    )
    const error = await manager.start().catch((thrown: unknown) => thrown)
    expect(error).toMatchObject({ code: 'widget_unavailable', message: 'widget-token: widget_unavailable: attach() threw' })
    expect((error as Error).cause).toMatchObject({ message: 'widget API missing' })
  })
})

describe('a tab link of your own', () => {
  it('may report a sign-out while it is being joined: start() rejects, it does not throw', async () => {
    vi.useFakeTimers()
    const close = vi.fn()
    const signingOut: TabSync = (_key, listener) => {
      listener.signedOut()
      return { request: (request) => request(), signOut() {}, close }
    }
    const backend = createBackend()
    const widget = createFakeGen()
    const page = vi.fn(() => () => {})
    const manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, tabs: signingOut, page, widget: genWidget({ config: genConfig, gen: widget.gen }) })
    let started: Promise<void> | undefined
    expect(() => (started = manager.start())).not.toThrow()
    await expect(started).rejects.toMatchObject({ code: 'unauthorized' })
    expect(manager.state).toBe('ended')
    expect(backend.requests).toHaveLength(0)
    // Nothing of the run is left behind: the link is closed, the page and the widget were never subscribed.
    expect(close).toHaveBeenCalledTimes(1)
    expect(page).not.toHaveBeenCalled()
    expect(widget.listeners).toBe(0)
    await settle()
  })
})

describe('options checked as the server checks its own', () => {
  const make = (extra: object) => () => createTokenManager({ endpoint: ENDPOINT, widget: genWidget({ config: genConfig, gen: createFakeGen().gen }), ...extra })

  it.each([
    ['leewaySeconds', NaN, { leewaySeconds: NaN }],
    ['leewaySeconds', 0, { leewaySeconds: 0 }],
    ['requestTimeoutMs', NaN, { requestTimeoutMs: NaN }],
    ['requestTimeoutMs', -1, { requestTimeoutMs: -1 }],
    ['requestTimeoutMs', Infinity, { requestTimeoutMs: Infinity }],
    ['retry.baseMs', 0, { retry: { baseMs: 0 } }],
    ['retry.maxMs', NaN, { retry: { maxMs: NaN } }],
  ])('refuses a %s of %s, naming it', (name, value, extra) => {
    expect(make(extra)).toThrow(new TypeError(`widget-token: ${name} must be a number above 0, not ${value}`))
  })

  it('refuses retry.maxMs below retry.baseMs', () => {
    expect(make({ retry: { baseMs: 5000, maxMs: 1000 } })).toThrow(new TypeError('widget-token: retry.maxMs must be at least retry.baseMs'))
    expect(make({ retry: { baseMs: 5000, maxMs: 5000 } })).not.toThrow()
  })
})
