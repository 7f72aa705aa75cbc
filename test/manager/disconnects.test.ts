import { describe, expect, it, vi } from 'vitest'
import { createTokenManager, type WidgetAdapter, type WidgetHost } from '../../src'
import { freshToken } from '../helpers/jwt'
import { cleanUpManagers, createHarness, MINUTE, settle, T0, type Harness } from '../helpers/setup'

let h: Harness

cleanUpManagers()

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

  it('reports a widget’s own expiry with reason expired', async () => {
    vi.useFakeTimers({ now: T0 })
    let host!: WidgetHost
    const apply = vi.fn()
    const manager = createTokenManager({
      fetchToken: async () => ({ token: freshToken(), expiresIn: 1800 }),
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
})

describe('disconnects near a refresh, a backoff or a new token', () => {
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

function setVisibilityDue() {
  vi.setSystemTime(Date.now() + 29 * MINUTE)
  document.dispatchEvent(new Event('visibilitychange'))
  window.dispatchEvent(new Event('online'))
}
