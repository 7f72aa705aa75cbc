import type { PageSetup, PageSignal } from '../page'

export interface PageDriver {
  /** Pass as the manager's `page` option. */
  page: PageSetup
  /** How many managers listen now; 0 after every `stop()`. */
  readonly listeners: number
  /** The tab became visible again. */
  visible(): void
  /** The tab resumed from frozen, the page came back from the back/forward cache, or the device woke. */
  resume(): void
  /** The network came back. */
  online(): void
}

/**
 * Page signals on demand, instead of the real document's events.
 *
 * @example
 * const driver = createPageDriver()
 * createTokenManager({ endpoint, widget, page: driver.page })
 * driver.visible()
 */
export function createPageDriver(): PageDriver {
  const listeners = new Set<(signal: PageSignal) => void>()
  const send = (signal: PageSignal) => {
    for (const notify of [...listeners]) notify(signal)
  }
  return {
    page(notify) {
      const listener = (signal: PageSignal) => notify(signal)
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get listeners() {
      return listeners.size
    },
    visible: () => send('visible'),
    resume: () => send('resume'),
    online: () => send('online'),
  }
}
