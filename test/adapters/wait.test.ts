import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { waitFor } from '../../src/adapters/wait'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('waitFor', () => {
  it('resolves with what it looks for once it is there', async () => {
    let found: string | undefined
    const waiting = waitFor(() => found, 1000, new AbortController().signal, 'window.widget')
    await vi.advanceTimersByTimeAsync(120)
    found = 'widget'
    await vi.advanceTimersByTimeAsync(50)
    await expect(waiting).resolves.toBe('widget')
  })

  it('gives up with widget_unavailable, naming what it waited for and how long', async () => {
    const waiting = waitFor(() => undefined, 1000, new AbortController().signal, 'window.widget')
    const outcome = expect(waiting).rejects.toMatchObject({ code: 'widget_unavailable', message: expect.stringContaining('no window.widget after 1000 ms') })
    await vi.advanceTimersByTimeAsync(1000)
    await outcome
  })

  it('rejects with the reason of a signal aborted before it looks, without waiting', async () => {
    const controller = new AbortController()
    const reason = new Error('stopped')
    controller.abort(reason)
    await expect(waitFor(() => 'widget', 1000, controller.signal, 'window.widget')).rejects.toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with the reason of a signal aborted while it waits, leaving no timer', async () => {
    const controller = new AbortController()
    const waiting = waitFor(() => undefined, 60_000, controller.signal, 'window.widget')
    await vi.advanceTimersByTimeAsync(120)
    const reason = new Error('stopped')
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect(vi.getTimerCount()).toBe(0)
  })
})
