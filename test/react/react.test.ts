import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { createElement as h, StrictMode, useEffect, type DependencyList } from 'react'
import { describe, expect, it, vi } from 'vitest'
import { useWidgetToken } from 'widget-token/react'
import { itStopsWithItsComponent, MINUTE, setUpBindingTests, T0 } from '../helpers/bindings'

const bindings = setUpBindingTests(cleanup)

function Chat({ deps }: { deps?: DependencyList }) {
  // A new options object, adapter and source on every render, as inline options are.
  const widget = bindings.newWidget()
  const { state, expiresAt, error, manager, refresh } = useWidgetToken({ fetchToken: (request) => bindings.backend.fetchToken(request), widget, random: () => 1 }, deps)
  return h(
    'div',
    null,
    h('p', { 'data-testid': 'state' }, state),
    h('p', { 'data-testid': 'expires' }, expiresAt === undefined ? '' : new Date(expiresAt).toISOString()),
    h('p', { 'data-testid': 'error' }, error?.code ?? ''),
    h('p', { 'data-testid': 'manager' }, manager.state),
    h('button', { onClick: () => refresh().catch(() => {}) }, 'Reconnect'),
  )
}

const inStrictMode = (deps?: DependencyList) => h(StrictMode, null, h(Chat, deps ? { deps } : {}))
const text = (id: string) => screen.getByTestId(id).textContent
const settle = (ms = 0) => act(() => vi.advanceTimersByTimeAsync(ms))
const { attached, received } = bindings

describe('useWidgetToken in StrictMode', () => {
  it('starts once on mount and shows the token state', async () => {
    render(inStrictMode())
    expect(text('state')).toBe('idle')
    await settle()

    expect(bindings.backend.requests).toHaveLength(1)
    expect(attached()).toHaveLength(1)
    expect(received()).toMatchObject([{ token: bindings.backend.issued[0], first: true }])
    expect(text('state')).toBe('active')
    expect(text('expires')).toBe(new Date(T0 + 10 * MINUTE).toISOString())
    // The manager itself, for events: the one that reached the widget, not StrictMode's discarded one.
    expect(text('manager')).toBe('active')
  })

  it('keeps the widget supplied across re-renders with new option objects, without restarting', async () => {
    const { rerender } = render(inStrictMode())
    await settle()
    for (let i = 0; i < 3; i++) rerender(inStrictMode())
    await settle(20 * MINUTE)

    // 10-minute tokens refreshed 2 minutes early, all to the one widget the manager started with.
    expect(bindings.backend.requests).toHaveLength(3)
    expect(attached()).toHaveLength(1)
    expect(attached()[0]!.received.map(({ first }) => first)).toEqual([true, false, false])
  })

  it('starts over when a dependency changes', async () => {
    const { rerender } = render(inStrictMode(['ada']))
    await settle()
    const first = attached()[0]!
    rerender(inStrictMode(['grace']))
    await settle()

    expect(first.attached).toBe(false)
    expect(attached()).toHaveLength(1)
    expect(attached()[0]!.received).toMatchObject([{ token: bindings.backend.issued[1], first: true }])
  })

  itStopsWithItsComponent(bindings, { mountChat: () => render(inStrictMode()).unmount, settle })

  it('shows an ended session, with nothing left unhandled', async () => {
    bindings.backend.fail('unauthorized')
    render(inStrictMode())
    await settle(MINUTE)

    expect([text('state'), text('error')]).toEqual(['ended', 'unauthorized'])
    expect(bindings.backend.requests).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('shows a failure while it is retried, and clears it when a token arrives', async () => {
    bindings.backend.fail('server_error')
    render(inStrictMode())
    await settle()
    expect([text('state'), text('error')]).toEqual(['starting', 'http'])

    await settle(MINUTE)
    expect([text('state'), text('error')]).toEqual(['active', ''])
  })

  it('lets the component subscribe to its manager before the first event', async () => {
    const reasons: string[] = []
    function Logged() {
      const { manager } = useWidgetToken({ fetchToken: bindings.backend.fetchToken, widget: bindings.newWidget() })
      useEffect(() => manager.on('token', ({ reason }) => reasons.push(reason)), [manager])
      return null
    }
    render(h(StrictMode, null, h(Logged)))
    await settle()

    expect(reasons).toEqual(['start'])
  })

  it('refreshes on demand', async () => {
    render(inStrictMode())
    await settle()
    fireEvent.click(screen.getByText('Reconnect'))
    await settle()

    expect(attached()[0]!.received).toHaveLength(2)
  })
})
