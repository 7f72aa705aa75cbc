import { afterEach, beforeEach, vi } from 'vitest'
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
