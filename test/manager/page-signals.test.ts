import { describe, expect, it, vi } from 'vitest'
import { cleanUpManagers, createHarness, MINUTE, PAGE_RETURNS, settle, setVisibility, sleepDevice, type Harness } from '../helpers/setup'

let h: Harness

cleanUpManagers()

describe('page lifecycle', () => {
  it.each(PAGE_RETURNS)('refreshes at once for %s whose timers stalled past the refresh', async (_, signal, reason) => {
    h = createHarness()
    await h.manager.start()
    sleepDevice(29 * MINUTE)
    signal()
    await settle()

    expect(h.backend.requests).toHaveLength(2)
    expect(h.of('token').at(-1)?.reason).toBe(reason)
    expect(h.of('expired')).toEqual([])
  })

  it('announces expiry first when the tab returns after the token ran out', async () => {
    h = createHarness()
    await h.manager.start()
    setVisibility('hidden')
    sleepDevice(45 * MINUTE)
    setVisibility('visible')
    await settle()

    expect(h.events.map((entry) => entry.type)).toEqual(['token', 'expired', 'token'])
    expect(h.widget.token).toBe(h.backend.issued[1])
  })

  it('makes no request when a shown tab is not yet due', async () => {
    h = createHarness()
    await h.manager.start()
    sleepDevice(10 * MINUTE)
    setVisibility('visible')
    window.dispatchEvent(new Event('focus'))
    await settle()

    expect(h.backend.requests).toHaveLength(1)
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
