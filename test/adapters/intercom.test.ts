import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager, type WidgetTokenError } from '../../src'
import { intercomWidget, type IntercomWidgetOptions } from '../../src/adapters/intercom'
import { createBackend, type Backend } from '../helpers/backend'
import { jwt } from '../helpers/jwt'
import { ENDPOINT, MINUTE, T0 } from '../helpers/setup'
import { failOnReportedErrors } from '../helpers/reported'

// Intercom's own npm package, @intercom/messenger-js-sdk: `Intercom(settings)` stores the settings
// in `window.intercomSettings` (which the Messenger script boots with once it loads) and installs
// `window.Intercom` as a command queue whose `q` records every later command. Its `update` and
// `shutdown` go through that queue. (index.ts and instance-manager.ts in the package.)
type Sdk = typeof import('@intercom/messenger-js-sdk')
type Queued = [command: string, settings?: Record<string, unknown>]

let sdk: Sdk
let backend: Backend
let manager: TokenManager
let errors: WidgetTokenError[]

const APP_ID = 'abc123'

failOnReportedErrors()

beforeEach(async () => {
  vi.useFakeTimers({ now: T0 })
  delete (window as { Intercom?: unknown }).Intercom
  delete window.intercomSettings
  // The SDK adds the Messenger script unless its loader tag is there: this stands for a page where
  // the script is still loading, so nothing runs the queued commands.
  const loader = Object.assign(document.createElement('script'), { id: '_intercom_npm_loader' })
  document.head.replaceChildren(document.createElement('script'), loader)
  sdk = await import('@intercom/messenger-js-sdk')
  backend = createBackend({ audience: APP_ID, claims: { user_id: 'visitor-1' } })
  errors = []
})

afterEach(() => {
  // The SDK keeps one queue per page; empty it for the next test's page.
  ;(window.Intercom as { q?: unknown[] } | undefined)?.q?.splice(0)
  manager.stop()
  // Whatever a test did, stop() leaves none of the adapter's timers behind.
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

function create(options: Partial<IntercomWidgetOptions> = {}) {
  manager = createTokenManager({
    endpoint: ENDPOINT,
    fetch: backend.fetch,
    widget: intercomWidget({ settings: { app_id: APP_ID, hide_default_launcher: true }, boot: sdk.Intercom, ...options }),
    random: () => 1,
  })
  manager.on('error', (error) => errors.push(error))
  return manager
}

/** The commands the Messenger will run once its script has loaded. */
const queued = (): Queued[] => ((window.Intercom as { q?: ArrayLike<unknown>[] } | undefined)?.q ?? []).map((args) => Array.from(args) as Queued)

describe('intercomWidget', () => {
  it('boots once through the SDK with the first token and updates with the next', async () => {
    await create().start()
    await manager.refresh()

    expect(window.intercomSettings).toMatchObject({ app_id: APP_ID, hide_default_launcher: true, intercom_user_jwt: backend.issued[0] })
    expect(queued()).toEqual([['update', { intercom_user_jwt: backend.issued[1] }]])
  })

  it('boots with Intercom("boot") where the page uses the classic snippet', async () => {
    const Intercom = vi.fn()
    await create({ boot: undefined, intercom: () => Intercom }).start()
    await manager.refresh()

    expect(Intercom.mock.calls).toEqual([
      ['boot', { app_id: APP_ID, hide_default_launcher: true, intercom_user_jwt: backend.issued[0] }],
      ['update', { intercom_user_jwt: backend.issued[1] }],
    ])
  })

  it('does not boot a second time when the manager restarts', async () => {
    await create().start()
    manager.stop()
    await manager.start()

    expect(queued()).toEqual([['update', { intercom_user_jwt: backend.issued[1] }]])
  })

  it('keeps its updates within its share of Intercom’s 20 per 30 minutes, and says when it tries again', async () => {
    backend = createBackend({ audience: APP_ID, claims: { user_id: 'visitor-1' }, ttlSeconds: 60 })
    const Intercom = vi.fn()
    await create({ boot: undefined, intercom: () => Intercom }).start()
    await vi.advanceTimersByTimeAsync(30 * MINUTE)

    expect(Intercom.mock.calls.filter(([command]) => command === 'update')).toHaveLength(10)
    const throttled = errors.find((error) => error.code === 'widget_rejected')
    expect(throttled?.retryInMs).toBeGreaterThan(MINUTE)
  })

  it('counts each update for 30 minutes exactly, and says how long the oldest still counts', async () => {
    const Intercom = vi.fn()
    await create({ boot: undefined, intercom: () => Intercom, updatesPer30Minutes: 1 }).start()
    await manager.refresh()
    await vi.advanceTimersByTimeAsync(MINUTE)

    await expect(manager.refresh()).rejects.toMatchObject({ code: 'widget_rejected', retryAfterMs: 29 * MINUTE, message: expect.stringContaining('update limit reached') })
    await vi.advanceTimersByTimeAsync(29 * MINUTE - 1)
    await expect(manager.refresh()).rejects.toMatchObject({ retryAfterMs: 1 })
    await vi.advanceTimersByTimeAsync(1)
    await manager.refresh()
    expect(Intercom.mock.calls.map(([command]) => command)).toEqual(['boot', 'update', 'update'])
  })

  it('says it waited for window.Intercom when the command is gone for an update', async () => {
    await create({ intercom: () => undefined, waitMs: 100 }).start()
    await vi.advanceTimersByTimeAsync(1000)
    const refreshed = expect(manager.refresh()).rejects.toMatchObject({ message: expect.stringContaining('no window.Intercom after 100 ms') })
    await vi.advanceTimersByTimeAsync(100)
    await refreshed
  })

  it('shuts nothing down when the session ends before the Messenger booted', async () => {
    const Intercom = vi.fn()
    backend.answer({ status: 401 })
    await create({ boot: undefined, intercom: () => Intercom }).start().catch(() => {})
    expect(Intercom).not.toHaveBeenCalled()
  })

  it('boots again after the session ended and the manager starts anew', async () => {
    const Intercom = vi.fn()
    await create({ boot: undefined, intercom: () => Intercom }).start()
    backend.answer({ status: 401 })
    await manager.refresh().catch(() => {})
    await manager.start()

    expect(Intercom.mock.calls.map(([command]) => command)).toEqual(['boot', 'shutdown', 'boot'])
    expect(Intercom.mock.calls[2]![1]).toMatchObject({ intercom_user_jwt: backend.issued[1] })
  })

  it('shuts down nothing it cannot find when the SDK booted the Messenger', async () => {
    const boot = vi.fn()
    await create({ boot, intercom: () => undefined }).start()
    backend.answer({ status: 401 })
    await manager.refresh().catch(() => {})
    expect(manager.state).toBe('ended')
    expect(boot).toHaveBeenCalledTimes(1)
  })

  it('refuses a token for another user and ends the Messenger session', async () => {
    const Intercom = vi.fn()
    await create({ boot: undefined, intercom: () => Intercom }).start()
    const ended = vi.fn()
    manager.on('ended', ended)
    const iat = Math.floor(Date.now() / 1000)
    backend.answer({ token: jwt({ aud: APP_ID, user_id: 'visitor-2', iat, exp: iat + 1800 }) })
    await manager.refresh().catch(() => {})

    expect(ended).toHaveBeenCalledWith({ error: expect.objectContaining({ code: 'widget_rejected', message: expect.stringContaining('the token is for another user_id') }) })
    expect(Intercom.mock.calls.map(([command]) => command)).toEqual(['boot', 'shutdown'])
  })

  it('shuts down when the portal session ends', async () => {
    await create().start()
    backend.answer({ status: 403 })
    await manager.refresh().catch(() => {})
    expect(queued().at(-1)).toEqual(['shutdown'])
  })

  it('calls nothing on Intercom once stopped', async () => {
    const Intercom = vi.fn()
    let loaded: typeof Intercom | undefined
    const started = create({ boot: undefined, intercom: () => loaded }).start()
    started.catch(() => {})
    await vi.advanceTimersByTimeAsync(1000)
    manager.stop()
    loaded = Intercom
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(Intercom).not.toHaveBeenCalled()
  })
})
