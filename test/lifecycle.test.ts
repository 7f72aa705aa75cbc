import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, isWidgetTokenError, type TokenResponse } from '../src'
import { createHarness, ENDPOINT, genConfig, MINUTE, settle, setVisibility, T0, type Harness } from './helpers/setup'
import { sdkTimerCount } from './helpers/widget'
import { createFakeGen } from './helpers/widget'
import { jwt, ORG_ID } from './helpers/jwt'

let h: Harness

afterEach(() => {
  h?.manager.stop()
  vi.useRealTimers()
})

/** Counts the listeners added to the page and not removed since. */
function countListeners() {
  let added = 0
  for (const target of [window, document] as EventTarget[]) {
    const add = target.addEventListener.bind(target)
    const remove = target.removeEventListener.bind(target)
    vi.spyOn(target, 'addEventListener').mockImplementation((type, listener, options) => {
      added++
      add(type, listener, options)
    })
    vi.spyOn(target, 'removeEventListener').mockImplementation((type, listener, options) => {
      added--
      remove(type, listener, options)
    })
  }
  return () => added
}


describe('stop', () => {
  it('clears every timer and removes every listener it added', async () => {
    const listeners = countListeners()
    h = createHarness()
    await h.manager.start()
    expect(listeners()).toBeGreaterThan(0)
    expect(h.widget.listeners).toBe(1)
    expect(sdkTimerCount()).toBe(1)

    h.manager.stop()
    expect(listeners()).toBe(0)
    expect(h.widget.listeners).toBe(0)
    expect(sdkTimerCount()).toBe(0)
    expect(h.manager.state).toBe('stopped')
  })

  it('aborts the request in flight', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer('hang')
    await vi.advanceTimersByTimeAsync(28 * MINUTE)
    const signal = h.backend.requests[1]?.init.signal
    expect(signal?.aborted).toBe(false)

    h.manager.stop()
    expect(signal?.aborted).toBe(true)
  })

  it('lets nothing reach the widget once stopped, even from a request that ignored the abort', async () => {
    vi.useFakeTimers({ now: T0 })
    const widget = createFakeGen()
    let answer!: (response: TokenResponse) => void
    const fetchToken = vi.fn(() => new Promise<TokenResponse>((resolve) => (answer = resolve)))
    const manager = createTokenManager({ fetchToken, widget: genWidget({ config: genConfig, gen: widget.gen }) })
    const events = vi.fn()
    for (const type of ['token', 'error', 'ended', 'expired'] as const) manager.on(type, events)
    const started = manager.start().catch((error: unknown) => error)

    manager.stop()
    answer({ token: jwt({ aud: ORG_ID, iat: T0 / 1000, exp: T0 / 1000 + 1800 }), expiresIn: 1800 })
    await vi.advanceTimersByTimeAsync(60 * MINUTE)

    expect(await started).toMatchObject({ name: 'AbortError' })
    expect(widget.gen.init).not.toHaveBeenCalled()
    expect(events).not.toHaveBeenCalled()
    expect(sdkTimerCount()).toBe(0)
  })

  it('can start again after a stop', async () => {
    h = createHarness()
    await h.manager.start()
    h.manager.stop()
    await h.manager.start()

    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.manager.state).toBe('active')
    expect(sdkTimerCount()).toBe(1)
  })
})

describe('concurrency', () => {
  it('shares one request between the timer, the page, the widget and the caller', async () => {
    h = createHarness()
    await h.manager.start()
    vi.setSystemTime(T0 + 29 * MINUTE)
    const refreshed = h.manager.refresh()
    setVisibility('visible')
    window.dispatchEvent(new Event('online'))
    h.widget.disconnect(5)
    await vi.advanceTimersByTimeAsync(MINUTE)
    await refreshed

    expect(h.backend.requests).toHaveLength(2)
    // The widget disconnected meanwhile: the shared token starts it again.
    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.widget.connected).toBe(true)
  })
})

describe('leaks', () => {
  it('never puts the token in an event, a URL, storage, a cookie or the console', async () => {
    const console = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((level) =>
      vi.spyOn(globalThis.console, level).mockImplementation(() => {}),
    )
    const storage = [vi.spyOn(Storage.prototype, 'setItem')]
    const history = [vi.spyOn(window.history, 'pushState'), vi.spyOn(window.history, 'replaceState')]
    const cookieBefore = document.cookie
    const urlBefore = window.location.href

    h = createHarness()
    await h.manager.start()
    h.widget.disconnect()
    await vi.advanceTimersByTimeAsync(60 * MINUTE)
    h.backend.answer({ status: 500 }, { status: 401 })
    await vi.advanceTimersByTimeAsync(30 * MINUTE)

    expect(h.backend.issued.length).toBeGreaterThan(3)
    const seen = JSON.stringify(h.events, (_, value: unknown) =>
      isWidgetTokenError(value) ? { ...value, message: value.message, cause: String(value.cause) } : value,
    )
    for (const token of h.backend.issued) {
      expect(seen).not.toContain(token)
      expect(h.backend.requests.map((request) => request.url).join(' ')).not.toContain(token)
      expect(document.cookie).not.toContain(token)
    }
    for (const spy of [...console, ...storage, ...history]) expect(spy).not.toHaveBeenCalled()
    expect(document.cookie).toBe(cookieBefore)
    expect(window.location.href).toBe(urlBefore)
  })

  it.each(['http://portal.example.com/api/token', 'ftp://portal.example.com/token'])('refuses the insecure endpoint %s', (endpoint) => {
    const create = () => createTokenManager({ endpoint, widget: genWidget({ config: genConfig }) })
    expect(create).toThrow(expect.objectContaining({ code: 'insecure_endpoint' }))
  })

  it('refuses a refresh endpoint over plain http', () => {
    const create = () =>
      createTokenManager({ endpoint: ENDPOINT, refreshEndpoint: 'http://portal.example.com/refresh', widget: genWidget({ config: genConfig }) })
    expect(create).toThrow(expect.objectContaining({ code: 'insecure_endpoint' }))
  })

  it.each(['https://portal.example.com/token', 'http://localhost:3000/token', 'http://127.0.0.1:8080/token', '/api/v1/embedded-cx/token'])(
    'accepts %s',
    (endpoint) => {
      expect(() => createTokenManager({ endpoint, widget: genWidget({ config: genConfig }) })).not.toThrow()
    },
  )

  it('needs an endpoint or a fetchToken', () => {
    // @ts-expect-error the options' type says so too
    expect(() => createTokenManager({ widget: genWidget({ config: genConfig }) })).toThrow(TypeError)
  })

  it('warns when the page itself is not a secure context', async () => {
    vi.stubGlobal('isSecureContext', false)
    h = createHarness()
    await h.manager.start()
    expect(h.of('warning')).toEqual([expect.objectContaining({ code: 'insecure_page' })])
  })

  it('does not warn on a secure page', async () => {
    vi.stubGlobal('isSecureContext', true)
    h = createHarness()
    await h.manager.start()
    expect(h.of('warning')).toEqual([])
  })
})

describe('events', () => {
  it('keeps refreshing when a listener throws, and reports the throw', async () => {
    const reported = vi.fn()
    vi.stubGlobal('reportError', reported)
    h = createHarness()
    h.manager.on('token', () => {
      throw new Error('page bug')
    })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.of('token')).toHaveLength(2)
    expect(reported).toHaveBeenCalledTimes(2)
    expect(reported.mock.calls[0]?.[0]).toMatchObject({ message: 'page bug' })
  })

  it('stops calling a listener once unsubscribed', async () => {
    h = createHarness()
    const listener = vi.fn()
    const unsubscribe = h.manager.on('token', listener)
    await h.manager.start()
    unsubscribe()
    await h.manager.refresh()
    expect(listener).toHaveBeenCalledTimes(1)
  })
})

describe('custom sources', () => {
  it('passes the reason and whether it is a refresh, and applies the timeout', async () => {
    vi.useFakeTimers({ now: T0 })
    const widget = createFakeGen()
    const requests: Array<{ reason: string; refresh: boolean }> = []
    const manager = createTokenManager({
      requestTimeoutMs: 3000,
      random: () => 1,
      widget: genWidget({ config: genConfig, gen: widget.gen }),
      fetchToken: async ({ reason, refresh }) => {
        requests.push({ reason, refresh })
        const iat = Math.floor(Date.now() / 1000)
        if (requests.length === 2) return new Promise<never>(() => {})
        return { token: jwt({ aud: ORG_ID, iat, exp: iat + 600 }) }
      },
    })
    const errors = vi.fn()
    manager.on('error', errors)
    await manager.start()
    await vi.advanceTimersByTimeAsync(8 * MINUTE + 3000 + 1000)

    expect(requests).toEqual([
      { reason: 'start', refresh: false },
      { reason: 'schedule', refresh: true },
      { reason: 'retry', refresh: true },
    ])
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'timeout' }))
    expect(manager.expiresAt).toBe(T0 + 8 * MINUTE + 4000 + 10 * MINUTE)
    manager.stop()
  })
})
