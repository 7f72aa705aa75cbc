import { describe, expect, it, vi } from 'vitest'
import { cleanUpManagers, createHarness, MINUTE, sleepDevice, T0, type Harness } from '../helpers/setup'

let h: Harness

cleanUpManagers()

describe('time', () => {
  it.each([
    ['ahead', 15 * MINUTE],
    ['behind', -15 * MINUTE],
  ])('refreshes on time with a device clock 15 minutes %s', async (_, offsetMs) => {
    h = createHarness({ serverAheadMs: -offsetMs })
    await h.manager.start()

    expect(h.manager.expiresAt).toBe(T0 + 30 * MINUTE)
    await vi.advanceTimersByTimeAsync(28 * MINUTE - 1)
    expect(h.backend.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(h.backend.requests).toHaveLength(2)
    expect(h.of('warning')).toEqual([expect.objectContaining({ code: 'clock_skew', skewMs: -offsetMs })])
    expect(h.of('error')).toEqual([])
  })

  it('does not warn about a skew of a few seconds', async () => {
    h = createHarness({ serverAheadMs: 20_000 })
    await h.manager.start()
    expect(h.of('warning')).toEqual([])
  })

  it('refreshes at half the lifetime when it is shorter than twice the leeway, without looping', async () => {
    h = createHarness({ ttlSeconds: 60 })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(10 * MINUTE)

    expect(h.backend.requests).toHaveLength(21)
    expect(h.of('expired')).toEqual([])
  })

  it('keeps refreshes at least a second apart for tokens that live a second', async () => {
    h = createHarness({ ttlSeconds: 1 })
    await h.manager.start()
    const sentAt = [Date.now()]
    h.manager.on('token', () => sentAt.push(Date.now()))
    await vi.advanceTimersByTimeAsync(10_000)

    expect(h.backend.requests).toHaveLength(11)
    for (const [index, at] of sentAt.slice(1).entries()) expect(at - sentAt[index]!).toBeGreaterThanOrEqual(1000)
  })

  it('chains delays longer than setTimeout can hold', async () => {
    h = createHarness({ ttlSeconds: 40 * 24 * 3600 })
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(2 ** 31)

    expect(h.backend.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(40 * 24 * 3600 * 1000 - 120_000 - 2 ** 31)
    expect(h.backend.requests).toHaveLength(2)
  })

  it('notices a device that slept past the refresh when the late timer fires', async () => {
    h = createHarness()
    await h.manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    sleepDevice(2 * 60 * MINUTE)
    await vi.advanceTimersByTimeAsync(27 * MINUTE)

    expect(h.of('expired')).toHaveLength(1)
    expect(h.of('token').at(-1)?.reason).toBe('resume')
    expect(h.manager.state).toBe('active')
  })

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
