import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, WidgetTokenError, type TokenManager, type TrailEntry, type WidgetAdapter, type WidgetHost } from '../src'
import { createHarness, MINUTE, settle, sleepDevice, T0, type Harness } from './helpers/setup'
import { sdkTimerCount } from './helpers/widget'
import { jwt, ORG_ID } from './helpers/jwt'

let h: Harness | undefined
let manager: TokenManager | undefined

afterEach(() => {
  h?.manager.stop()
  manager?.stop()
  h = manager = undefined
  vi.useRealTimers()
})

const fresh = () => {
  const iat = Math.floor(Date.now() / 1000)
  return jwt({ aud: ORG_ID, iat, exp: iat + 1800 })
}

/** A manager on a custom source and a widget the test drives through its host. */
function withHost({ apply = vi.fn(), ...options }: { apply?: WidgetAdapter['apply'] | null; fetchToken?: () => Promise<{ token: string; expiresIn?: number }>; log?: (entry: TrailEntry) => void } = {}) {
  vi.useFakeTimers({ now: T0 })
  let host!: WidgetHost
  const fetchToken = vi.fn(options.fetchToken ?? (async () => ({ token: fresh(), expiresIn: 1800 })))
  const widget: WidgetAdapter = { attach: (newHost) => ((host = newHost), () => {}), ...(apply ? { apply } : {}) }
  manager = createTokenManager({ fetchToken, widget, random: () => 1, ...(options.log ? { log: options.log } : {}) })
  const events: string[] = []
  for (const type of ['token', 'error', 'expired', 'ended'] as const) manager.on(type, () => events.push(type))
  return { manager, fetchToken, events, host: () => host }
}

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

describe('ending', () => {
  it('ends cleanly on unauthorized for a source shared with no tab and a widget with no sign-out', async () => {
    const reportError = vi.fn()
    vi.stubGlobal('reportError', reportError)
    const { manager, events } = withHost({ fetchToken: async () => Promise.reject(new WidgetTokenError('unauthorized', '401')) })
    await expect(manager.start()).rejects.toMatchObject({ code: 'unauthorized' })
    expect(events).toEqual(['error', 'ended'])
    expect(reportError).not.toHaveBeenCalled()
  })

  it('says the adapter could not attach, with what it threw', async () => {
    vi.useFakeTimers({ now: T0 })
    manager = createTokenManager({
      fetchToken: async () => ({ token: fresh() }),
      widget: {
        attach: () => {
          throw new Error('widget API missing')
        },
      },
    })
    const error = await manager.start().catch((thrown: unknown) => thrown)
    expect(error).toMatchObject({ code: 'widget_unavailable', message: 'widget-token: widget_unavailable: attach() threw' })
    expect((error as Error).cause).toMatchObject({ message: 'widget API missing' })
  })
})

describe('state', () => {
  it('is refreshing while a request is out and the widget still holds a valid token', async () => {
    const answers: Array<(response: { token: string; expiresIn: number }) => void> = []
    const { manager } = withHost({ fetchToken: () => new Promise((resolve) => answers.push(resolve)) })
    const started = manager.start()
    expect(manager.state).toBe('starting')
    answers[0]!({ token: fresh(), expiresIn: 1800 })
    await started
    expect(manager.state).toBe('active')
    const refreshed = manager.refresh()
    expect(manager.state).toBe('refreshing')
    answers[1]!({ token: fresh(), expiresIn: 1800 })
    await refreshed
    expect(manager.state).toBe('active')
  })
})

describe('disconnects', () => {
  it('join a refresh under way without an error', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer('hang')
    void h.manager.refresh().catch(() => {})
    await settle()
    h.widget.disconnect(3)
    await settle()
    expect(h.of('error')).toEqual([])
    expect(h.backend.requests).toHaveLength(2)
  })

  it('do not cut a backoff short', async () => {
    h = createHarness({ retry: { baseMs: 60_000, maxMs: 60_000 } })
    await h.manager.start()
    h.backend.answer({ status: 503 })
    await h.manager.refresh().catch(() => {})
    h.widget.disconnect()
    await vi.advanceTimersByTimeAsync(59_000)
    expect(h.backend.requests).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.backend.requests).toHaveLength(3)
  })

  it('two a minute apart are ordinary: each gets a token at once, and nothing is reported', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.widget.disconnect()
    await settle()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.widget.disconnect()
    await settle()
    expect(h.backend.requests).toHaveLength(3)
    expect(h.of('error')).toEqual([])
    expect(h.widget.connected).toBe(true)
  })

  it('is ordinary ten seconds after a new token, and a rejection of it just before', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(10_000)
    h.widget.disconnect()
    await settle()
    expect(h.of('error')).toEqual([])
    await vi.advanceTimersByTimeAsync(9_999)
    h.widget.disconnect()
    expect(h.of('error')).toEqual([expect.objectContaining({ code: 'widget_rejected', retryInMs: 1000 })])
  })

  it('right after a new token is its rejection, reported with the reason', async () => {
    h = createHarness()
    await h.manager.start()
    h.widget.disconnect()
    expect(h.of('error')).toEqual([
      expect.objectContaining({ code: 'widget_rejected', message: 'widget-token: widget_rejected: disconnect within 10 s of a new token', retryInMs: 1000 }),
    ])
    expect(h.manager.state).toBe('recovering')
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.backend.requests).toHaveLength(2)
    expect(h.widget.connected).toBe(true)
    expect(h.manager.state).toBe('active')
  })
})

describe('the network coming back', () => {
  it('makes no request when nothing failed and nothing is due', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    window.dispatchEvent(new Event('online'))
    await settle()
    expect(h.backend.requests).toHaveLength(1)
  })

  it('cuts the backoff of a first token short', async () => {
    h = createHarness({ retry: { baseMs: 60_000, maxMs: 60_000 } })
    h.backend.answer({ throws: new TypeError('Failed to fetch') })
    const started = h.manager.start()
    await settle()
    expect(h.backend.requests).toHaveLength(1)
    window.dispatchEvent(new Event('online'))
    await started
    expect(h.backend.requests).toHaveLength(2)
    expect(h.of('token').map((event) => event.reason)).toEqual(['online'])
  })
})

describe('a late timer', () => {
  it.each([
    [30_000, 'schedule'],
    [30_001, 'resume'],
  ])('that fires %i ms late refreshes with reason %s', async (lateMs, reason) => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE - 1)
    sleepDevice(lateMs)
    await vi.advanceTimersByTimeAsync(1)
    expect(h.of('token').map((event) => event.reason)).toEqual(['start', reason])
  })
})

describe('widgets that ask for their token', () => {
  it('know when their token runs out and are woken by no timer', async () => {
    const { manager, host } = withHost({ apply: null })
    await manager.start()
    await host().token()
    expect(manager.expiresAt).toBe(T0 + 30 * MINUTE)
    expect(sdkTimerCount()).toBe(0)
  })

  it('after refusing a token, get the next one when they ask again, not before', async () => {
    const { manager, host, fetchToken } = withHost({ apply: null })
    const reasons: string[] = []
    manager.on('token', (event) => reasons.push(event.reason))
    const errors: WidgetTokenError[] = []
    manager.on('error', (error) => errors.push(error))
    await manager.start()
    await host().token()
    host().refused(new Error('invalid_grant'))
    expect(errors[0]).toMatchObject({ code: 'widget_rejected', message: 'widget-token: widget_rejected: refused', retryInMs: 1000 })
    expect(errors[0]?.cause).toMatchObject({ message: 'invalid_grant' })

    await vi.advanceTimersByTimeAsync(10_000)
    expect(fetchToken).toHaveBeenCalledTimes(1)
    await host().token()
    expect(fetchToken).toHaveBeenCalledTimes(2)
    expect(reasons).toEqual(['start', 'refused'])
  })
})

describe('the debug trail', () => {
  it('records expiry and what a page signal found due', async () => {
    const trail: TrailEntry[] = []
    h = createHarness({ log: (entry) => trail.push(entry) })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(10 * MINUTE)
    window.dispatchEvent(new Event('focus'))
    expect(trail).toContainEqual({ step: 'checked', signal: 'visible', dueInMs: 18 * MINUTE })

    h.backend.answer(...Array(30).fill({ throws: new TypeError('Failed to fetch') }))
    await vi.advanceTimersByTimeAsync(21 * MINUTE)
    expect(trail).toContainEqual({ step: 'expired' })
  })
})

describe('before start()', () => {
  it('is idle, knows no expiry, refuses refresh() and ignores stop()', async () => {
    vi.useFakeTimers({ now: T0 })
    manager = createTokenManager({ fetchToken: async () => ({ token: fresh() }), widget: { attach: () => () => {} } })
    expect(manager.state).toBe('idle')
    expect(manager.expiresAt).toBeUndefined()
    expect(() => manager!.stop()).not.toThrow()
    await expect(manager.refresh()).rejects.toMatchObject({ name: 'InvalidStateError', message: 'not started' })
  })
})
