import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type State, type TabSync } from '../src'
import { createBackend } from './helpers/backend'
import { createHarness, ENDPOINT, genConfig, MINUTE, settle, type Harness } from './helpers/setup'
import { createFakeGen } from './helpers/widget'

let h: Harness | undefined

afterEach(() => {
  h?.manager.stop()
  h = undefined
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

/** A harness whose every state change is recorded, as a page's status badge would see it. */
function withStates(options: Parameters<typeof createHarness>[0] = {}) {
  h = createHarness(options)
  const states: State[] = []
  h.manager.on('state', ({ state, previous }) => {
    expect(previous).toBe(states.at(-1) ?? 'idle')
    states.push(state)
  })
  return { h, states }
}

describe('the state a page sees', () => {
  it('goes starting, active, refreshing and active again through a planned refresh, each change once', async () => {
    const { h, states } = withStates()
    await h.manager.start()
    h.backend.latencyMs = 100
    await vi.advanceTimersByTimeAsync(28 * MINUTE)
    expect(h.manager.state).toBe('refreshing')
    await vi.advanceTimersByTimeAsync(100)
    expect(states).toEqual(['starting', 'active', 'refreshing', 'active'])
  })

  it('is recovering from the drop until the widget is started again, not active', async () => {
    const { h, states } = withStates()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.backend.latencyMs = 100
    h.widget.disconnect()
    expect(h.manager.state).toBe('recovering')
    await vi.advanceTimersByTimeAsync(100)
    expect(h.widget.connected).toBe(true)
    expect(states).toEqual(['starting', 'active', 'recovering', 'active'])
  })

  it('is expired once the token ran out offline, with its event, and active once a token is back', async () => {
    const { h, states } = withStates()
    await h.manager.start()
    h.backend.answer(...Array(20).fill({ throws: new TypeError('Failed to fetch') }))
    await vi.advanceTimersByTimeAsync(30 * MINUTE)
    expect(h.manager.state).toBe('expired')
    expect(h.of('expired')).toHaveLength(1)
    expect(h.widget.connected).toBe(false)
    await vi.advanceTimersByTimeAsync(20 * MINUTE)
    expect(h.manager.state).toBe('active')
    expect(h.widget.connected).toBe(true)
    // Between tries the widget still holds a valid token: active, refreshing, active… until it runs out.
    expect(states.filter((state) => state !== 'refreshing').filter((state, index, all) => state !== all[index - 1])).toEqual(['starting', 'active', 'expired', 'active'])
  })

  it('is expired at once when the widget says its token ran out, before the planned expiry', async () => {
    const { h } = withStates()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.backend.answer('hang')
    for (const listener of h.widget.gen.on.mock.calls.map(([, handler]) => handler)) listener({ reason: 'expired' })
    expect(h.manager.state).toBe('expired')
    expect(h.of('expired')).toHaveLength(1)
    expect(h.of('token').map((event) => event.reason)).toEqual(['start'])
  })

  it('announces expiry once however often the widget says its token ran out', async () => {
    const { h } = withStates()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.backend.answer('hang')
    const [[, handler]] = h.widget.gen.on.mock.calls as unknown as [[string, (detail: { reason: string }) => void]]
    handler({ reason: 'expired' })
    handler({ reason: 'expired' })
    expect(h.of('expired')).toHaveLength(1)
  })

  it('keeps a planned retry when the widget drops meanwhile, rather than asking again at once', async () => {
    const { h } = withStates({ retry: { baseMs: 10_000, maxMs: 10_000 } })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.backend.answer({ status: 503 })
    await h.manager.refresh().catch(() => {})
    h.widget.disconnect()
    await settle()
    expect(h.backend.requests).toHaveLength(2)
    expect(h.manager.state).toBe('recovering')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(h.backend.requests).toHaveLength(3)
    expect(h.widget.connected).toBe(true)
  })

  it('ends with ended, and stops with stopped', async () => {
    const ended = withStates()
    ended.h.backend.answer({ status: 401 })
    await ended.h.manager.start().catch(() => {})
    expect(ended.states).toEqual(['starting', 'ended'])

    const stopped = withStates()
    await stopped.h.manager.start()
    stopped.h.manager.stop()
    expect(stopped.states).toEqual(['starting', 'active', 'stopped'])
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

describe('an endpoint on another origin', () => {
  it.each([
    ['the endpoint', { endpoint: 'https://api.example.net/token' }],
    ['only the refresh endpoint', { endpoint: ENDPOINT, refreshEndpoint: 'https://api.example.net/refresh' }],
  ])('is warned about when the run starts, %s elsewhere: the session cookie does not go there', async (_, endpoints) => {
    vi.useFakeTimers()
    const backend = createBackend()
    const manager = createTokenManager({ ...endpoints, fetch: backend.fetch, widget: genWidget({ config: genConfig, gen: createFakeGen().gen }) })
    const warnings = vi.fn()
    manager.on('warning', warnings)
    await manager.start()
    expect(warnings).toHaveBeenCalledWith({ code: 'cross_origin_endpoint', origin: 'https://api.example.net' })
    manager.stop()
  })

  it('is not warned about when it shares the page’s origin', async () => {
    h = createHarness()
    await h.manager.start()
    expect(h.of('warning')).toEqual([])
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
