import { describe, expect, it, vi } from 'vitest'
import { jwt, ORG_ID } from '../helpers/jwt'
import { withTabLink } from '../helpers/managers'
import { cleanUpManagers, createHarness, MINUTE, settle, setVisibility, T0, type Harness } from '../helpers/setup'

let h: Harness

cleanUpManagers()

describe('refresh', () => {
  it('hands the new token over with updateConfiguration and plans again', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.widget.gen.init).toHaveBeenCalledTimes(1)
    expect(h.widget.gen.updateConfiguration).toHaveBeenCalledTimes(1)
    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.of('token').map((event) => event.reason)).toEqual(['start', 'schedule'])
    expect(h.manager.expiresAt).toBe(T0 + 58 * MINUTE)

    await vi.advanceTimersByTimeAsync(28 * MINUTE)
    expect(h.backend.requests).toHaveLength(3)
  })

  it('re-initialises the widget when updateConfiguration is missing', async () => {
    h = createHarness()
    h.widget.gen.updateConfiguration = undefined
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.widget.token).toBe(h.backend.issued[1])
  })

  it('re-initialises the widget when updateConfiguration throws', async () => {
    h = createHarness()
    h.widget.gen.updateConfiguration = vi.fn(() => {
      throw new Error('not supported in this mode')
    })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(28 * MINUTE)

    expect(h.widget.gen.init).toHaveBeenCalledTimes(2)
    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.of('error')).toEqual([])
  })

  it('refreshes on demand and resolves once the widget has the token', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(5 * MINUTE)
    await h.manager.refresh()

    expect(h.widget.token).toBe(h.backend.issued[1])
    expect(h.of('token').at(-1)).toMatchObject({ reason: 'manual', expiresAt: T0 + 35 * MINUTE })
  })

  it('rejects a requested refresh that fails, and keeps retrying in the background', async () => {
    h = createHarness()
    await h.manager.start()
    h.backend.answer({ status: 503 })

    await expect(h.manager.refresh()).rejects.toMatchObject({ code: 'http', status: 503, retryable: true })
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.backend.requests).toHaveLength(3)
    expect(h.widget.token).toBe(h.backend.issued[1])
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

describe('a token another tab shares meanwhile', () => {
  it('hands the widget a token shared while another was being handed over, after that one', async () => {
    const { manager, listeners, widget, events, shared } = withTabLink()
    await manager.start()
    const newer = { token: jwt({ aud: ORG_ID, iat: T0 / 1000 + 60, exp: T0 / 1000 + 1860 }), expiresIn: 1800, shared: true }
    listeners[0]!.adopt(shared())
    listeners[0]!.adopt(newer)
    await settle()

    expect(widget.token).toBe(newer.token)
    expect(events).toEqual(['token', 'token', 'token'])
  })

  it('keeps the request under way when another tab shares a token meanwhile', async () => {
    const { manager, listeners, fetchToken, shared } = withTabLink()
    await manager.start()
    let answer!: (value: { token: string; expiresIn: number }) => void
    fetchToken.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
    const refreshed = manager.refresh()
    listeners[0]!.adopt(shared())
    const own = jwt({ aud: ORG_ID, iat: T0 / 1000, exp: T0 / 1000 + 900 })
    answer({ token: own, expiresIn: 900 })
    await refreshed

    expect(manager.expiresAt).toBe(T0 + 900_000)
  })
})
