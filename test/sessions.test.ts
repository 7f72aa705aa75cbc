import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type TokenResponse, type WidgetAdapter, type WidgetHost } from '../src'
import { createHarness, ENDPOINT, genConfig, MINUTE, settle, T0, type Harness } from './helpers/setup'
import { sdkTimerCount } from './helpers/widget'
import { createFakeGen } from './helpers/widget'
import { jwt, ORG_ID } from './helpers/jwt'

let h: Harness

afterEach(() => {
  h?.manager.stop()
  vi.useRealTimers()
})

const fresh = (ttlSeconds = 1800) => {
  const iat = Math.floor(Date.now() / 1000)
  return jwt({ aud: ORG_ID, iat, exp: iat + ttlSeconds })
}

/** A source whose every answer the test gives by hand. */
function manualSource() {
  const pending: Array<{ resolve: (response: TokenResponse) => void; reject: (error: unknown) => void; signal: AbortSignal }> = []
  const fetchToken = vi.fn(({ signal }: { signal: AbortSignal }) => new Promise<TokenResponse>((resolve, reject) => pending.push({ resolve, reject, signal })))
  return { fetchToken, pending }
}

describe('restarts', () => {
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

    const stale = fresh()
    source.pending[0]!.resolve({ token: stale, expiresIn: 1800 })
    await settle()
    expect(widget.token).toBeUndefined()

    const current = fresh()
    source.pending[1]!.resolve({ token: current, expiresIn: 1800 })
    await restarted
    expect(widget.token).toBe(current)
    manager.stop()
  })
})

describe('stop', () => {
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
    const manager = createTokenManager({ fetchToken: async () => ({ token: fresh() }), widget: genWidget({ config: genConfig, gen: () => undefined }) })
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(1000)
    manager.stop()
    expect(sdkTimerCount()).toBe(0)
  })

  it('rejects start() and removes the page listeners when the adapter cannot attach', async () => {
    vi.useFakeTimers({ now: T0 })
    const cleanup = vi.fn()
    const widget: WidgetAdapter = {
      attach: () => {
        throw new Error('widget API missing')
      },
      apply: vi.fn(),
    }
    const manager = createTokenManager({ fetchToken: async () => ({ token: fresh() }), widget, page: () => cleanup })
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
    const { WidgetTokenError } = await import('../src')
    const detach = vi.fn()
    const widget: WidgetAdapter = {
      attach: (host) => {
        host.refused(new WidgetTokenError('widget_unavailable', 'no window.Genesys'))
        return detach
      },
    }
    const manager = createTokenManager({ fetchToken: async () => ({ token: fresh() }), widget })
    await expect(manager.start()).rejects.toMatchObject({ code: 'widget_unavailable' })
    expect(detach).toHaveBeenCalledTimes(1)
    expect(manager.state).toBe('ended')
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
    const manager = createTokenManager({ fetchToken: async () => ({ token: fresh() }), widget, page: () => cleanup })
    await manager.start()
    manager.stop()
    expect(cleanup).toHaveBeenCalledTimes(1)
    expect(globalThis.reportError).toHaveBeenCalledWith(expect.objectContaining({ message: 'widget teardown broke' }))
    expect(sdkTimerCount()).toBe(0)
  })
})

describe('answers that are not what they claim', () => {
  it.each([
    ['NaN', Number.NaN],
    ['text', 'abc'],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('ignores an expiresIn of %s, warns, and plans from the token’s own lifetime', async (_, expiresIn) => {
    h = createHarness({ fetchToken: async () => ({ token: fresh(600), expiresIn: expiresIn as number }) })
    await h.manager.start()
    expect(h.of('warning')).toContainEqual({ code: 'expires_in_ignored' })
    expect(h.manager.expiresAt).toBe(T0 + 10 * MINUTE)

    await vi.advanceTimersByTimeAsync(8 * MINUTE)
    expect(h.of('token')).toHaveLength(2)
    expect(sdkTimerCount()).toBe(1)
  })

  it('ends on a token whose payload is JSON null after the second in a row, never retrying forever', async () => {
    const nullPayload = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('null').toString('base64url')}.c2ln`
    h = createHarness({ fetchToken: async () => ({ token: nullPayload, expiresIn: 1800 }) })
    const outcome = h.manager.start().catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(await outcome).toMatchObject({ code: 'malformed_token' })
    expect(h.of('error').map((error) => [error.code, error.retryable])).toEqual([
      ['malformed_token', true],
      ['malformed_token', false],
    ])
    expect(h.manager.state).toBe('ended')
  })

  it('does not hand an already expired token without expiresIn to the widget', async () => {
    const iat = T0 / 1000 - 3600
    h = createHarness({ fetchToken: async () => ({ token: jwt({ aud: ORG_ID, iat, exp: iat + 1800 }) }) })
    const outcome = h.manager.start().catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(await outcome).toMatchObject({ code: 'expired_token' })
    expect(h.widget.gen.init).not.toHaveBeenCalled()
  })

  it('retries a custom source that throws a retryable WidgetTokenError code', async () => {
    const { WidgetTokenError } = await import('../src')
    let calls = 0
    h = createHarness({
      fetchToken: async () => {
        if (calls++ === 0) throw new WidgetTokenError('rate_limited')
        return { token: fresh(), expiresIn: 1800 }
      },
    })
    const started = h.manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started
    expect(h.of('error')).toEqual([expect.objectContaining({ code: 'rate_limited', retryable: true, retryInMs: 1000 })])
    expect(h.manager.state).toBe('active')
  })
})

describe('the token stays out of what the page sees', () => {
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

describe('Retry-After and the network', () => {
  it('waits at most five minutes however long Retry-After asks', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer({ status: 429, headers: { 'retry-after': '86400' } })
    await h.manager.refresh().catch(() => {})
    expect(h.of('error')[0]?.retryInMs).toBe(5 * MINUTE + 1000)
  })

  it('backs off normally when Retry-After is empty', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer({ status: 503, headers: { 'retry-after': '' } })
    await h.manager.refresh().catch(() => {})
    expect(h.of('error')[0]?.retryInMs).toBe(1000)
  })

  it('cuts one backoff short when the network comes back, not one per online event', async () => {
    h = createHarness({ retry: { baseMs: 60_000, maxMs: 60_000 } })
    await h.manager.start()
    h.backend.answer(...Array(100).fill({ throws: new TypeError('Failed to fetch') }))
    await h.manager.refresh().catch(() => {})
    for (let i = 0; i < 100; i++) {
      window.dispatchEvent(new Event('online'))
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(h.backend.requests).toHaveLength(3)
  })
})

describe('time', () => {
  it('refreshes on time when the device clock is set back ten minutes', async () => {
    h = createHarness()
    await h.manager.start()
    vi.setSystemTime(Date.now() - 10 * MINUTE)
    await vi.advanceTimersByTimeAsync(28 * MINUTE)
    expect(h.of('token').map((event) => event.reason)).toEqual(['start', 'schedule'])
    expect(h.of('expired')).toEqual([])
  })

  it('refreshes no later when the device clock is set forward, which looks like a device that slept', async () => {
    h = createHarness()
    await h.manager.start()
    vi.setSystemTime(Date.now() + 10 * MINUTE)
    await vi.advanceTimersByTimeAsync(28 * MINUTE)
    expect(h.of('token')).toHaveLength(2)
    expect(h.widget.token).toBe(h.backend.issued[1])
  })

  it('announces expiry on time while one long request is out', async () => {
    h = createHarness({ requestTimeoutMs: 5 * MINUTE })
    await h.manager.start()
    h.backend.answer('hang')
    await vi.advanceTimersByTimeAsync(28 * MINUTE)
    await vi.advanceTimersByTimeAsync(2 * MINUTE)
    expect(h.of('expired')).toEqual([{ expiredAt: T0 + 30 * MINUTE }])
    expect(h.manager.state).toBe('expired')
  })
})

describe('the widget', () => {
  it('gives a hand-over that never settles the request timeout, then retries it', async () => {
    h = createHarness()
    await h.manager.start()
    h.widget.gen.updateConfiguration = vi.fn(() => new Promise(() => {}))
    const refreshed = h.manager.refresh().catch(() => {})
    await vi.advanceTimersByTimeAsync(10_000)
    await refreshed
    expect(h.of('error')).toEqual([expect.objectContaining({ code: 'widget_rejected', retryable: true, retryInMs: 1000 })])
    expect(h.manager.state).toBe('active')
  })

  it('reports a widget’s own expiry with reason expired', async () => {
    vi.useFakeTimers({ now: T0 })
    let host!: WidgetHost
    const apply = vi.fn()
    const manager = createTokenManager({
      fetchToken: async () => ({ token: fresh(), expiresIn: 1800 }),
      widget: { attach: (newHost) => ((host = newHost), () => {}), apply },
    })
    const reasons: string[] = []
    manager.on('token', (event) => reasons.push(event.reason))
    await manager.start()
    await vi.advanceTimersByTimeAsync(60_000)
    host.expired()
    await settle()
    expect(reasons).toEqual(['start', 'expired'])
    manager.stop()
  })

  it('tells when a widget that refused a token will get the next one', async () => {
    vi.useFakeTimers({ now: T0 })
    let host!: WidgetHost
    const manager = createTokenManager({ fetchToken: async () => ({ token: fresh() }), widget: { attach: (newHost) => ((host = newHost), () => {}) }, random: () => 1 })
    const errors = vi.fn()
    manager.on('error', errors)
    await manager.start()
    await host.token()
    host.refused(new Error('invalid_grant'))
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'widget_rejected', retryInMs: 1000 }))

    const next = vi.fn()
    void host.token().then(next)
    await vi.advanceTimersByTimeAsync(999)
    expect(next).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(next).toHaveBeenCalledTimes(1)
    manager.stop()
  })
})

describe('endpoints', () => {
  it('judges the endpoint when the manager is created', () => {
    expect(() => createTokenManager({ endpoint: 'http://portal.example.com/token', widget: genWidget({ config: genConfig }) })).toThrow(
      expect.objectContaining({ code: 'insecure_endpoint' }),
    )
    expect(() => createTokenManager({ endpoint: ENDPOINT, widget: genWidget({ config: genConfig }) })).not.toThrow()
  })
})
