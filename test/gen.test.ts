import { afterEach, describe, expect, it, vi } from 'vitest'
import { genWidget, WidgetTokenError, type WidgetHost } from '../src'
import { genConfig } from './helpers/setup'
import { createFakeGen } from './helpers/widget'

const host = (): WidgetHost => ({ token: vi.fn(), disconnected: vi.fn(), expired: vi.fn(), refused: vi.fn() })
const live = () => new AbortController().signal

afterEach(() => {
  vi.useRealTimers()
})

describe('genWidget', () => {
  it('expects the organization id as the audience', () => {
    expect(genWidget({ config: genConfig }).audience).toBe(genConfig.organization.id)
  })

  it('adds the token to the configuration without changing the one it was given', async () => {
    const widget = createFakeGen()
    const adapter = genWidget({ config: genConfig, gen: widget.gen })
    adapter.attach(host())
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })

    expect(widget.gen.init).toHaveBeenCalledWith({
      organization: genConfig.organization,
      settings: { routing: { queueId: 'messaging-queue' }, authentication: { method: 'jwt', token: 'a.b.c' } },
    })
    expect(genConfig.settings).toEqual({ routing: { queueId: 'messaging-queue' } })
  })

  it('passes the widget’s disconnects to the host, subscribing once', async () => {
    const widget = createFakeGen()
    const adapter = genWidget({ config: genConfig, gen: widget.gen })
    const manager = host()
    const detach = adapter.attach(manager)
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })
    await adapter.apply?.('d.e.f', { first: false, restart: false, signal: live() })
    widget.disconnect()

    expect(widget.listeners).toBe(1)
    expect(manager.disconnected).toHaveBeenCalledTimes(1)
    detach()
    expect(widget.listeners).toBe(0)
  })

  it('passes a disconnect that says the token expired on as the widget’s expiry', async () => {
    const widget = createFakeGen()
    const adapter = genWidget({ config: genConfig, gen: widget.gen })
    const manager = host()
    adapter.attach(manager)
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })
    const [[, handler]] = widget.gen.on.mock.calls as unknown as [[string, (detail?: { reason?: string }) => void]]
    handler({ reason: 'expired' })
    handler({ reason: 'network' })
    handler()

    expect(manager.expired).toHaveBeenCalledTimes(1)
    expect(manager.disconnected).toHaveBeenCalledTimes(2)
  })

  it('starts a widget that lost its session again with init, and updates a connected one', async () => {
    const widget = createFakeGen()
    const adapter = genWidget({ config: genConfig, gen: widget.gen })
    adapter.attach(host())
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })
    await adapter.apply?.('d.e.f', { first: false, restart: true, signal: live() })
    await adapter.apply?.('g.h.i', { first: false, restart: false, signal: live() })

    expect(widget.gen.init).toHaveBeenCalledTimes(2)
    expect(widget.gen.updateConfiguration).toHaveBeenCalledTimes(1)
    expect(widget.token).toBe('g.h.i')
  })

  it('finds the widget through a function', async () => {
    const widget = createFakeGen()
    const adapter = genWidget({ config: genConfig, gen: () => widget.gen })
    adapter.attach(host())
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })
    expect(widget.token).toBe('a.b.c')
  })

  it('hands nothing over once the manager stopped while it waited for the widget', async () => {
    vi.useFakeTimers()
    const widget = createFakeGen()
    let loaded: typeof widget.gen | undefined
    const adapter = genWidget({ config: genConfig, gen: () => loaded })
    adapter.attach(host())
    const controller = new AbortController()
    const applied = adapter.apply?.('a.b.c', { first: true, restart: false, signal: controller.signal })
    const outcome = expect(applied).rejects.toMatchObject({ name: 'AbortError' })

    controller.abort(new DOMException('stopped', 'AbortError'))
    loaded = widget.gen
    await vi.advanceTimersByTimeAsync(100)
    await outcome
    expect(widget.gen.init).not.toHaveBeenCalled()
  })

  it('reports a widget that throws on init as widget_rejected', async () => {
    const widget = createFakeGen()
    widget.gen.init.mockImplementation(() => {
      throw new Error('invalid configuration')
    })
    const adapter = genWidget({ config: genConfig, gen: widget.gen })
    adapter.attach(host())
    await expect(adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })).rejects.toMatchObject({
      code: 'widget_rejected',
      retryable: true,
    })
  })
})

describe('genWidget when updateConfiguration throws', () => {
  const throwing = () => {
    const widget = createFakeGen()
    widget.gen.updateConfiguration = vi.fn(() => {
      throw new Error('conversation in progress')
    })
    return widget
  }

  it('starts the widget again with init by default, as the guide’s soft re-initialisation', async () => {
    const widget = throwing()
    const adapter = genWidget({ config: genConfig, gen: widget.gen })
    adapter.attach(host())
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })
    await adapter.apply?.('d.e.f', { first: false, restart: false, signal: live() })

    expect(widget.gen.init).toHaveBeenCalledTimes(2)
    expect(widget.token).toBe('d.e.f')
  })

  it('with onUpdateFailure: "fail", leaves the widget running and reports a retryable widget_rejected', async () => {
    const widget = throwing()
    const adapter = genWidget({ config: genConfig, gen: widget.gen, onUpdateFailure: 'fail' })
    adapter.attach(host())
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })

    await expect(adapter.apply?.('d.e.f', { first: false, restart: false, signal: live() })).rejects.toMatchObject({ code: 'widget_rejected', retryable: true })
    expect(widget.gen.init).toHaveBeenCalledTimes(1)
    expect(widget.token).toBe('a.b.c')
  })

  it('re-initialises a widget without updateConfiguration whatever onUpdateFailure says', async () => {
    const widget = createFakeGen()
    widget.gen.updateConfiguration = undefined
    const adapter = genWidget({ config: genConfig, gen: widget.gen, onUpdateFailure: 'fail' })
    adapter.attach(host())
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })
    await adapter.apply?.('d.e.f', { first: false, restart: false, signal: live() })
    expect(widget.gen.init).toHaveBeenCalledTimes(2)
  })

  it('refuses an onUpdateFailure it does not know with a TypeError', () => {
    // @ts-expect-error: not one of the two choices
    expect(() => genWidget({ config: genConfig, onUpdateFailure: 'retry' })).toThrow(TypeError)
  })
})

describe('genWidget when the session ends', () => {
  it('calls the ended hook with the reason', () => {
    const ended = vi.fn()
    const adapter = genWidget({ config: genConfig, gen: createFakeGen().gen, ended })
    const error = new WidgetTokenError('unauthorized', '401')
    adapter.ended?.(error)
    expect(ended).toHaveBeenCalledWith(error)
  })

  it('subscribes to nothing once detached, even when init finishes later', async () => {
    const widget = createFakeGen()
    const adapter = genWidget({ config: genConfig, gen: widget.gen })
    const detach = adapter.attach(host())
    // The manager stops while the widget is still starting.
    widget.gen.init.mockImplementation(() => detach())
    await adapter.apply?.('a.b.c', { first: true, restart: false, signal: live() })
    expect(widget.listeners).toBe(0)
  })
})
