import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type TabListener, type TabSync, type TokenManager, type WidgetAdapter } from '../src'
import { jwt, ORG_ID } from './helpers/jwt'
import { genConfig, settle, T0 } from './helpers/setup'
import { createFakeGen } from './helpers/widget'

// `tabs` takes any TabSync, not only shareAcrossTabs(): one that keeps calling its listener after
// the session closed its link must not bring a stopped or ended run back.
let manager: TokenManager

afterEach(() => {
  manager.stop()
  vi.useRealTimers()
})

/** A manager whose tab link is the test's: `listeners` is what the session gave it. */
function start(widgetOf: (gen: ReturnType<typeof createFakeGen>) => WidgetAdapter = (fake) => genWidget({ config: genConfig, gen: fake.gen })) {
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
  manager = createTokenManager({ fetchToken, tabKey: 'portal', tabs, widget: widgetOf(widget) })
  const events: string[] = []
  for (const type of ['token', 'error', 'ended'] as const) manager.on(type, () => events.push(type))
  const shared = () => ({ token: jwt({ aud: ORG_ID, iat: T0 / 1000, exp: T0 / 1000 + 1800 }), expiresIn: 1800, shared: true })
  return { listeners, widget, fetchToken, events, shared }
}

describe('a tab link that calls its listener late', () => {
  it('hands no adopted token to the widget of a stopped run', async () => {
    const { listeners, widget, events, shared } = start()
    await manager.start()
    manager.stop()
    listeners[0]!.adopt(shared())
    await settle()

    expect(widget.gen.updateConfiguration).not.toHaveBeenCalled()
    expect(events).toEqual(['token'])
  })

  it('reports no adopted token after stop for a widget that asks for its tokens', async () => {
    const { listeners, events, shared } = start(() => ({ attach: () => () => {} }))
    await manager.start()
    manager.stop()
    listeners[0]!.adopt(shared())
    await settle()

    expect(events).toEqual([])
    expect(manager.expiresAt).toBeUndefined()
  })

  it('does not end a stopped run on a late sign-out', async () => {
    const { listeners, events } = start()
    await manager.start()
    manager.stop()
    listeners[0]!.signedOut()

    expect(manager.state).toBe('stopped')
    expect(events).toEqual(['token'])
  })

  it('hands the widget a token shared while another was being handed over, after that one', async () => {
    const { listeners, widget, events, shared } = start()
    await manager.start()
    const newer = { token: jwt({ aud: ORG_ID, iat: T0 / 1000 + 60, exp: T0 / 1000 + 1860 }), expiresIn: 1800, shared: true }
    listeners[0]!.adopt(shared())
    listeners[0]!.adopt(newer)
    await settle()

    expect(widget.token).toBe(newer.token)
    expect(events).toEqual(['token', 'token', 'token'])
  })

  it('keeps the request under way when another tab shares a token meanwhile', async () => {
    const { listeners, fetchToken, shared } = start()
    await manager.start()
    let answer!: (value: { token: string; expiresIn: number }) => void
    fetchToken.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
    const refreshed = manager.refresh()
    listeners[0]!.adopt(shared())
    const own = jwt({ aud: ORG_ID, iat: T0 / 1000, exp: T0 / 1000 + 900 })
    answer({ token: own, expiresIn: 900 })
    await refreshed

    expect(manager.expiresAt).toBe(T0 + 900_000)
  })
})
