import type { Reason } from './source'

/** The page signals after which the SDK re-checks its plan, because timers may have lied meanwhile. */
export type PageSignal = Extract<Reason, 'visible' | 'resume' | 'online'>

/** Subscribes to the page; returns what unsubscribes. Replaceable for hosts that are not a plain page. */
export type PageSetup = (notify: (signal: PageSignal) => void) => () => void

/** Listens to the browser page: visibility, back/forward cache, frozen tabs, network, focus. */
export const watchPage: PageSetup = (notify) => {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
  const onVisibility = () => {
    if (document.visibilityState === 'visible') notify('visible')
  }
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) notify('resume')
  }
  const onResume = () => notify('resume')
  const onOnline = () => notify('online')
  const onFocus = () => notify('visible')

  document.addEventListener('visibilitychange', onVisibility)
  document.addEventListener('resume', onResume)
  window.addEventListener('pageshow', onPageShow)
  window.addEventListener('online', onOnline)
  window.addEventListener('focus', onFocus)
  return () => {
    document.removeEventListener('visibilitychange', onVisibility)
    document.removeEventListener('resume', onResume)
    window.removeEventListener('pageshow', onPageShow)
    window.removeEventListener('online', onOnline)
    window.removeEventListener('focus', onFocus)
  }
}
