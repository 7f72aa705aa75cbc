import { describe, expect, it, vi } from 'vitest'
import { isWidgetTokenError, type State, type TrailEntry } from '../../src'
import { freshToken } from '../helpers/jwt'
import { withHost, withPushWidget } from '../helpers/managers'
import { cleanUpManagers, createHarness, MINUTE, settle, T0, type Harness } from '../helpers/setup'

let h: Harness

cleanUpManagers()

const nowS = () => Math.floor(Date.now() / 1000)

/** A harness whose every state change is recorded, as a page's status badge would see it. */
function withStates(options: Parameters<typeof createHarness>[0] = {}) {
  const h = createHarness(options)
  const states: State[] = []
  h.manager.on('state', ({ state, previous }) => {
    expect(previous).toBe(states.at(-1) ?? 'idle')
    states.push(state)
  })
  return { h, states }
}

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

  it('is refreshing while a request is out and the widget still holds a valid token', async () => {
    const answers: Array<(response: { token: string; expiresIn: number }) => void> = []
    const { manager } = withHost({ fetchToken: () => new Promise((resolve) => answers.push(resolve)) })
    const started = manager.start()
    expect(manager.state).toBe('starting')
    answers[0]!({ token: freshToken(), expiresIn: 1800 })
    await started
    expect(manager.state).toBe('active')
    const refreshed = manager.refresh()
    expect(manager.state).toBe('refreshing')
    answers[1]!({ token: freshToken(), expiresIn: 1800 })
    await refreshed
    expect(manager.state).toBe('active')
  })
})

describe('warnings', () => {
  it('warns about a device clock more than 30 s off, not one 30 s off', async () => {
    const ahead = (seconds: number) => () => ({ token: freshToken(1800, { iat: nowS() + seconds, exp: nowS() + seconds + 1800 }), expiresIn: 1800 })
    const exactly = withPushWidget(vi.fn(), ahead(30))
    await exactly.manager.start()
    expect(exactly.warnings).toEqual([])
    exactly.manager.stop()

    const beyond = withPushWidget(vi.fn(), ahead(31))
    await beyond.manager.start()
    expect(beyond.warnings).toEqual([{ code: 'clock_skew', skewMs: 31_000 }])
  })

  it('warns about a token larger than 3584 bytes, not one of 3584', async () => {
    const sized = (bytes: number) => {
      for (let padding = 2000; ; padding++) {
        const token = freshToken(1800, { pad: 'x'.repeat(padding) })
        if (token.length === bytes) return token
        if (token.length > bytes) throw new Error(`no token of ${bytes} bytes`)
      }
    }
    const limit = withPushWidget(vi.fn(), () => ({ token: sized(3584), expiresIn: 1800 }))
    await limit.manager.start()
    expect(limit.warnings).toEqual([])
    limit.manager.stop()

    const over = withPushWidget(vi.fn(), () => ({ token: sized(3586), expiresIn: 1800 }))
    await over.manager.start()
    expect(over.warnings).toEqual([{ code: 'token_size', bytes: 3586 }])
  })

  it.each([
    ['no expiresIn', undefined],
    ['an expiresIn of null, as JSON may say it', null],
  ])('does not warn about %s, and plans from the token’s own lifetime', async (_, expiresIn) => {
    const { manager, warnings } = withPushWidget(vi.fn(), () => ({ token: freshToken(600), expiresIn: expiresIn as undefined }))
    await manager.start()
    await settle()
    expect(warnings).toEqual([])
    expect(manager.expiresAt).toBe(T0 + 600_000)
  })

  it('warns about a token close to the size limit', async () => {
    h = createHarness({ claims: { routing: { note: 'x'.repeat(2700) } } })
    await h.manager.start()
    expect(h.of('warning')).toEqual([expect.objectContaining({ code: 'token_size' })])
    expect(h.widget.token).toBe(h.backend.issued[0])
  })
})

describe('the token stays out of what the page sees', () => {
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

  it('redacts a widget error that quotes its configuration', async () => {
    h = createHarness()
    h.widget.gen.init.mockImplementationOnce((config) => {
      throw Object.assign(new Error(`bad config ${JSON.stringify(config)}`), { config })
    })
    const started = h.manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started
    const [error] = h.of('error')
    const token = h.backend.issued[0]!
    const seen = `${error?.message} ${String((error?.cause as Error).message)} ${JSON.stringify(error)} ${(error?.cause as Error).stack}`
    for (const part of token.split('.')) expect(seen).not.toContain(part)
    expect(error?.code).toBe('widget_rejected')
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
