import { afterOrAbort } from '../clock'
import { WidgetTokenError } from '../errors'

const POLL_MS = 50

/**
 * Resolves with what `find` returns once it returns something: widget scripts load on their own
 * schedule, often after the page's. Gives up with `widget_unavailable` after `waitMs`, and with the
 * signal's reason as soon as it aborts, leaving no poll behind.
 */
export async function waitFor<T>(find: () => T | undefined | false, waitMs: number, signal: AbortSignal, what: string): Promise<T> {
  for (let waitedMs = 0; ; waitedMs += POLL_MS) {
    if (signal.aborted) throw signal.reason
    const found = find()
    if (found) return found
    if (waitedMs >= waitMs) throw new WidgetTokenError('widget_unavailable', `no ${what} after ${waitMs} ms`)
    await new Promise<void>((resolve) => afterOrAbort(signal, POLL_MS, resolve))
  }
}
