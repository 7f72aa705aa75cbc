import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { createFakeBackend, createFakeWidget, type FakeBackend, type FakeWidget } from 'widget-token/testing'

export const MINUTE = 60_000
/** Where the fake clock of every binding test starts. */
export const T0 = new Date('2026-03-02T09:00:00Z').getTime()

export interface BindingTests {
  /** This test's backend, issuing 10-minute tokens. */
  readonly backend: FakeBackend
  /** A new fake widget, counted among those the component made. */
  newWidget(): FakeWidget
  /** The widgets a manager attached to. */
  attached(): FakeWidget[]
  /** What every widget received, widget by widget. */
  received(): FakeWidget['received']
}

/**
 * The setup the React and Vue binding tests share: before each test, fake timers from {@link T0}, a
 * fresh backend and no widgets; after it, `unmount` (the framework's cleanup) runs while the timers
 * are still fake, so the manager it stops leaves none behind.
 */
export function setUpBindingTests(unmount: () => void): BindingTests {
  let backend: FakeBackend | undefined
  let widgets: FakeWidget[] = []

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
    backend = createFakeBackend({ lifetimeSeconds: 600 })
    widgets = []
  })

  afterEach(() => {
    unmount()
    vi.useRealTimers()
  })

  return {
    get backend() {
      if (!backend) throw new Error('the backend exists only inside a test')
      return backend
    },
    newWidget() {
      const widget = createFakeWidget()
      widgets.push(widget)
      return widget
    },
    attached: () => widgets.filter((widget) => widget.attached),
    received: () => widgets.flatMap((widget) => widget.received),
  }
}

export interface MountedChat {
  /** Mounts the component that keeps the widget's token; returns what unmounts it. */
  mountChat(): () => void
  /** Lets fake time pass and the framework render what it brought. */
  settle(ms?: number): Promise<unknown>
}

/**
 * What every binding promises once its component is gone, as tests: the widget hears nothing more,
 * no request goes out, no timer is left, and a request in flight reaches nothing.
 */
export function itStopsWithItsComponent(bindings: BindingTests, { mountChat, settle }: MountedChat) {
  it('does nothing after unmount: no widget call, no request, no timer', async () => {
    const unmount = mountChat()
    await settle()
    unmount()
    await settle(60 * MINUTE)

    expect(bindings.attached()).toHaveLength(0)
    expect(bindings.received()).toHaveLength(1)
    expect(bindings.backend.requests).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('lets a request in flight at unmount reach nothing', async () => {
    bindings.backend.fail('hang')
    const unmount = mountChat()
    await settle()
    expect(bindings.backend.hanging).toBe(1)
    unmount()
    await settle(MINUTE)

    expect(bindings.backend.hanging).toBe(0)
    expect(bindings.received()).toHaveLength(0)
    expect(vi.getTimerCount()).toBe(0)
  })
}
