import type { Clock } from '../../src'

/**
 * What the browser freezes in a tab, as it freezes a background tab or the whole device sleeps: the
 * session's timers (`clock`) and the messages sent to it (`channel`) wait while `frozen`. On `thaw()`
 * its overdue timers run first, and what the other tabs said meanwhile arrives after them, each
 * message a task of its own. A timer cleared while frozen does not run, and a closed channel
 * delivers nothing, not even what it held.
 */
export function createFreezer() {
  const timers = new Map<unknown, () => void>()
  const messages: Array<() => void> = []
  const freezer = {
    frozen: false,
    clock: {
      now: () => Date.now(),
      monotonic: () => performance.now(),
      setTimeout: (callback, delayMs) => {
        const handle = setTimeout(() => (freezer.frozen ? timers.set(handle, callback) : callback()), delayMs)
        return handle
      },
      clearTimeout: (handle) => {
        timers.delete(handle)
        clearTimeout(handle as ReturnType<typeof setTimeout>)
      },
    } satisfies Clock,
    channel: (name: string) => {
      const inner = new BroadcastChannel(name)
      const outer = {
        onmessage: null as ((event: MessageEvent) => void) | null,
        postMessage: (message: unknown) => inner.postMessage(message),
        close: () => ((outer.onmessage = null), inner.close()),
      }
      inner.onmessage = (event) => (freezer.frozen ? messages.push(() => outer.onmessage?.(event)) : outer.onmessage?.(event))
      return outer as unknown as BroadcastChannel
    },
    freeze() {
      freezer.frozen = true
    },
    thaw() {
      freezer.frozen = false
      const due = [...timers.values()]
      timers.clear()
      for (const run of due) run()
      for (const deliver of messages.splice(0)) setTimeout(deliver, 0)
    },
  }
  return freezer
}
