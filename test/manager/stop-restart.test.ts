import { describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, WidgetTokenError, type TokenResponse, type WidgetAdapter } from '../../src'
import { freshToken, jwt, ORG_ID } from '../helpers/jwt'
import { withHost, withTabLink } from '../helpers/managers'
import { cleanUpManagers, createHarness, genConfig, MINUTE, settle, T0, type Harness } from '../helpers/setup'
import { createFakeGen, sdkTimerCount } from '../helpers/widget'

let h: Harness

cleanUpManagers()

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

/** A source whose every answer the test gives by hand. */
function manualSource() {
  const pending: Array<{ resolve: (response: TokenResponse) => void; reject: (error: unknown) => void; signal: AbortSignal }> = []
  const fetchToken = vi.fn(({ signal }: { signal: AbortSignal }) => new Promise<TokenResponse>((resolve, reject) => pending.push({ resolve, reject, signal })))
  return { fetchToken, pending }
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

  it('leaves no timer behind when the source ignores its signal', async () => {
    vi.useFakeTimers({ now: T0 })
    const manager = createTokenManager({ fetchToken: () => new Promise(() => {}), widget: genWidget({ config: genConfig, gen: createFakeGen().gen }) })
    manager.start().catch(() => {})
    await settle()
    manager.stop()
    expect(sdkTimerCount()).toBe(0)
  })

  it('leaves no timer behind when the source throws at once, and retries it like a network failure', async () => {
    vi.useFakeTimers({ now: T0 })
    const errors = vi.fn()
    const manager = createTokenManager({
      fetchToken: () => {
        throw new TypeError('source broke')
      },
      widget: genWidget({ config: genConfig, gen: createFakeGen().gen }),
      random: () => 1,
    })
    manager.on('error', errors)
    manager.start().catch(() => {})
    await settle()
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'network', retryInMs: 1000 }))
    manager.stop()
    expect(sdkTimerCount()).toBe(0)
  })

  it('stops waiting for a widget script at once', async () => {
    vi.useFakeTimers({ now: T0 })
    const manager = createTokenManager({ fetchToken: async () => ({ token: freshToken() }), widget: genWidget({ config: genConfig, gen: () => undefined }) })
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(1000)
    manager.stop()
    expect(sdkTimerCount()).toBe(0)
  })

  it('runs every teardown even when the widget’s throws', async () => {
    vi.useFakeTimers({ now: T0 })
    const cleanup = vi.fn()
    vi.stubGlobal('reportError', vi.fn())
    const widget: WidgetAdapter = {
      attach: () => () => {
        throw new Error('widget teardown broke')
      },
      apply: vi.fn(),
    }
    const manager = createTokenManager({ fetchToken: async () => ({ token: freshToken() }), widget, page: () => cleanup })
    await manager.start()
    manager.stop()
    expect(cleanup).toHaveBeenCalledTimes(1)
    expect(globalThis.reportError).toHaveBeenCalledWith(expect.objectContaining({ message: 'widget teardown broke' }))
    expect(sdkTimerCount()).toBe(0)
  })
})

describe('after stop()', () => {
  it('makes no request and emits nothing, whatever the widget still says', async () => {
    const { manager, fetchToken, events, host } = withHost()
    await manager.start()
    manager.stop()
    events.length = 0

    const calls = [
      () => host().refused(new Error('invalid_grant')),
      () => host().refused(new WidgetTokenError('widget_unavailable', 'gone', { retryable: false })),
      () => host().disconnected(),
      () => host().expired(),
    ]
    for (const call of calls) {
      call()
      await settle()
    }
    await expect(manager.refresh()).rejects.toMatchObject({ name: 'InvalidStateError', message: 'not started' })
    await vi.advanceTimersByTimeAsync(60 * MINUTE)

    expect(fetchToken).toHaveBeenCalledTimes(1)
    expect(events).toEqual([])
    expect(manager.state).toBe('stopped')
  })

  it('reports no error of its own, also for a manager that shares with no tab', async () => {
    const reportError = vi.fn()
    vi.stubGlobal('reportError', reportError)
    const { manager } = withHost()
    await manager.start()
    manager.stop()
    expect(reportError).not.toHaveBeenCalled()
  })

  it('rejects a start() it cuts short with a named AbortError', async () => {
    const { manager } = withHost({ fetchToken: () => new Promise(() => {}) })
    const started = manager.start()
    manager.stop()
    await expect(started).rejects.toMatchObject({ name: 'AbortError', message: 'stopped' })
  })

  it('leaves an ended run ended', async () => {
    const { manager } = withHost({ fetchToken: async () => Promise.reject(new WidgetTokenError('unauthorized')) })
    await manager.start().catch(() => {})
    manager.stop()
    expect(manager.state).toBe('ended')
  })
})

describe('restarts', () => {
  it('can start again after a stop', async () => {
    h = createHarness()
    await h.manager.start()
    h.manager.stop()
    await h.manager.start()

    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.manager.state).toBe('active')
    expect(sdkTimerCount()).toBe(1)
  })

  it('settles start(); stop(); start() in one tick, as React StrictMode does, with one token for the widget', async () => {
    h = createHarness()
    const first = h.manager.start()
    h.manager.stop()
    const second = h.manager.start()

    await expect(first).rejects.toMatchObject({ name: 'AbortError' })
    await expect(second).resolves.toBeUndefined()
    expect(h.manager.state).toBe('active')
    expect(h.widget.token).toBe(h.backend.issued.at(-1))
    expect(h.backend.requests[0]?.init.signal?.aborted).toBe(true)
    expect(sdkTimerCount()).toBe(1)
  })

  it('settles a start() made from an ended listener', async () => {
    h = createHarness()
    h.backend.answer({ status: 401 })
    let restarted: Promise<void> | undefined
    h.manager.on('ended', () => {
      restarted = h.manager.start()
    })
    await expect(h.manager.start()).rejects.toMatchObject({ code: 'unauthorized' })

    await expect(restarted).resolves.toBeUndefined()
    expect(h.manager.state).toBe('active')
    expect(h.widget.gen.init).toHaveBeenCalledTimes(1)
  })

  it('does not take the request of a stopped run as the new run’s, even when that request ignores its abort', async () => {
    vi.useFakeTimers({ now: T0 })
    const widget = createFakeGen()
    const source = manualSource()
    const manager = createTokenManager({ fetchToken: source.fetchToken, widget: genWidget({ config: genConfig, gen: widget.gen }) })
    manager.start().catch(() => {})
    manager.stop()
    const restarted = manager.start()
    expect(source.fetchToken).toHaveBeenCalledTimes(2)

    const stale = freshToken()
    source.pending[0]!.resolve({ token: stale, expiresIn: 1800 })
    await settle()
    expect(widget.token).toBeUndefined()

    const current = freshToken()
    source.pending[1]!.resolve({ token: current, expiresIn: 1800 })
    await restarted
    expect(widget.token).toBe(current)
    manager.stop()
  })

  it('can start again after it ended', async () => {
    h = createHarness()
    h.backend.answer({ status: 401 })
    await h.manager.start().catch(() => {})
    await h.manager.start()

    expect(h.manager.state).toBe('active')
    expect(h.widget.token).toBe(h.backend.issued[0])
  })
})

describe('a tab link that calls its listener late', () => {
  it('hands no adopted token to the widget of a stopped run', async () => {
    const { manager, listeners, widget, events, shared } = withTabLink()
    await manager.start()
    manager.stop()
    listeners[0]!.adopt(shared())
    await settle()

    expect(widget.gen.updateConfiguration).not.toHaveBeenCalled()
    expect(events).toEqual(['token'])
  })

  it('reports no adopted token after stop for a widget that asks for its tokens', async () => {
    const { manager, listeners, events, shared } = withTabLink(() => ({ attach: () => () => {} }))
    await manager.start()
    manager.stop()
    listeners[0]!.adopt(shared())
    await settle()

    expect(events).toEqual([])
    expect(manager.expiresAt).toBeUndefined()
  })

  it('does not end a stopped run on a late sign-out', async () => {
    const { manager, listeners, events } = withTabLink()
    await manager.start()
    manager.stop()
    listeners[0]!.signedOut()

    expect(manager.state).toBe('stopped')
    expect(events).toEqual(['token'])
  })
})
