import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTimer, MAX_TIMER_DELAY_MS, planRefresh } from '../src/schedule'
import { createTimeline, systemClock } from '../src/clock'

const S = 1000
const MIN = 60 * S

describe('planRefresh', () => {
  it.each([
    ['a 30-minute token', 30 * MIN, 120 * S, { expiresAt: 30 * MIN, refreshAt: 28 * MIN }],
    ['a 15-minute token', 15 * MIN, 120 * S, { expiresAt: 15 * MIN, refreshAt: 13 * MIN }],
    ['a token shorter than twice the leeway', 3 * MIN, 120 * S, { expiresAt: 3 * MIN, refreshAt: 90 * S }],
    ['a one-second token', 1 * S, 120 * S, { expiresAt: 1 * S, refreshAt: 1 * S }],
    ['no leeway', 10 * MIN, 0, { expiresAt: 10 * MIN, refreshAt: 10 * MIN }],
  ])('plans %s', (_, lifetimeMs, leewayMs, plan) => {
    expect(planRefresh(0, lifetimeMs, leewayMs, 0)).toEqual(plan)
  })

  it('never plans sooner than a second from now', () => {
    expect(planRefresh(0, 30 * MIN, 120 * S, 29 * MIN).refreshAt).toBe(29 * MIN + S)
  })
})

describe('createTimer', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('chains delays longer than setTimeout holds', () => {
    vi.useFakeTimers({ now: 0 })
    const fired = vi.fn()
    createTimer(systemClock, createTimeline(systemClock)).at(3 * MAX_TIMER_DELAY_MS, fired)
    vi.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS - 1)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fired).toHaveBeenCalledWith(0)
  })

  it('tells how late it fired after the device slept', () => {
    vi.useFakeTimers({ now: 0 })
    const fired = vi.fn()
    createTimer(systemClock, createTimeline(systemClock)).at(10 * S, fired)
    vi.setSystemTime(60 * MIN)
    vi.advanceTimersByTime(10 * S)
    expect(fired).toHaveBeenCalledWith(60 * MIN)
  })

  it('replaces its aim and cancels', () => {
    vi.useFakeTimers({ now: 0 })
    const first = vi.fn()
    const second = vi.fn()
    const timer = createTimer(systemClock, createTimeline(systemClock))
    timer.at(10 * S, first)
    timer.at(20 * S, second)
    vi.advanceTimersByTime(15 * S)
    timer.cancel()
    vi.advanceTimersByTime(MIN)
    expect(first).not.toHaveBeenCalled()
    expect(second).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })
})
