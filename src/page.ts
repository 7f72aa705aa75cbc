import type { Reason } from './source'

/** The page signals after which the SDK re-checks its plan, because timers may have lied meanwhile. */
export type PageSignal = Extract<Reason, 'visible' | 'resume' | 'online'>

/** Subscribes to the page; returns what unsubscribes. Replaceable for hosts that are not a plain page. */
export type PageSetup = (notify: (signal: PageSignal) => void) => () => void

/** Listens to the browser page: visibility, back/forward cache, frozen tabs, network, focus. */
export const watchPage: PageSetup = (notify) => {
  if (typeof document === 'undefined') return () => {}
  const subscriptions: Array<[EventTarget, string, (event: Event) => void]> = [
    [document, 'visibilitychange', () => document.visibilityState === 'visible' && notify('visible')],
    [document, 'resume', () => notify('resume')],
    [window, 'pageshow', (event) => (event as PageTransitionEvent).persisted && notify('resume')],
    [window, 'online', () => notify('online')],
    [window, 'focus', () => notify('visible')],
  ]
  for (const [target, type, listener] of subscriptions) target.addEventListener(type, listener)
  return () => {
    for (const [target, type, listener] of subscriptions) target.removeEventListener(type, listener)
  }
}
