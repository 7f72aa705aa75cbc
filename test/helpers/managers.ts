import { vi } from 'vitest'
import { createTokenManager, genWidget, type TabListener, type TabSync, type TokenResponse, type Warning, type WidgetAdapter, type WidgetHost, type WidgetTokenError } from '../../src'
import { freshToken, jwt, ORG_ID } from './jwt'
import { genConfig, stopAfterTest, T0 } from './setup'
import { createFakeGen } from './widget'

// Managers on a custom source whose widget, or tab link, the test drives by hand. Each stops once
// its test is over (with cleanUpManagers).

/** A manager on a custom source and a widget the test drives through its host. */
export function withHost({ apply = vi.fn(), ...options }: { apply?: WidgetAdapter['apply'] | null; fetchToken?: () => Promise<{ token: string; expiresIn?: number }> } = {}) {
  vi.useFakeTimers({ now: T0 })
  let host!: WidgetHost
  const fetchToken = vi.fn(options.fetchToken ?? (async () => ({ token: freshToken(), expiresIn: 1800 })))
  const widget: WidgetAdapter = { attach: (newHost) => ((host = newHost), () => {}), ...(apply ? { apply } : {}) }
  const manager = stopAfterTest(createTokenManager({ fetchToken, widget, random: () => 1 }))
  const events: string[] = []
  for (const type of ['token', 'error', 'expired', 'ended'] as const) manager.on(type, () => events.push(type))
  return { manager, fetchToken, events, host: () => host }
}

/** A push widget whose `apply` the test writes, on a manager with a custom source. */
export function withPushWidget(apply: NonNullable<WidgetAdapter['apply']>, answer: () => TokenResponse = () => ({ token: freshToken(), expiresIn: 1800 }), widget: Partial<WidgetAdapter> = {}) {
  vi.useFakeTimers({ now: T0 })
  const manager = stopAfterTest(createTokenManager({ fetchToken: async () => answer(), widget: { attach: () => () => {}, apply, ...widget }, audience: ORG_ID, random: () => 1 }))
  const errors: WidgetTokenError[] = []
  const warnings: Warning[] = []
  manager.on('error', (error) => errors.push(error))
  manager.on('warning', (warning) => warnings.push(warning))
  return { manager, errors, warnings }
}

/**
 * A manager whose tab link is the test's: `listeners` is what the session gave it. `tabs` takes any
 * TabSync, not only shareAcrossTabs(), and one may call its listener after the session closed it.
 */
export function withTabLink(widgetOf: (gen: ReturnType<typeof createFakeGen>) => WidgetAdapter = (fake) => genWidget({ config: genConfig, gen: fake.gen })) {
  vi.useFakeTimers({ now: T0 })
  const listeners: TabListener[] = []
  const tabs: TabSync = (_key, listener) => {
    listeners.push(listener)
    return { request: (request) => request(), signOut() {}, close() {} }
  }
  const widget = createFakeGen()
  const fetchToken = vi.fn(async () => {
    const iat = Math.floor(Date.now() / 1000)
    return { token: jwt({ aud: ORG_ID, iat, exp: iat + 1800 }), expiresIn: 1800 }
  })
  const manager = stopAfterTest(createTokenManager({ fetchToken, tabKey: 'portal', tabs, widget: widgetOf(widget) }))
  const events: string[] = []
  for (const type of ['token', 'error', 'ended'] as const) manager.on(type, () => events.push(type))
  const shared = () => ({ token: jwt({ aud: ORG_ID, iat: T0 / 1000, exp: T0 / 1000 + 1800 }), expiresIn: 1800, shared: true })
  return { manager, listeners, widget, fetchToken, events, shared }
}
