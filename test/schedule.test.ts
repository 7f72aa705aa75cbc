import { afterEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, createTimer, MAX_TIMER_DELAY_MS, planRefresh, retryDelay } from '../src/schedule'
import { systemClock } from '../src/clock'

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

describe('backoffDelay', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 }
  it.each([
    [1, 1000],
    [2, 2000],
    [6, 32_000],
    [7, 60_000],
    [30, 60_000],
  ])('caps attempt %i at %i ms', (attempt, cap) => {
    expect(backoffDelay(attempt, policy, () => 1)).toBe(cap)
    expect(backoffDelay(attempt, policy, () => 0.25)).toBe(cap / 4)
  })
})

describe('retryDelay', () => {
  const context = { attempt: 7, policy: { baseMs: 1000, maxMs: 60_000 }, random: () => 1, now: 0, retryAfterMs: undefined }

  it('pulls the try in so that one lands before expiry', () => {
    expect(retryDelay({ ...context, expiresAt: 30 * S })).toBe(25 * S)
  })

  it('backs off normally once expiry is past or too near', () => {
    expect(retryDelay({ ...context, expiresAt: 3 * S })).toBe(60 * S)
    expect(retryDelay({ ...context, expiresAt: undefined })).toBe(60 * S)
  })

  it("honours the server's Retry-After, with a little jitter", () => {
    expect(retryDelay({ ...context, expiresAt: 30 * S, retryAfterMs: 120 * S, random: () => 0.5 })).toBe(120.5 * S)
  })
})

describe('createTimer', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('chains delays longer than setTimeout holds', () => {
    vi.useFakeTimers({ now: 0 })
    const fired = vi.fn()
    createTimer(systemClock).at(3 * MAX_TIMER_DELAY_MS, fired)
    vi.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS - 1)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fired).toHaveBeenCalledWith(0)
  })

  it('tells how late it fired after the device slept', () => {
    vi.useFakeTimers({ now: 0 })
    const fired = vi.fn()
    createTimer(systemClock).at(10 * S, fired)
    vi.setSystemTime(60 * MIN)
    vi.advanceTimersByTime(10 * S)
    expect(fired).toHaveBeenCalledWith(60 * MIN)
  })

  it('replaces its aim and cancels', () => {
    vi.useFakeTimers({ now: 0 })
    const first = vi.fn()
    const second = vi.fn()
    const timer = createTimer(systemClock)
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
