import { afterEach, describe, expect, it, vi } from 'vitest'
import { afterOrAbort, createTimeline, systemClock, type Clock } from '../src/clock'

afterEach(() => {
  vi.useRealTimers()
})

describe('systemClock', () => {
  it('counts monotonic time with the wall clock where performance is missing', () => {
    vi.useFakeTimers({ now: 5000 })
    vi.stubGlobal('performance', undefined)
    expect(systemClock.monotonic?.()).toBe(5000)
  })
})

describe('createTimeline', () => {
  it('follows the wall clock for a clock without a monotonic one', () => {
    let wall = 1_000_000
    const clock: Clock = { now: () => wall, setTimeout: () => 0, clearTimeout: () => {} }
    const timeline = createTimeline(clock)
    wall += 5000
    expect(timeline.now()).toBe(5000)
    expect(timeline.toEpoch(5000)).toBe(1_005_000)
  })

  it('takes the larger step of the two clocks, and never runs backwards', () => {
    let wall = 1_000_000
    let steady = 50
    const timeline = createTimeline({ now: () => wall, monotonic: () => steady, setTimeout: () => 0, clearTimeout: () => {} })
    steady += 3000
    wall += 1000
    expect(timeline.now()).toBe(3000)
    wall -= 600_000
    steady += 2000
    expect(timeline.now()).toBe(5000)
    wall += 10_000
    steady += 1000
    expect(timeline.now()).toBe(15_000)
  })
})

describe('afterOrAbort', () => {
  it('fires once, when the time is up or the signal aborts, whichever comes first, and leaves nothing behind', async () => {
    vi.useFakeTimers()
    const fired: string[] = []
    afterOrAbort(new AbortController().signal, 1000, () => fired.push('timer'))
    const controller = new AbortController()
    afterOrAbort(controller.signal, 1000, () => fired.push('abort'))
    controller.abort()
    await vi.advanceTimersByTimeAsync(1000)
    controller.abort()

    expect(fired).toEqual(['abort', 'timer'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fires at once for a signal aborted already, which sends no event', async () => {
    vi.useFakeTimers()
    const fired = vi.fn()
    afterOrAbort(AbortSignal.abort(), 60_000, fired)
    await vi.advanceTimersByTimeAsync(0)
    expect(fired).toHaveBeenCalledOnce()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fires not at all once cancelled', async () => {
    vi.useFakeTimers()
    const fired = vi.fn()
    const controller = new AbortController()
    afterOrAbort(controller.signal, 1000, fired)()
    controller.abort()
    await vi.advanceTimersByTimeAsync(1000)
    expect(fired).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })
})
