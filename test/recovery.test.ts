import { afterEach, describe, expect, it, vi } from 'vitest'
import { createHarness, MINUTE, settle, T0, type Harness } from './helpers/setup'
import { sdkTimerCount } from './helpers/widget'
import { jwt } from './helpers/jwt'
import type { WidgetAdapter, WidgetHost } from '../src'

let h: Harness

afterEach(() => {
  h?.manager.stop()
  vi.useRealTimers()
})

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

  it('can start again after it ended', async () => {
    h = createHarness()
    h.backend.answer({ status: 401 })
    await h.manager.start().catch(() => {})
    await h.manager.start()

    expect(h.manager.state).toBe('active')
    expect(h.widget.token).toBe(h.backend.issued[0])
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

  it('warns about a token close to the size limit', async () => {
    h = createHarness({ claims: { routing: { note: 'x'.repeat(2700) } } })
    await h.manager.start()
    expect(h.of('warning')).toEqual([expect.objectContaining({ code: 'token_size' })])
    expect(h.widget.token).toBe(h.backend.issued[0])
  })
})

describe('disconnects', () => {
  it('refreshes once and hands the new token over', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(10 * MINUTE)
    h.widget.disconnect()
    await settle()

    expect(h.backend.requests).toHaveLength(2)
    // A disconnected widget "requires re-initialization": an update would be ignored.
    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.widget.gen.updateConfiguration).not.toHaveBeenCalled()
    expect(h.widget.connected).toBe(true)
    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.of('token').at(-1)?.reason).toBe('disconnect')
  })

  it('makes one request for fifty disconnects within a second', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(10 * MINUTE)
    for (let i = 0; i < 50; i++) {
      h.widget.disconnect()
      await vi.advanceTimersByTimeAsync(19)
    }

    expect(h.backend.requests).toHaveLength(2)
  })

  it.each([
    ['disconnects', (host: WidgetHost) => host.disconnected()],
    ['says its token ran out', (host: WidgetHost) => host.expired()],
  ])('backs off when the widget %s right after every fresh token, and says so', async (_, turnDown) => {
    let host!: WidgetHost
    let turnEachDown = false
    const widget: WidgetAdapter = {
      attach: (newHost) => ((host = newHost), () => {}),
      apply: () => void (turnEachDown && setTimeout(() => turnDown(host), 10)),
    }
    h = createHarness({ widget })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(10 * MINUTE)
    turnEachDown = true
    turnDown(host)
    await vi.advanceTimersByTimeAsync(20_000)

    expect(h.of('error').map((error) => [error.code, error.retryInMs])).toEqual([
      ['widget_rejected', 1000],
      ['widget_rejected', 2000],
      ['widget_rejected', 4000],
      ['widget_rejected', 8000],
      ['widget_rejected', 16000],
    ])
    expect(h.backend.requests).toHaveLength(6)
  })

  it('backs off before the first token too, however often the widget says it has none', async () => {
    let host!: WidgetHost
    h = createHarness({ widget: { attach: (newHost) => ((host = newHost), () => {}), apply: () => {} } })
    h.backend.answer(...Array(20).fill({ status: 503 }))
    h.manager.start().catch(() => {})
    for (let i = 0; i < 100; i++) {
      host.expired()
      await vi.advanceTimersByTimeAsync(100)
    }

    // Ten seconds: the first request, one answered expiry, then backoff (1 s, 2 s, 4 s…) between both kinds of try.
    expect(h.backend.requests.length).toBeLessThanOrEqual(6)
  })

  it('answers a widget that ran out of its token at once, even while a retry is planned', async () => {
    let host!: WidgetHost
    h = createHarness({ widget: { attach: (newHost) => ((host = newHost), () => {}), apply: () => {} } })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.backend.answer({ status: 429, headers: { 'retry-after': '60' } })
    await h.manager.refresh().catch(() => {})
    host.expired()
    await settle()

    expect(h.backend.requests).toHaveLength(3)
    expect(h.of('token').map((event) => event.reason)).toEqual(['start', 'expired'])
  })

  it('refreshes at once again after the widget stayed connected a while', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    h.widget.disconnect()
    await settle()
    await vi.advanceTimersByTimeAsync(2 * MINUTE)
    h.widget.disconnect()
    await settle()

    expect(h.backend.requests).toHaveLength(3)
    expect(h.of('error')).toEqual([])
  })

  it('joins the request already under way', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer('hang')
    const manual = h.manager.refresh()
    h.widget.disconnect(3)
    const again = h.manager.refresh()
    setVisibilityDue()
    await settle()

    expect(h.backend.requests).toHaveLength(2)
    h.manager.stop()
    await expect(manual).rejects.toMatchObject({ name: 'AbortError' })
    await expect(again).rejects.toMatchObject({ name: 'AbortError' })
  })
})

function setVisibilityDue() {
  vi.setSystemTime(Date.now() + 29 * MINUTE)
  document.dispatchEvent(new Event('visibilitychange'))
  window.dispatchEvent(new Event('online'))
}
