import { describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, WidgetTokenError } from '../../src'
import { freshToken, jwt, ORG_ID } from '../helpers/jwt'
import { withHost, withPushWidget } from '../helpers/managers'
import { cleanUpManagers, createHarness, ENDPOINT, genConfig, MINUTE, settle, T0, type Harness } from '../helpers/setup'
import { createFakeGen, sdkTimerCount } from '../helpers/widget'

let h: Harness

cleanUpManagers()

const offline = { throws: new TypeError('Failed to fetch') }

describe('failures', () => {
  it('retries with exponential backoff and lands one try before the token expires', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer(...Array(8).fill(offline))
    await vi.advanceTimersByTimeAsync(28 * MINUTE + 3 * MINUTE)

    expect(h.of('error').map((error) => [error.code, error.retryable, error.retryInMs])).toEqual([
      ['network', true, 1000],
      ['network', true, 2000],
      ['network', true, 4000],
      ['network', true, 8000],
      ['network', true, 16000],
      ['network', true, 32000],
      ['network', true, 52000], // pulled in to land 5 s before expiry
      ['network', true, 60000],
    ])
    expect(h.of('expired')).toEqual([{ expiredAt: T0 + 30 * MINUTE }])
  })

  it('keeps the still-valid token while retrying', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer(offline, offline)
    await vi.advanceTimersByTimeAsync(28 * MINUTE + 1000)

    expect(h.manager.state).toBe('active')
    expect(h.widget.token).toBe(h.backend.issued[0])
    expect(h.widget.gen.updateConfiguration).not.toHaveBeenCalled()
  })

  it('announces expiry once, keeps trying, and re-injects on the first success', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer(...Array(10).fill(offline))
    await vi.advanceTimersByTimeAsync(31 * MINUTE)

    expect(h.manager.state).toBe('expired')
    expect(h.of('expired')).toEqual([{ expiredAt: T0 + 30 * MINUTE }])
    expect(h.widget.token).toBe(h.backend.issued[0])

    await vi.advanceTimersByTimeAsync(2 * MINUTE)
    // Ten failures, one of them the immediate try when the widget said its token ran out, then a token.
    expect(h.backend.requests).toHaveLength(12)
    expect(h.of('expired')).toHaveLength(1)
    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.widget.connected).toBe(true)
    expect(h.of('token').map((event) => event.reason)).toEqual(['start', 'retry'])
    expect(h.manager.state).toBe('active')
  })

  it('retries network errors, timeouts, 5xx and 429 alike', async () => {
    h = createHarness({ requestTimeoutMs: 5000 })
    await h.manager.start()
    h.backend.answer(offline, 'hang', { status: 500 }, { status: 503 }, { status: 429 })
    await vi.advanceTimersByTimeAsync(28 * MINUTE + 40_000)

    expect(h.of('error').map((error) => [error.code, error.status])).toEqual([
      ['network', undefined],
      ['timeout', undefined],
      ['http', 500],
      ['http', 503],
      ['rate_limited', 429],
    ])
    expect(h.widget.token).toBe(h.backend.issued[1])
  })

  it('waits as long as Retry-After asks', async () => {
    h = createHarness({ random: () => 0 })
    await h.manager.start()
    h.backend.answer({ status: 429, headers: { 'retry-after': '45' } })
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.of('error')[0]).toMatchObject({ code: 'rate_limited', retryAfterMs: 45_000, retryInMs: 45_000 })
    await vi.advanceTimersByTimeAsync(44_999)
    expect(h.backend.requests).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(h.backend.requests).toHaveLength(3)
  })

  it('retries at once when the network comes back', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer(offline, offline, offline, offline)
    await vi.advanceTimersByTimeAsync(28 * MINUTE + 7000)
    expect(h.backend.requests).toHaveLength(5)

    window.dispatchEvent(new Event('online'))
    await settle()
    expect(h.backend.requests).toHaveLength(6)
    expect(h.of('token').at(-1)?.reason).toBe('online')
  })

  it.each([401, 403])('ends once on %i and leaves nothing scheduled', async (status) => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer({ status })
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.of('ended')).toEqual([{ error: expect.objectContaining({ code: 'unauthorized', status, retryable: false }) }])
    expect(h.manager.state).toBe('ended')
    expect(sdkTimerCount()).toBe(0)
    h.widget.disconnect()
    window.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(60 * MINUTE)
    expect(h.backend.requests).toHaveLength(2)
    expect(h.of('ended')).toHaveLength(1)
  })

  it('ends when the first request is refused, and start() rejects', async () => {
    h = createHarness()
    h.backend.answer({ status: 401 })
    await expect(h.manager.start()).rejects.toMatchObject({ code: 'unauthorized' })
    expect(h.widget.gen.init).not.toHaveBeenCalled()
  })

  it('gives up on a client error that a retry cannot fix', async () => {
    h = createHarness()
    h.backend.answer({ status: 404 })
    await expect(h.manager.start()).rejects.toMatchObject({ code: 'http', status: 404, retryable: false })
    expect(h.of('ended')).toHaveLength(1)
  })

  it('retries one invalid token and ends after two in a row, never handing one to the widget', async () => {
    h = createHarness()
    await h.manager.start()
    const wrongAudience = jwt({ aud: 'another-org', iat: 1, exp: 9_999_999_999 })
    h.backend.answer({ token: wrongAudience }, { token: wrongAudience })
    await vi.advanceTimersByTimeAsync(28 * MINUTE + 1000)

    expect(h.of('error').map((error) => [error.code, error.retryable])).toEqual([
      ['audience_mismatch', true],
      ['audience_mismatch', false],
    ])
    expect(h.of('ended')).toHaveLength(1)
    expect(h.widget.token).toBe(h.backend.issued[0])
  })

  it('goes on after one invalid token followed by a valid one', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer({ status: 200, body: '<html>maintenance</html>' })
    await vi.advanceTimersByTimeAsync(28 * MINUTE + 1000)

    expect(h.of('error').map((error) => error.code)).toEqual(['bad_response'])
    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.manager.state).toBe('active')
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
})

describe('answers that are not what they claim', () => {
  it.each([
    ['NaN', Number.NaN],
    ['text', 'abc'],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('ignores an expiresIn of %s, warns, and plans from the token’s own lifetime', async (_, expiresIn) => {
    h = createHarness({ fetchToken: async () => ({ token: freshToken(600), expiresIn: expiresIn as number }) })
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
    const { WidgetTokenError } = await import('../../src')
    let calls = 0
    h = createHarness({
      fetchToken: async () => {
        if (calls++ === 0) throw new WidgetTokenError('rate_limited')
        return { token: freshToken(), expiresIn: 1800 }
      },
    })
    const started = h.manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started
    expect(h.of('error')).toEqual([expect.objectContaining({ code: 'rate_limited', retryable: true, retryInMs: 1000 })])
    expect(h.manager.state).toBe('active')
  })
})

describe('Retry-After', () => {
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

describe('what the widget throws', () => {
  it('becomes a retryable widget_rejected that keeps the widget’s message as its cause', async () => {
    let calls = 0
    const { manager, errors } = withPushWidget(() => {
      if (calls++ === 0) throw new Error('socket closed')
    })
    const started = manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started

    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ name: 'WidgetTokenError', code: 'widget_rejected', retryable: true, retryInMs: 1000, message: 'widget-token: widget_rejected: the widget threw' })
    expect(errors[0]?.cause).toMatchObject({ name: 'Error', message: 'socket closed' })
    expect(manager.state).toBe('active')
  })

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
})
